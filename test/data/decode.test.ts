// The PNG fast path against sharp, header sniffing, the two geometry engines against each other,
// and the js engine against Pillow itself (when Debian's python3-pil is there).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { readHeader } from "../../lib/data/image.js";
import { decode, runPipeline } from "../../lib/data/pipeline.js";
import { decodePng } from "../../lib/data/png.js";
import { crop, resizedCrop } from "../../lib/data/resample.js";
import { Rng } from "../../lib/data/rng.js";
import { data } from "../../lib/index.js";
import { tempDir } from "./helpers.js";

const T = data.transforms;
const W = 23;
const H = 17;
const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 29 + ((i * i) % 97)) & 255);
const rgba = Uint8Array.from({ length: W * H * 4 }, (_, i) => (i * 17 + ((i * i) % 89)) & 255);

/** A gray PNG of bit depth 1, 2 or 4 written by hand (sharp only writes those as palettes). */
function lowDepthGray(depth: number): Buffer {
  const stride = Math.ceil((W * depth) / 8);
  const rows = Buffer.alloc(H * (stride + 1));
  for (let y = 0; y < H; y++) {
    rows[y * (stride + 1)] = y % 5; // every filter type
    for (let b = 0; b < stride; b++) rows[y * (stride + 1) + 1 + b] = (y * 53 + b * 71) & 255;
  }
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, "latin1"), body])));
    return Buffer.concat([len, Buffer.from(type, "latin1"), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = depth;
  ihdr[9] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

async function sharpPixels(bytes: Uint8Array, gray: boolean): Promise<number[]> {
  const s = sharp(bytes).removeAlpha().toColourspace(gray ? "b-w" : "srgb");
  return Array.from(await s.raw().toBuffer());
}

describe("PNG fast path", () => {
  const cases: Array<[string, () => Promise<Buffer>, boolean]> = [
    ["gray", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).toColourspace("b-w").png().toBuffer(), true],
    ["gray+alpha", () => sharp(Buffer.from(rgba), { raw: { width: W, height: H, channels: 4 } }).toColourspace("b-w").png().toBuffer(), true],
    ["RGB", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), false],
    ["RGB, no compression", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer(), false],
    ["RGBA", () => sharp(Buffer.from(rgba), { raw: { width: W, height: H, channels: 4 } }).png().toBuffer(), false],
    ["palette (8-bit)", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 200, dither: 0 }).toBuffer(), false],
    ["palette (4-bit)", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 16, dither: 0 }).toBuffer(), false],
    ["palette (1-bit)", () => sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 2, dither: 0 }).toBuffer(), false],
    ["gray (1-bit)", async () => lowDepthGray(1), true],
    ["gray (2-bit)", async () => lowDepthGray(2), true],
    ["gray (4-bit)", async () => lowDepthGray(4), true],
  ];
  for (const [name, make, gray] of cases) {
    it(`decodes ${name} as sharp does`, async () => {
      const bytes = await make();
      const img = decodePng(bytes);
      expect(img).not.toBeNull();
      expect([img!.width, img!.height, img!.channels]).toEqual([W, H, gray ? 1 : 3]);
      expect(Array.from(img!.data)).toEqual(await sharpPixels(bytes, gray));
    });
  }

  it("declines 16-bit and interlaced files (sharp decodes those)", async () => {
    const deep = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).toColourspace("rgb16").png().toBuffer();
    const interlaced = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png({ progressive: true }).toBuffer();
    expect(decodePng(deep)).toBeNull();
    expect(decodePng(interlaced)).toBeNull();
    // ... and the pipeline still reads them.
    const img = await decode(interlaced, readHeader(interlaced), 3);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  it("throws on a truncated file", async () => {
    const bytes = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    expect(() => decodePng(bytes.subarray(0, bytes.length - 30))).toThrow(/truncated|IEND|unexpected end/i);
  });
});

describe("headers", () => {
  it("reads PNG and JPEG (baseline and progressive) sizes without decoding", async () => {
    const raw = sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } });
    expect(readHeader(await raw.clone().png().toBuffer())).toEqual({ format: "png", width: W, height: H, channels: 3 });
    expect(readHeader(await raw.clone().jpeg().toBuffer())).toEqual({ format: "jpeg", width: W, height: H, channels: 3 });
    expect(readHeader(await raw.clone().jpeg({ progressive: true }).toBuffer())).toEqual({ format: "jpeg", width: W, height: H, channels: 3 });
    expect(readHeader(await raw.clone().toColourspace("b-w").jpeg().toBuffer())).toMatchObject({ channels: 1 });
    expect(readHeader(await raw.clone().webp().toBuffer())).toBeNull();
  });
});

