// What the loader accepts: anything with a length and an async get(i), in-memory tensor datasets
// (sliced on the main thread), and image folders (decoded in worker threads).
import type { Image } from "./image.js";

export interface Sample<I = Image> {
  image: I;
  label: number;
}

/** Which randomness a sample's transforms draw from (see rng.ts). */
export interface SampleOptions {
  seed?: number;
  epoch?: number;
}

export interface Dataset<I = Image> {
  readonly length: number;
  /** Class names, index = label. */
  readonly classes?: readonly string[];
  get(index: number, options?: SampleOptions): Promise<Sample<I>>;
}

export function checkIndex(index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`index ${index} is out of range for a dataset of ${length} samples`);
  }
}
