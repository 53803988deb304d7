// The kernel logo: a float16 bit pattern (1 sign, 5 exponent, 10 mantissa bits) in the three colours
// tsamp uses for sign, exponent and mantissa everywhere. PNGs are encoded here so `tsamp install`
// needs no image tooling.
import { deflateSync } from "node:zlib";

const SIGN = [0xd9, 0x4f, 0x4f];
const EXPONENT = [0x3b, 0x82, 0xc4];
const MANTISSA = [0x3f, 0xa3, 0x5b];
const BACKGROUND = [0x1f, 0x29, 0x37];
/** The bits of 1.0 / 3 in float16: 0 01101 0101010101. */
const BITS = "0011010101010101";

function cellColour(index: number): number[] {
  return index === 0 ? SIGN : index <= 5 ? EXPONENT : MANTISSA;
}

export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect width="64" height="64" rx="8" fill="#1f2937"/>
${[...BITS]
  .map((bit, i) => {
    const [r, g, b] = cellColour(i);
    const x = 4 + (i % 4) * 14;
    const y = 4 + Math.floor(i / 4) * 14;
    return `<rect x="${x}" y="${y}" width="12" height="12" rx="2" fill="rgb(${r},${g},${b})" fill-opacity="${bit === "1" ? 1 : 0.35}"/>`;
  })
  .join("\n")}
</svg>
`;

export function logoPng(size: number): Buffer {
  const rows: Buffer[] = [];
  const cell = size / 16;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const cx = Math.floor(x / (cell * 4));
      const cy = Math.floor(y / (cell * 4));
      const inset = x % (cell * 4) >= cell * 0.5 && y % (cell * 4) >= cell * 0.5;
      const i = cy * 4 + cx;
      const lit = BITS[i] === "1";
      const [r, g, b] = inset ? cellColour(i).map((c) => (lit ? c : Math.round(c * 0.35 + BACKGROUND[0] * 0.65))) : BACKGROUND;
      row.set([r, g, b, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  return encodePng(size, size, Buffer.concat(rows));
}

function encodePng(width: number, height: number, raw: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}