describe("engines", async () => {
  const bytes = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const both = async (steps: Parameters<typeof T.compose>[0], seed = 0) =>
    Promise.all(
      (["js", "sharp"] as const).map((engine) => runPipeline(bytes, T.compose(steps).transforms, Rng.of(seed), { channels: 3, engine })),
    );

  it("give identical pixels for crops and flips (no resampling)", async () => {
    for (const steps of [[T.centerCrop([9, 14])], [T.randomHorizontalFlip(1), T.centerCrop(8)], [T.centerCrop(12), T.randomHorizontalFlip(1), T.centerCrop(5)]]) {
      const [js, sh] = await both(steps);
      expect([sh!.width, sh!.height]).toEqual([js!.width, js!.height]);
      expect(Array.from(sh!.data)).toEqual(Array.from(js!.data));
    }
  });

  it("agree on sizes and roughly on values when resampling", async () => {
    for (let seed = 0; seed < 10; seed++) {
      const [js, sh] = await both([T.randomResizedCrop(11), T.randomHorizontalFlip()], seed);
      expect([sh!.width, sh!.height, sh!.channels]).toEqual([11, 11, 3]);
      expect([js!.width, js!.height, js!.channels]).toEqual([11, 11, 3]);
    }
    const smooth = Uint8Array.from({ length: 40 * 30 }, (_, i) => Math.round(((i % 40) / 39) * 200 + (Math.floor(i / 40) / 29) * 55));
    const smoothPng = await sharp(Buffer.from(smooth), { raw: { width: 40, height: 30, channels: 1 } }).toColourspace("b-w").png().toBuffer();
    const [a, b] = await Promise.all(
      (["js", "sharp"] as const).map((engine) => runPipeline(smoothPng, [T.resize(15)], Rng.of(0), { channels: 1, engine })),
    );
    expect([b!.width, b!.height]).toEqual([a!.width, a!.height]);
    let diff = 0;
    for (let i = 0; i < a!.data.length; i++) diff += Math.abs(a!.data[i]! - b!.data[i]!);
    expect(diff / a!.data.length).toBeLessThan(3);
  });
});

function hasPillow(): boolean {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import PIL"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasPillow())("the js engine equals Pillow (torchvision's PIL path)", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("crop + resize with BILINEAR, shrinking and enlarging, RGB and L", async () => {
    const path = join(tmp.dir, "img.png");
    writeFileSync(path, await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
    // [left, top, width, height] crops and [width, height] output sizes.
    const cases = [
      [[0, 0, W, H], [7, 5]],
      [[0, 0, W, H], [50, 41]],
      [[3, 2, 11, 9], [4, 4]],
      [[5, 1, 13, 15], [31, 8]],
      [[0, 4, 1, 13], [6, 6]],
      [[2, 2, 19, 14], [19, 3]],
    ];
    const script = `
import json, sys
from PIL import Image
img = Image.open(sys.argv[1]).convert(sys.argv[2])
out = []
for (l, t, w, h), (ow, oh) in json.loads(sys.argv[3]):
    out.append(list(img.crop((l, t, l + w, t + h)).resize((ow, oh), Image.BILINEAR).tobytes()))
print(json.dumps(out))
`;
    for (const mode of ["RGB", "L"] as const) {
      const expected = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, path, mode, JSON.stringify(cases)], { encoding: "utf8" })) as number[][];
      const img = await decode(new Uint8Array(await sharp(path).png().toBuffer()), null, mode === "RGB" ? 3 : 1);
      cases.forEach(([[left, top, width, height], [ow, oh]], k) => {
        const c = crop(img, { left: left!, top: top!, width: width!, height: height! });
        const got = resizedCrop(c, { left: 0, top: 0, width: width!, height: height! }, ow!, oh!);
        expect(Array.from(got.data), `${mode} case ${k}`).toEqual(expected[k]);
      });
    }
  });
});
