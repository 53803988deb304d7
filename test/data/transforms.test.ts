// Each transform against values worked out by hand on tiny images, RandomResizedCrop's bounds and
// reproducibility, and the pipeline's rules (ToTensor before Normalize, geometry before ToTensor).
import { describe, expect, it } from "vitest";
import { data } from "../../lib/index.js";
import { runPipeline, type Engine } from "../../lib/data/pipeline.js";
import { Rng, sampleRng } from "../../lib/data/rng.js";
import { randomResizedCropParams, roundHalfEven, type TransformLike } from "../../lib/data/transforms.js";
import type { Image, RawImage } from "../../lib/data/image.js";
import { GRADIENT, png } from "./helpers.js";

const T = data.transforms;

async function run(bytes: Uint8Array, steps: TransformLike[], options: { engine?: Engine; channels?: 1 | 3; rng?: Rng } = {}): Promise<Image> {
  const compose = T.compose(steps);
  return runPipeline(bytes, compose.transforms, options.rng ?? Rng.of(0), { channels: options.channels ?? 1, engine: options.engine ?? "js" });
}

const pixels = (img: Image) => Array.from(img.data);

describe("geometric transforms on the 4x4 gradient G[y][x] = 16 * (4y + x)", async () => {
  const grad = await png(GRADIENT, 4, 4);

  it("decodes to the gradient with no transform", async () => {
    const img = await run(grad, []);
    expect([img.kind, img.width, img.height, img.channels]).toEqual(["raw", 4, 4, 1]);
    expect(pixels(img)).toEqual(Array.from(GRADIENT));
  });

  it("CenterCrop(2) keeps rows 1-2 and columns 1-2", async () => {
    const img = await run(grad, [T.centerCrop(2)]);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(pixels(img)).toEqual([80, 96, 144, 160]);
  });

  it("CenterCrop(3) starts at round(0.5) = 0, Python's round half to even, as torchvision", async () => {
    const img = await run(grad, [T.centerCrop(3)]);
    expect(pixels(img)).toEqual([0, 16, 32, 64, 80, 96, 128, 144, 160]);
  });

  it("CenterCrop([2, 4]) crops rows only", async () => {
    const img = await run(grad, [T.centerCrop([2, 4])]);
    expect([img.width, img.height]).toEqual([4, 2]);
    expect(pixels(img)).toEqual([64, 80, 96, 112, 128, 144, 160, 176]);
  });

  it("CenterCrop(6) pads with zeros: (6 - 4) // 2 = 1 on the left and top", async () => {
    const img = await run(grad, [T.centerCrop(6)]);
    const rows = Array.from({ length: 6 }, (_, y) => pixels(img).slice(y * 6, y * 6 + 6));
    expect(rows).toEqual([
      [0, 0, 0, 0, 0, 0],
      [0, 0, 16, 32, 48, 0],
      [0, 64, 80, 96, 112, 0],
      [0, 128, 144, 160, 176, 0],
      [0, 192, 208, 224, 240, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
  });

  it("RandomHorizontalFlip(1) mirrors every row; p = 0 never does", async () => {
    expect(pixels(await run(grad, [T.randomHorizontalFlip(1)]))).toEqual([48, 32, 16, 0, 112, 96, 80, 64, 176, 160, 144, 128, 240, 224, 208, 192]);
    expect(pixels(await run(grad, [T.randomHorizontalFlip(0)]))).toEqual(Array.from(GRADIENT));
  });

  it("RandomHorizontalFlip(0.5) flips about half of the samples, reproducibly per (seed, epoch, index)", async () => {
    let flipped = 0;
    for (let i = 0; i < 200; i++) {
      const img = await run(grad, [T.randomHorizontalFlip()], { rng: sampleRng(7, 0, i) });
      const again = await run(grad, [T.randomHorizontalFlip()], { rng: sampleRng(7, 0, i) });
      expect(pixels(again)).toEqual(pixels(img));
      if (img.data[0] === 48) flipped++;
    }
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it("Resize(2) shrinks with Pillow's antialiased bilinear filter", async () => {
    // Shrinking by 2: support 2, taps at distance 0.5, 0.5, 1.5 from the output pixel's centre,
    // weights (1 - d/2) = 0.75, 0.75, 0.25, normalized by 1.75; columns 0-2 for x = 0, 1-3 for x = 1.
    // Horizontal pass, row 0: (0*.75 + 16*.75 + 32*.25)/1.75 = 11.43 -> 11; (16*.25 + 32*.75 + 48*.75)/1.75
    // = 36.57 -> 37; rows r add 64r: [11, 37], [75, 101], [139, 165], [203, 229].
    // Vertical pass, same weights: (11*.75 + 75*.75 + 139*.25)/1.75 = 56.71 -> 57,
    // (37*.75 + 101*.75 + 165*.25)/1.75 = 82.71 -> 83, (75*.25 + 139*.75 + 203*.75)/1.75 = 157.29 -> 157,
    // (101*.25 + 165*.75 + 229*.75)/1.75 = 183.29 -> 183.
    const img = await run(grad, [T.resize(2)]);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(pixels(img)).toEqual([57, 83, 157, 183]);
  });

  it("Resize to the same size changes nothing", async () => {
    expect(pixels(await run(grad, [T.resize(4)]))).toEqual(Array.from(GRADIENT));
  });

  it("Resize(n) matches the shorter side and truncates the longer: int(n * long / short)", async () => {
    const wide = await png(new Uint8Array(4 * 8), 8, 4);
    let img = await run(wide, [T.resize(2)]);
    expect([img.height, img.width]).toEqual([2, 4]);
    const r46 = await png(new Uint8Array(4 * 6), 6, 4); // h 4, w 6: int(3 * 6 / 4) = int(4.5) = 4
    img = await run(r46, [T.resize(3)]);
    expect([img.height, img.width]).toEqual([3, 4]);
    const tall = await png(new Uint8Array(6 * 4), 4, 6);
    img = await run(tall, [T.resize(3)]);
    expect([img.height, img.width]).toEqual([4, 3]);
    img = await run(tall, [T.resize([3, 5])]);
    expect([img.height, img.width]).toEqual([3, 5]);
    // maxSize caps the longer side: 4 wide x 8 tall, Resize(2) gives long int(2 * 8 / 4) = 4 > 3, so
    // short = int(3 * 2 / 4) = 1, long = 3.
    img = await run(await png(new Uint8Array(4 * 8), 4, 8), [T.resize(2, { maxSize: 3 })]);
    expect([img.height, img.width]).toEqual([3, 1]);
  });

  it("Resize enlarges 2x2 -> 4x4 bilinearly (weights 1, 3/4 1/4, 1/4 3/4, 1)", async () => {
    // [[0, 100], [200, 40]]; rows first: [0, 25, 75, 100], [200, 160, 80, 40]; then columns, e.g.
    // .75*25 + .25*160 = 58.75 -> 59, .25*25 + .75*160 = 126.25 -> 126, .25*75 + .75*80 = 78.75 -> 79.
    const img = await run(await png(Uint8Array.from([0, 100, 200, 40]), 2, 2), [T.resize(4)]);
    expect(pixels(img)).toEqual([0, 25, 75, 100, 50, 59, 76, 85, 150, 126, 79, 55, 200, 160, 80, 40]);
  });
});

describe("ToTensor and Normalize", async () => {
  const grad = await png(GRADIENT, 4, 4);

  it("ToTensor: HWC float32 v / 255", async () => {
    const img = await run(grad, [T.toTensor()]);
    expect(img.kind).toBe("float");
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(pixels(img)).toEqual(Array.from(GRADIENT, (v) => Math.fround(v / 255)));
  });

  it("a gray image becomes RGB (replicated) with channels 3, as torchvision's loader converts to RGB", async () => {
    const img = await run(grad, [T.toTensor()], { channels: 3 });
    expect([img.height, img.width, img.channels]).toEqual([4, 4, 3]);
    expect(pixels(img).slice(3, 6)).toEqual([16 / 255, 16 / 255, 16 / 255].map(Math.fround));
  });

  it("Normalize defaults to ImageNet's mean and std, per channel, in float32 steps", async () => {
    const img = await run(grad, [T.toTensor(), T.normalize()], { channels: 3 });
    // Pixel 0 (v = 0): -mean / std = -0.485/0.229, -0.456/0.224, -0.406/0.225.
    expect(img.data[0]).toBeCloseTo(-2.117904, 5);
    expect(img.data[1]).toBeCloseTo(-2.035714, 5);
    expect(img.data[2]).toBeCloseTo(-1.804444, 5);
    // Pixel 15 (v = 240): (240/255 - 0.485) / 0.229 = 1.992037...
    expect(img.data[45]).toBeCloseTo((240 / 255 - 0.485) / 0.229, 5);
    expect(img.data[46]).toBeCloseTo((240 / 255 - 0.456) / 0.224, 5);
    expect(img.data[47]).toBeCloseTo((240 / 255 - 0.406) / 0.225, 5);
    // Exactly torch's float32 arithmetic: sub then div, each rounded to float32.
    const f = Math.fround;
    expect(img.data[45]).toBe(f(f(f(240 / 255) - f(0.485)) / f(0.229)));
  });

  it("Normalize with one mean/std applies to every channel; a wrong count is an error", async () => {
    const img = await run(grad, [T.toTensor(), T.normalize({ mean: [0.5], std: [0.5] })]);
    expect(img.data[0]).toBe(-1);
    expect(img.data[15]).toBeCloseTo((240 / 255 - 0.5) / 0.5, 6);
    await expect(run(grad, [T.toTensor(), T.normalize()], { channels: 1 })).rejects.toThrow(/3 means\/stds but the image has 1 channel/);
  });

  it("Normalize before ToTensor, geometry after ToTensor, and ToTensor twice are errors", async () => {
    await expect(run(grad, [T.normalize()])).rejects.toThrow(/put ToTensor\(\) before Normalize/);
    await expect(run(grad, [T.toTensor(), T.centerCrop(2)])).rejects.toThrow(/CenterCrop after ToTensor/);
    await expect(run(grad, [T.toTensor(), T.toTensor()])).rejects.toThrow(/ToTensor applied twice/);
  });

  it("rejects bad arguments up front", () => {
    expect(() => T.randomResizedCrop(0)).toThrow(/positive integer/);
    expect(() => T.randomResizedCrop(8, { scale: [0.5, 0.1] })).toThrow(/scale/);
    expect(() => T.randomHorizontalFlip(2)).toThrow(/p must be in/);
    expect(() => T.normalize({ mean: [0.5, 0.5], std: [0.5] })).toThrow(/same, non-zero length/);
    expect(() => T.normalize({ mean: [0.5], std: [0] })).toThrow(/non-zero/);
    expect(() => T.resize(4, { maxSize: 3 })).toThrow(/maxSize/);
  });
});

describe("RandomResizedCrop", async () => {
  it("draws torchvision's rectangles: inside the image, area and aspect ratio within bounds", () => {
    const W = 64;
    const H = 48;
    const scale = [0.08, 1] as const;
    const ratio = [3 / 4, 4 / 3] as const;
    const fractions: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const r = randomResizedCropParams(W, H, scale, ratio, sampleRng(1, 0, i));
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left + r.width).toBeLessThanOrEqual(W);
      expect(r.top + r.height).toBeLessThanOrEqual(H);
      // w and h are sqrt(area * ratio) and sqrt(area / ratio) rounded, so each is within half a pixel.
      const [w, h] = [r.width, r.height];
      expect((w + 0.5) * (h + 0.5)).toBeGreaterThanOrEqual(scale[0] * W * H);
      expect((w - 0.5) * (h - 0.5)).toBeLessThanOrEqual(scale[1] * W * H);
      expect((w + 0.5) / (h - 0.5)).toBeGreaterThanOrEqual(ratio[0]);
      expect((w - 0.5) / (h + 0.5)).toBeLessThanOrEqual(ratio[1]);
      fractions.push((w * h) / (W * H));
    }
    // Areas spread over the whole scale range.
    expect(fractions.filter((f) => f < 0.2).length).toBeGreaterThan(100);
    expect(fractions.filter((f) => f > 0.8).length).toBeGreaterThan(50);
  });

  it("falls back to a central crop with the ratio clamped after 10 failed attempts", () => {
    // A 4 x 100 strip cannot hold a square of >= 90% of its area: in_ratio 0.04 < 1, so w = 4,
    // h = round(4 / 1) = 4, top = (100 - 4) // 2 = 48.
    const r = randomResizedCropParams(4, 100, [0.9, 1], [1, 1], Rng.of(3));
    expect(r).toEqual({ top: 48, left: 0, height: 4, width: 4 });
    // A wide strip: h = height, w = round(h * max ratio).
    const wide = randomResizedCropParams(100, 4, [0.9, 1], [1, 2], Rng.of(3));
    expect(wide).toEqual({ top: 0, left: 46, height: 4, width: 8 });
  });

  it("is reproducible for a (seed, epoch, index), and varies across indices and epochs", async () => {
    const px = Uint8Array.from({ length: 32 * 24 * 3 }, (_, i) => (i * 37) % 251);
    const bytes = await png(px, 32, 24, 3);
    const steps = [T.randomResizedCrop(12), T.randomHorizontalFlip(), T.toTensor()];
    const a = await run(bytes, steps, { channels: 3, rng: sampleRng(5, 2, 9) });
    const b = await run(bytes, steps, { channels: 3, rng: sampleRng(5, 2, 9) });
    const c = await run(bytes, steps, { channels: 3, rng: sampleRng(5, 2, 10) });
    const d = await run(bytes, steps, { channels: 3, rng: sampleRng(5, 3, 9) });
    expect([a.width, a.height, a.channels]).toEqual([12, 12, 3]);
    expect(pixels(b)).toEqual(pixels(a));
    expect(pixels(c)).not.toEqual(pixels(a));
    expect(pixels(d)).not.toEqual(pixels(a));
  });

  it("equals CenterCrop + Resize of the drawn rectangle", async () => {
    const px = Uint8Array.from({ length: 30 * 30 }, (_, i) => (i * 13) % 256);
    const bytes = await png(px, 30, 30);
    const rect = randomResizedCropParams(30, 30, [0.08, 1], [3 / 4, 4 / 3], sampleRng(0, 0, 4));
    const viaRrc = await run(bytes, [T.randomResizedCrop(10)], { rng: sampleRng(0, 0, 4) });
    // The same crop spelled out: pad nothing, crop the rectangle, resize it to 10 x 10.
    const { crop, resizedCrop } = await import("../../lib/data/resample.js");
    const { decode } = await import("../../lib/data/pipeline.js");
    const full = await decode(bytes, null, 1);
    expect(pixels(viaRrc)).toEqual(pixels(resizedCrop(crop(full, rect), { left: 0, top: 0, width: rect.width, height: rect.height }, 10, 10)));
  });
});

describe("helpers", () => {
  it("roundHalfEven is Python's round", () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, 2, 3]);
  });

  it("compose flattens nested composes and prints like torchvision", () => {
    const c = T.compose([T.compose([T.resize(256), T.centerCrop(224)]), T.toTensor(), T.normalize()]);
    expect(c.transforms).toHaveLength(4);
    expect(c.serializable).toBe(true);
    expect(String(c)).toBe(
      "Compose(\n    Resize(size=256, interpolation=bilinear)\n    CenterCrop(size=(224, 224))\n    ToTensor()\n    Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))\n)",
    );
    const custom = T.compose([T.toTensor(), (img: Image) => img]);
    expect(custom.serializable).toBe(false);
    expect(() => custom.specs()).toThrow(/custom/);
  });

  it("a custom function runs between built-ins and gets the sample's generator", async () => {
    const grad = await png(GRADIENT, 4, 4);
    const invert = (img: Image): Image => ({ ...(img as RawImage), data: Uint8Array.from(img.data, (v) => 255 - v) });
    const img = await run(grad, [T.centerCrop(2), invert, T.toTensor()]);
    expect(pixels(img)).toEqual([255 - 80, 255 - 96, 255 - 144, 255 - 160].map((v) => Math.fround(v / 255)));
  });
});
