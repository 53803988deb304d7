// torchvision-style transforms as small serializable values. A built-in transform is a spec (its
// name and arguments) that worker threads rebuild; running a pipeline first turns the specs into a
// geometric plan from the image's size and the sample's generator (crop/resize/flip rectangles,
// drawn exactly as torchvision draws them), then executes the whole plan at once on the decoded
// pixels (pipeline.ts), then converts to float with ToTensor and Normalize folded into one lookup.
// A plain function is accepted too (a custom transform); it runs on the main thread only.
import type { Image } from "./image.js";
import type { Rect } from "./resample.js";
import type { Rng } from "./rng.js";

/** ImageNet's channel statistics, torchvision's usual Normalize arguments. */
export const IMAGENET_MEAN = Object.freeze([0.485, 0.456, 0.406]);
export const IMAGENET_STD = Object.freeze([0.229, 0.224, 0.225]);

/** A transform used wrongly (not the image's fault): never skipped by onError: "skip". */
export class TransformError extends Error {
  override name = "TransformError";
}

export type TransformSpec =
  | { kind: "RandomResizedCrop"; size: [number, number]; scale: [number, number]; ratio: [number, number] }
  | { kind: "RandomHorizontalFlip"; p: number }
  | { kind: "Resize"; size: number | [number, number]; maxSize?: number }
  | { kind: "CenterCrop"; size: [number, number] }
  | { kind: "ToTensor" }
  | { kind: "Normalize"; mean: number[]; std: number[] };

/** A user function: gets the image (8-bit before ToTensor, float after) and the sample's generator. */
export type CustomTransform = (image: Image, rng: Rng) => Image | Promise<Image>;

export class Transform {
  constructor(readonly spec: TransformSpec) {
    Object.freeze(this);
  }

