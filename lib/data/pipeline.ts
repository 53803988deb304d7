// Runs a sample through its transforms: read the header, plan the geometry (transforms.ts), decode
// and execute the plan in one go, then convert to float with ToTensor and Normalize folded into a
// per-channel lookup table. Worker threads and the main thread run this same code, so they
// produce the same bytes. No tensors here: this module is loaded inside worker threads.
//
// Two engines execute a plan:
// - "sharp": one libvips pipeline from the file's bytes (extract -> resize -> flop -> extract),
//   which decodes only what it needs; the faster choice for large images (ImageNet-sized JPEGs).
// - "js": decode (PNGs by png.ts, the rest by sharp), then crop/resize/flip in resample.ts with
//   Pillow's exact bilinear arithmetic; on small images libvips' fixed cost per call (0.3-1 ms)
//   dominates and this path is several times faster. Its results equal torchvision's PIL path.
// "auto" picks sharp for images of at least SHARP_MIN_PIXELS pixels, js below.
import { readFile } from "node:fs/promises";
import type { Sharp, SharpOptions } from "sharp";
import { floatImage, rawImage, readHeader, type FloatImage, type Header, type Image, type RawImage } from "./image.js";
import { decodePng } from "./png.js";
import { crop, flipInPlace, inside, resizedCrop, toGray, toRgb, type Rect } from "./resample.js";
import { sampleRng, type Rng } from "./rng.js";
import { plan, Transform, TransformError, type GeoOp, type Plan, type TransformSpec, type TransformStep } from "./transforms.js";

export type Engine = "auto" | "sharp" | "js";

/**
 * Images with at least this many pixels go through sharp's fused pipeline under engine "auto".
 * Measured on 2 cores (RandomResizedCrop + flip + ToTensor + Normalize, per image): 64x64 PNG js
 * 0.35 ms vs sharp 1.7 ms; 256x256 js 3.0 vs 3.4; 500x375 JPEG js 9.4 vs sharp 7.6.
 */
export const SHARP_MIN_PIXELS = 300 * 300;

export interface PipelineOptions {
  /** Output channels: 3 (RGB, like torchvision's default loader) or 1 (grayscale, Pillow's "L"). */
  channels: 1 | 3;
  engine: Engine;
}

