// A fast path for the common PNGs (8-bit gray, gray+alpha, RGB, RGBA; 1/2/4/8-bit gray and palette;
// not interlaced):
// inflate with Node's zlib and undo the row filters here. For small images this is an order of
// magnitude cheaper than a libvips pipeline, whose fixed cost per call (~0.3-1 ms) dwarfs the work
// on a 64x64 image. Anything else returns null and goes to sharp.
import { inflateSync } from "node:zlib";
import { rawImage, type RawImage } from "./image.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes `bytes` to gray (1 channel: gray and gray+alpha files) or RGB (3 channels: RGB, RGBA,
 * palette), dropping alpha as Pillow's convert("RGB") does. Returns null for a PNG this decoder
 * does not handle (other bit depths, interlacing); throws for a damaged file.
 */
export function decodePng(bytes: Uint8Array): RawImage | null {
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let depth = 8;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (p + 8 <= bytes.length) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
    const start = p + 8;
    if (start + length + 4 > bytes.length) throw new Error(`PNG chunk ${type} is truncated`);
    if (type === "IHDR") {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      depth = bytes[start + 8]!;
      colorType = bytes[start + 9]!;
      const interlace = bytes[start + 12]!;
      if (interlace !== 0 || ![0, 2, 3, 4, 6].includes(colorType)) return null;
      const lowDepth = (colorType === 0 || colorType === 3) && (depth === 1 || depth === 2 || depth === 4);
      if (depth !== 8 && !lowDepth) return null;
    } else if (type === "PLTE") {
      palette = bytes.subarray(start, start + length);
    } else if (type === "IDAT") {
      idat.push(bytes.subarray(start, start + length));
    } else if (type === "IEND") {
      sawEnd = true;
      break;
    }
    p = start + length + 4;
  }
  if (colorType < 0 || width === 0 || height === 0) throw new Error("PNG has no valid IHDR chunk");
  if (idat.length === 0) throw new Error("PNG has no image data (IDAT)");
  if (!sawEnd) throw new Error("PNG is truncated (no IEND chunk)");
  if (colorType === 3 && !palette) throw new Error("palette PNG without a PLTE chunk");
  // Bytes per pixel for the filters (at least 1), and bytes per row.
  const bpp = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 2 ? 3 : colorType === 6 ? 4 : 1;
  const stride = depth === 8 ? width * bpp : Math.ceil((width * depth) / 8);
  const inflated = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  if (inflated.length < height * (stride + 1)) throw new Error("PNG image data is truncated");

  // Unfilter into `px` (height x stride).
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = inflated[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    switch (filter) {
      case 0:
        px.set(inflated.subarray(src, src + stride), dst);
        break;
      case 1:
        for (let i = 0; i < stride; i++) px[dst + i] = (inflated[src + i]! + (i >= bpp ? px[dst + i - bpp]! : 0)) & 255;
        break;
      case 2:
        for (let i = 0; i < stride; i++) px[dst + i] = (inflated[src + i]! + (y > 0 ? px[up + i]! : 0)) & 255;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? px[dst + i - bpp]! : 0;
          const b = y > 0 ? px[up + i]! : 0;
          px[dst + i] = (inflated[src + i]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? px[dst + i - bpp]! : 0;
          const b = y > 0 ? px[up + i]! : 0;
          const c = i >= bpp && y > 0 ? px[up + i - bpp]! : 0;
          px[dst + i] = (inflated[src + i]! + paeth(a, b, c)) & 255;
        }
        break;
      default:
        throw new Error(`PNG row ${y} has an invalid filter type ${filter}`);
    }
  }

  const n = width * height;
  let samples = px;
  if (depth < 8) {
    // Unpack 1/2/4-bit samples (most significant bits first); gray scales to 0..255 as libpng does.
    samples = new Uint8Array(n);
    const perByte = 8 / depth;
    const mask = (1 << depth) - 1;
    const scale = colorType === 0 ? 255 / mask : 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const byte = px[y * stride + Math.floor(x / perByte)]!;
        const shift = 8 - depth * ((x % perByte) + 1);
        samples[y * width + x] = ((byte >> shift) & mask) * scale;
      }
    }
  }
  switch (colorType) {
    case 0:
      return rawImage(samples, width, height, 1);
    case 2:
      return rawImage(px, width, height, 3);
    case 4: {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = px[i * 2]!;
      return rawImage(out, width, height, 1);
    }
    case 6: {
      const out = new Uint8Array(n * 3);
      for (let i = 0, s = 0, d = 0; i < n; i++, s += 4, d += 3) {
        out[d] = px[s]!;
        out[d + 1] = px[s + 1]!;
        out[d + 2] = px[s + 2]!;
      }
      return rawImage(out, width, height, 3);
    }
    default: {
      const pal = palette!;
      const entries = Math.floor(pal.length / 3);
      const out = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        const e = samples[i]!;
        if (e >= entries) throw new Error(`PNG palette index ${e} out of range (${entries} entries)`);
        out[i * 3] = pal[e * 3]!;
        out[i * 3 + 1] = pal[e * 3 + 1]!;
        out[i * 3 + 2] = pal[e * 3 + 2]!;
      }
      return rawImage(out, width, height, 3);
    }
  }
}