  toString(): string {
    const s = this.spec;
    const tuple = (v: readonly number[]) => `(${v.map(num).join(", ")})`;
    switch (s.kind) {
      case "RandomResizedCrop":
        return `RandomResizedCrop(size=${tuple(s.size)}, scale=${tuple(s.scale)}, ratio=${tuple(s.ratio)}, interpolation=bilinear)`;
      case "RandomHorizontalFlip":
        return `RandomHorizontalFlip(p=${num(s.p)})`;
      case "Resize":
        return `Resize(size=${typeof s.size === "number" ? s.size : tuple(s.size)}, interpolation=bilinear${s.maxSize ? `, max_size=${s.maxSize}` : ""})`;
      case "CenterCrop":
        return `CenterCrop(size=${tuple(s.size)})`;
      case "ToTensor":
        return "ToTensor()";
      case "Normalize":
        return `Normalize(mean=${tuple(s.mean)}, std=${tuple(s.std)})`;
    }
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

export type TransformStep = Transform | CustomTransform;

/** Transforms applied in order, like torchvision.transforms.Compose. */
export class Compose {
  readonly transforms: readonly TransformStep[];

  constructor(transforms: readonly TransformLike[]) {
    const flat: TransformStep[] = [];
    for (const t of transforms) {
      if (t instanceof Compose) flat.push(...t.transforms);
      else if (t instanceof Transform || typeof t === "function") flat.push(t);
      else throw new TypeError(`not a transform: ${String(t)} (use data.transforms.* or a function (image, rng) => image)`);
    }
    this.transforms = Object.freeze(flat);
    Object.freeze(this);
  }

  /** True when every step is a built-in (so worker threads can run the pipeline). */
  get serializable(): boolean {
    return this.transforms.every((t) => t instanceof Transform);
  }

  /** The specs, for worker threads; throws for custom steps. */
  specs(): TransformSpec[] {
    return this.transforms.map((t) => {
      if (!(t instanceof Transform)) throw new Error("a custom (function) transform cannot be sent to a worker thread");
      return t.spec;
    });
  }

  toString(): string {
    if (this.transforms.length === 0) return "Compose()";
    return `Compose(\n${this.transforms.map((t) => `    ${t instanceof Transform ? t.toString() : `Custom(${t.name || "anonymous"})`}`).join("\n")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

export type TransformLike = Transform | Compose | CustomTransform;

/** Normalizes what users pass as `transform` (one transform, a list, or a Compose). */
export function toCompose(t: TransformLike | readonly TransformLike[] | undefined | null): Compose {
  if (t === undefined || t === null) return new Compose([]);
  if (t instanceof Compose) return t;
  if (Array.isArray(t)) return new Compose(t);
  return new Compose([t as TransformLike]);
}

// ---------------------------------------------------------------------------------------------
// Factories (torchvision's names and defaults).

type Size = number | readonly [number, number];

function pair(size: Size, what: string): [number, number] {
  const [h, w] = typeof size === "number" ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h! <= 0 || w! <= 0) {
    throw new RangeError(`${what}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [h!, w!];
}

function range(v: readonly [number, number], what: string, name: string): [number, number] {
  if (v.length !== 2 || !(v[0] <= v[1]) || !(v[0] > 0)) {
    throw new RangeError(`${what}: ${name} must be [min, max] with 0 < min <= max, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (width / height), sampled log-uniformly. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/** A random crop of random area and aspect ratio, resized to `size` (bilinear). */
export function randomResizedCrop(size: Size, options: RandomResizedCropOptions = {}): Transform {
  const what = "RandomResizedCrop";
  return new Transform({
    kind: "RandomResizedCrop",
    size: pair(size, what),
    scale: range(options.scale ?? [0.08, 1], what, "scale"),
    ratio: range(options.ratio ?? [3 / 4, 4 / 3], what, "ratio"),
  });
}

/** Mirrors left-right with probability p. */
export function randomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`RandomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return new Transform({ kind: "RandomHorizontalFlip", p });
}

/**
 * Resizes (bilinear). A number matches the shorter side to it, keeping the aspect ratio;
 * [height, width] resizes to exactly that. `maxSize` caps the longer side (number size only).
 */
export function resize(size: Size, options: { maxSize?: number } = {}): Transform {
  if (typeof size === "number") {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`Resize: size must be a positive integer or [height, width], got ${size}`);
    if (options.maxSize !== undefined && !(Number.isInteger(options.maxSize) && options.maxSize > size)) {
      throw new RangeError(`Resize: maxSize (${options.maxSize}) must be an integer greater than size (${size})`);
    }
    return new Transform(options.maxSize === undefined ? { kind: "Resize", size } : { kind: "Resize", size, maxSize: options.maxSize });
  }
  if (options.maxSize !== undefined) throw new RangeError("Resize: maxSize only applies when size is a single number");
  return new Transform({ kind: "Resize", size: pair(size, "Resize") });
}

/** Crops the center; pads with 0 where the crop is larger than the image (as torchvision does). */
export function centerCrop(size: Size): Transform {
  return new Transform({ kind: "CenterCrop", size: pair(size, "CenterCrop") });
}

/** 8-bit HWC -> float32 in [0, 1], layout HWC (tfjs's NHWC once batched). */
export function toTensor(): Transform {
  return new Transform({ kind: "ToTensor" });
}

export interface NormalizeOptions {
  mean?: readonly number[];
  std?: readonly number[];
}

/** (x - mean) / std per channel; ImageNet's statistics by default. */
export function normalize(options: NormalizeOptions = {}): Transform {
  const mean = [...(options.mean ?? IMAGENET_MEAN)];
  const std = [...(options.std ?? IMAGENET_STD)];
  if (mean.length === 0 || mean.length !== std.length) {
    throw new RangeError(`Normalize: mean and std must have the same, non-zero length (got ${mean.length} and ${std.length})`);
  }
  if (std.some((s) => s === 0 || !Number.isFinite(s))) throw new RangeError(`Normalize: std must be finite and non-zero, got ${JSON.stringify(std)}`);
  return new Transform({ kind: "Normalize", mean, std });
}

export function compose(transforms: readonly TransformLike[]): Compose {
  return new Compose(transforms);
}

// ---------------------------------------------------------------------------------------------
// Planning: specs + image size + generator -> geometric operations and the float conversion.

export type GeoOp = { op: "crop"; rect: Rect } | { op: "resize"; width: number; height: number } | { op: "flip" };

export interface Plan {
  ops: GeoOp[];
  /** Size after the ops. */
  width: number;
  height: number;
  /** Set once ToTensor has run: the normalizations after it, in order. */
  float: null | { normalize: Array<{ mean: number[]; std: number[] }> };
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision.transforms.RandomResizedCrop.get_params: (top, left, height, width). */
export function randomResizedCropParams(
  width: number,
  height: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): Rect {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(0, height - h + 1);
      const left = rng.int(0, width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  // Fallback: a central crop with the aspect ratio clamped into range.
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    w = width;
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    h = height;
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  } else {
    w = width;
    h = height;
  }
  return { top: Math.trunc((height - h) / 2), left: Math.trunc((width - w) / 2), height: h, width: w };
}

/** torchvision's _compute_resized_output_size: [height, width]. */
export function resizedSize(width: number, height: number, size: number | readonly [number, number], maxSize?: number): [number, number] {
  if (typeof size !== "number") return [size[0], size[1]];
  const [short, long] = width <= height ? [width, height] : [height, width];
  let newShort = size;
  let newLong = Math.trunc((size * long) / short);
  if (maxSize !== undefined && newLong > maxSize) {
    newShort = Math.trunc((maxSize * newShort) / newLong);
    newLong = maxSize;
  }
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

/** torchvision.transforms.functional.center_crop's rectangle (may reach outside: padding). */
export function centerCropRect(width: number, height: number, cropHeight: number, cropWidth: number): Rect {
  // torchvision pads first ((crop - size) // 2 on the left/top), then crops at round((size - crop) / 2).
  const padLeft = cropWidth > width ? Math.floor((cropWidth - width) / 2) : 0;
  const padTop = cropHeight > height ? Math.floor((cropHeight - height) / 2) : 0;
  const paddedW = cropWidth > width ? cropWidth : width;
  const paddedH = cropHeight > height ? cropHeight : height;
  const top = Math.trunc(roundHalfEven((paddedH - cropHeight) / 2)) - padTop;
  const left = Math.trunc(roundHalfEven((paddedW - cropWidth) / 2)) - padLeft;
  return { top, left, height: cropHeight, width: cropWidth };
}

/** Plans the built-in transforms for an image of this size, drawing from `rng` in order. */
export function plan(specs: readonly TransformSpec[], width: number, height: number, rng: Rng, floatIn = false): Plan {
  const ops: GeoOp[] = [];
  let float: Plan["float"] = floatIn ? { normalize: [] } : null;
  let w = width;
  let h = height;
  const geometric = (name: string) => {
    if (float) throw new TransformError(`${name} after ToTensor is not supported: put geometric transforms before ToTensor()`);
  };
  for (const s of specs) {
    switch (s.kind) {
      case "RandomResizedCrop": {
        geometric(s.kind);
        const rect = randomResizedCropParams(w, h, s.scale, s.ratio, rng);
        ops.push({ op: "crop", rect }, { op: "resize", width: s.size[1], height: s.size[0] });
        [h, w] = s.size;
        break;
      }
      case "RandomHorizontalFlip":
        geometric(s.kind);
        if (rng.random() < s.p) ops.push({ op: "flip" });
        break;
      case "Resize": {
        geometric(s.kind);
        const [nh, nw] = resizedSize(w, h, s.size, s.maxSize);
        if (nh !== h || nw !== w) ops.push({ op: "resize", width: nw, height: nh });
        [h, w] = [nh, nw];
        break;
      }
      case "CenterCrop": {
        geometric(s.kind);
        const [ch, cw] = s.size;
        if (ch !== h || cw !== w) ops.push({ op: "crop", rect: centerCropRect(w, h, ch, cw) });
        [h, w] = [ch, cw];
        break;
      }
      case "ToTensor":
        if (float) throw new TransformError("ToTensor applied twice: the image is already a float tensor");
        float = { normalize: [] };
        break;
      case "Normalize":
        if (!float) throw new TransformError("Normalize expects a float tensor: put ToTensor() before Normalize()");
        float.normalize.push({ mean: s.mean, std: s.std });
        break;
    }
  }
  return { ops, width: w, height: h, float };
}