/** An image that could not be read or decoded. */
export class ImageReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read image ${path}: ${reason}`);
    this.name = "ImageReadError";
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding.

type SharpFactory = (input?: Uint8Array, options?: SharpOptions) => Sharp;
let sharpModule: Promise<SharpFactory> | null = null;

/**
 * sharp, loaded on first use: a worker thread decoding only small PNGs never needs it, and loading
 * it (libvips and sharp's JavaScript) is a good part of a worker's start-up time.
 */
function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import("sharp").then((m) => m.default as unknown as SharpFactory);
  return sharpModule;
}

async function sharpRaw(pipeline: Sharp, gray: boolean): Promise<RawImage> {
  const { data, info } = await pipeline
    .removeAlpha()
    .toColourspace(gray ? "b-w" : "srgb")
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  return rawImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
}

function isGraySource(header: Header | null): boolean {
  return header !== null && header.channels <= 2;
}

/**
 * Decodes to 8-bit pixels with 1 channel (gray source, or `channels` 1) or 3 (RGB). A gray image
 * wanted as RGB stays 1 channel here (geometry is cheaper) and is replicated at the end.
 */
export async function decode(bytes: Uint8Array, header: Header | null, channels: 1 | 3): Promise<RawImage> {
  if (header?.format === "png") {
    let img: RawImage | null = null;
    try {
      img = decodePng(bytes);
    } catch {
      img = null; // let sharp decide, and word the error
    }
    if (img) return channels === 1 ? toGray(img) : img;
  }
  const sharp = await loadSharp();
  const img = await sharpRaw(sharp(bytes), isGraySource(header));
  return channels === 1 ? toGray(img) : img;
}

// ---------------------------------------------------------------------------------------------
// Executing a plan.

/** Runs the geometric operations on decoded pixels (js engine). `owned`: may be changed in place. */
export function executeOps(img: RawImage, ops: readonly GeoOp[], owned: boolean): RawImage {
  let cur = img;
  let mine = owned;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.op === "flip") {
      if (!mine) cur = rawImage(cur.data.slice(), cur.width, cur.height, cur.channels);
      cur = flipInPlace(cur);
      mine = true;
    } else if (op.op === "resize") {
      cur = resizedCrop(cur, { left: 0, top: 0, width: cur.width, height: cur.height }, op.width, op.height);
      mine = true;
    } else {
      const next = ops[i + 1];
      if (next?.op === "resize" && inside(cur, op.rect)) {
        cur = resizedCrop(cur, op.rect, next.width, next.height);
        i++;
      } else {
        cur = crop(cur, op.rect);
      }
      mine = true;
    }
  }
  return cur;
}

/**
 * The plan as one sharp pipeline: [extract] [resize] [extract] and a final flip, or null when the
 * plan has another shape (padding, two resizes), which the js engine then runs.
 */
function sharpSteps(ops: readonly GeoOp[], width: number, height: number): null | { pre?: Rect; resize?: [number, number]; post?: Rect; flip: boolean } {
  // Move flips to the end: a crop after a flip is the mirrored crop before it.
  let flip = false;
  let w = width;
  let h = height;
  const seq: GeoOp[] = [];
  for (const op of ops) {
    if (op.op === "flip") flip = !flip;
    else if (op.op === "resize") {
      seq.push(op);
      [w, h] = [op.width, op.height];
    } else {
      if (!inside({ width: w, height: h }, op.rect)) return null;
      const r = op.rect;
      seq.push({ op: "crop", rect: flip ? { ...r, left: w - r.left - r.width } : r });
      [w, h] = [r.width, r.height];
    }
  }
  // Merge consecutive crops.
  const merged: GeoOp[] = [];
  for (const op of seq) {
    const last = merged[merged.length - 1];
    if (op.op === "crop" && last?.op === "crop") {
      merged[merged.length - 1] = {
        op: "crop",
        rect: { left: last.rect.left + op.rect.left, top: last.rect.top + op.rect.top, width: op.rect.width, height: op.rect.height },
      };
    } else merged.push(op);
  }
  const out: { pre?: Rect; resize?: [number, number]; post?: Rect; flip: boolean } = { flip };
  let i = 0;
  if (merged[i]?.op === "crop") out.pre = (merged[i++] as { rect: Rect }).rect;
  if (merged[i]?.op === "resize") {
    const r = merged[i++] as { width: number; height: number };
    out.resize = [r.width, r.height];
  }
  if (merged[i]?.op === "crop" && out.resize) {
    const r = (merged[i++] as { rect: Rect }).rect;
    // sharp flops before its post-resize extract: mirror that crop within the resized image.
    out.post = flip ? { ...r, left: out.resize[0] - r.left - r.width } : r;
  }
  return i === merged.length ? out : null;
}

async function executeSharp(bytes: Uint8Array, header: Header | null, steps: NonNullable<ReturnType<typeof sharpSteps>>, channels: 1 | 3): Promise<RawImage> {
  const sharp = await loadSharp();
  let p = sharp(bytes);
  if (steps.pre) p = p.extract(steps.pre);
  if (steps.resize) p = p.resize(steps.resize[0], steps.resize[1], { fit: "fill", kernel: "linear" });
  if (steps.flip) p = p.flop();
  if (steps.post) p = p.extract(steps.post);
  const img = await sharpRaw(p, isGraySource(header));
  return channels === 1 ? toGray(img) : img;
}

/** Decodes and runs the plan's geometry with the chosen engine. */
export async function executeEncoded(bytes: Uint8Array, header: Header | null, ops: readonly GeoOp[], options: PipelineOptions): Promise<RawImage> {
  const big = header !== null && header.width * header.height >= SHARP_MIN_PIXELS;
  const useSharp = options.engine === "sharp" || (options.engine === "auto" && (big || header === null));
  if (useSharp && ops.length > 0 && header) {
    const steps = sharpSteps(ops, header.width, header.height);
    if (steps) return executeSharp(bytes, header, steps, options.channels);
  }
  return executeOps(await decode(bytes, header, options.channels), ops, true);
}

// ---------------------------------------------------------------------------------------------
// Float conversion.

const lutCache = new Map<string, Float32Array[]>();

/** Per-channel tables: byte -> float32 of ToTensor then each Normalize, in torch's float32 steps. */
function lookupTables(normalize: ReadonlyArray<{ mean: number[]; std: number[] }>, channels: number): Float32Array[] {
  const key = `${channels}:${JSON.stringify(normalize)}`;
  let luts = lutCache.get(key);
  if (luts) return luts;
  luts = [];
  for (let ch = 0; ch < channels; ch++) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.fround(v / 255);
    for (const { mean, std } of normalize) {
      if (mean.length !== 1 && mean.length !== channels) {
        throw new TransformError(`Normalize has ${mean.length} means/stds but the image has ${channels} channel(s)`);
      }
      const m = Math.fround(mean.length === 1 ? mean[0]! : mean[ch]!);
      const s = Math.fround(std.length === 1 ? std[0]! : std[ch]!);
      for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(lut[v]! - m) / s);
    }
    luts.push(lut);
  }
  if (lutCache.size > 64) lutCache.clear();
  lutCache.set(key, luts);
  return luts;
}

/** 8-bit pixels (1 or 3 channels) -> float32 with `channels` channels. */
export function toFloat(img: RawImage, channels: number, normalize: ReadonlyArray<{ mean: number[]; std: number[] }>): FloatImage {
  const luts = lookupTables(normalize, channels);
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const d = img.data;
  if (img.channels === channels) {
    if (channels === 3) {
      const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array];
      for (let i = 0; i < n * 3; i += 3) {
        out[i] = l0[d[i]!]!;
        out[i + 1] = l1[d[i + 1]!]!;
        out[i + 2] = l2[d[i + 2]!]!;
      }
    } else {
      for (let i = 0; i < n * channels; i++) out[i] = luts[i % channels]![d[i]!]!;
    }
  } else if (img.channels === 1 && channels === 3) {
    const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array];
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = d[i]!;
      out[o] = l0[v]!;
      out[o + 1] = l1[v]!;
      out[o + 2] = l2[v]!;
    }
  } else {
    return toFloat(toGray(img), channels, normalize);
  }
  return floatImage(out, img.width, img.height, channels);
}

function normalizeFloat(img: FloatImage, normalize: ReadonlyArray<{ mean: number[]; std: number[] }>): FloatImage {
  if (normalize.length === 0) return img;
  const c = img.channels;
  const out = new Float32Array(img.data.length);
  out.set(img.data);
  for (const { mean, std } of normalize) {
    if (mean.length !== 1 && mean.length !== c) throw new TransformError(`Normalize has ${mean.length} means/stds but the image has ${c} channel(s)`);
    for (let i = 0; i < out.length; i++) {
      const ch = mean.length === 1 ? 0 : i % c;
      out[i] = Math.fround(Math.fround(out[i]! - Math.fround(mean[ch]!)) / Math.fround(std[ch]!));
    }
  }
  return floatImage(out, img.width, img.height, c);
}

function withChannels(img: RawImage, channels: 1 | 3): RawImage {
  return channels === 3 ? toRgb(img) : toGray(img);
}

function finish(img: RawImage, p: Plan, channels: 1 | 3): Image {
  return p.float ? toFloat(img, channels, p.float.normalize) : withChannels(img, channels);
}

// ---------------------------------------------------------------------------------------------
// A whole sample.

/** Runs `steps` on an encoded image (PNG, JPEG, or anything sharp reads). */
export async function runPipeline(bytes: Uint8Array, steps: readonly TransformStep[], rng: Rng, options: PipelineOptions): Promise<Image> {
  const header = readHeader(bytes);
  let i = 0;
  const specs: TransformSpec[] = [];
  while (i < steps.length && steps[i] instanceof Transform) specs.push((steps[i++] as Transform).spec);
  let image: Image;
  if (header) {
    const p = plan(specs, header.width, header.height, rng);
    image = finish(await executeEncoded(bytes, header, p.ops, options), p, options.channels);
  } else {
    // Unusual formats: decode fully with sharp first, then plan on the decoded size.
    const raw = await decode(bytes, null, options.channels);
    const p = plan(specs, raw.width, raw.height, rng);
    image = finish(executeOps(raw, p.ops, true), p, options.channels);
  }
  return continueSteps(image, steps.slice(i), rng, options);
}

/** Runs the remaining steps (a custom function, then built-ins, ...) on a decoded image. */
export async function continueSteps(image: Image, steps: readonly TransformStep[], rng: Rng, options: PipelineOptions): Promise<Image> {
  let i = 0;
  while (i < steps.length) {
    const step = steps[i]!;
    if (!(step instanceof Transform)) {
      try {
        image = await step(image, rng);
      } catch (err) {
        throw new TransformError(`custom transform ${step.name || "(anonymous)"} failed: ${reasonOf(err)}`, { cause: err });
      }
      if (!image || (image.kind !== "raw" && image.kind !== "float")) {
        throw new TransformError(`custom transform ${step.name || "(anonymous)"} must return an image ({ kind: "raw" | "float", data, width, height, channels })`);
      }
      i++;
      continue;
    }
    const specs: TransformSpec[] = [];
    while (i < steps.length && steps[i] instanceof Transform) specs.push((steps[i++] as Transform).spec);
    const p = plan(specs, image.width, image.height, rng, image.kind === "float");
    if (image.kind === "float") image = normalizeFloat(image, p.float!.normalize);
    else image = finish(executeOps(image, p.ops, false), p, options.channels);
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Batches: what a worker thread (or the main thread) computes for the loader.

export interface BatchItem {
  path: string;
  label: number;
  /** Index in the dataset (keys the sample's generator). */
  index: number;
}

export interface BatchJob {
  items: BatchItem[];
  seed: number;
  epoch: number;
}

export interface SkippedImage {
  path: string;
  index: number;
  reason: string;
}

export interface BatchResult {
  /** N x H x W x C float32, row-major (its buffer is transferred from a worker, not copied). */
  data: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  indices: Int32Array;
  skipped: SkippedImage[];
}

export interface BatchContext extends PipelineOptions {
  steps: readonly TransformStep[];
  onError: "skip" | "fail";
  /** Reads a file (sync in workers, async on the main thread). */
  read?: (path: string) => Uint8Array | Promise<Uint8Array>;
  /** Samples processed at once (overlaps sharp's thread pool with JavaScript). */
  parallel?: number;
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!;
}

/** Loads one sample to a float image; a read/decode failure becomes an ImageReadError. */
export async function loadSample(item: BatchItem, job: { seed: number; epoch: number }, ctx: BatchContext): Promise<Image> {
  let bytes: Uint8Array;
  try {
    bytes = await (ctx.read ?? readFile)(item.path);
  } catch (err) {
    throw new ImageReadError(item.path, reasonOf(err));
  }
  const rng = sampleRng(job.seed, job.epoch, item.index);
  try {
    return await runPipeline(bytes, ctx.steps, rng, ctx);
  } catch (err) {
    // Errors of the transforms themselves (bad arguments) are not the image's fault.
    if (err instanceof ImageReadError || err instanceof TransformError) throw err;
    throw new ImageReadError(item.path, reasonOf(err));
  }
}

/** Loads a batch: every sample, stacked NHWC; unreadable images skipped or thrown, by `onError`. */
export async function loadBatch(job: BatchJob, ctx: BatchContext): Promise<BatchResult> {
  const n = job.items.length;
  const images: Array<FloatImage | null> = new Array(n).fill(null);
  const skipped: SkippedImage[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const k = next++;
      const item = job.items[k]!;
      try {
        const img = await loadSample(item, job, ctx);
        images[k] = img.kind === "float" ? img : toFloat(img, img.channels, []);
      } catch (err) {
        if (err instanceof ImageReadError && ctx.onError === "skip") skipped.push({ path: item.path, index: item.index, reason: err.reason });
        else throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ctx.parallel ?? 1, n)) }, worker));
  const kept = images.filter((x): x is FloatImage => x !== null);
  const labels = new Int32Array(kept.length);
  const indices = new Int32Array(kept.length);
  const first = kept[0];
  const [h, w, c] = first ? [first.height, first.width, first.channels] : [0, 0, 0];
  const size = h * w * c;
  const data = new Float32Array(kept.length * size);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const img = images[i];
    if (!img) continue;
    if (img.height !== h || img.width !== w || img.channels !== c) {
      throw new Error(
        `images in a batch differ in size (${h}x${w}x${c} and ${img.height}x${img.width}x${img.channels}, ${job.items[i]!.path}): ` +
          "end the transform with a fixed-size step (RandomResizedCrop, CenterCrop, or Resize([h, w]))",
      );
    }
    data.set(img.data, k * size);
    labels[k] = job.items[i]!.label;
    indices[k] = job.items[i]!.index;
    k++;
  }
  skipped.sort((a, b) => a.index - b.index);
  return { data, shape: [kept.length, h, w, c], labels, indices, skipped };
}
