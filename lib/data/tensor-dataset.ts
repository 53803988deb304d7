// An in-memory dataset: all samples in one tensor x [N, ...] and labels y [N] (int32) or [N, C]
// (one-hot). The loader slices it on the main thread; no workers, no copies through JavaScript.
import * as tf from "../tf.js";
import { checkIndex, type Dataset, type Sample } from "./dataset.js";
import { floatImage, type FloatImage } from "./image.js";

/** The plain shape the loader also accepts: `{ x, y }`. */
export interface TensorPair {
  x: tf.Tensor;
  y: tf.Tensor;
  classes?: readonly string[];
}

export class TensorDataset implements Dataset<FloatImage> {
  readonly classes: readonly string[];

  constructor(
    readonly x: tf.Tensor,
    readonly y: tf.Tensor,
    classes?: readonly string[],
  ) {
    if (x.rank < 1 || y.rank < 1 || x.shape[0] !== y.shape[0]) {
      throw new Error(`x and y must hold the same number of samples (x ${JSON.stringify(x.shape)}, y ${JSON.stringify(y.shape)})`);
    }
    if (y.rank > 2) throw new Error(`y must be labels [N] or one-hot [N, C], got shape ${JSON.stringify(y.shape)}`);
    this.classes = classes ?? defaultClasses(y);
  }

  get length(): number {
    return this.x.shape[0]!;
  }

  /** One sample as host data: x[i] as a FloatImage (HWC; a rank-1 sample has width = its length). */
  async get(index: number): Promise<Sample<FloatImage>> {
    checkIndex(index, this.length);
    const [xi, yi] = tf.tidy(() => [this.x.slice(index, 1).asType("float32"), this.y.slice(index, 1)]);
    const [data, label] = await Promise.all([xi!.data() as Promise<Float32Array>, yi!.data()]);
    xi!.dispose();
    yi!.dispose();
    const shape = this.x.shape.slice(1);
    const [h, w, c] = shape.length >= 3 ? shape : shape.length === 2 ? [shape[0]!, shape[1]!, 1] : [1, shape[0] ?? 1, 1];
    const y = this.y.rank === 2 ? argmax(label) : label[0]!;
    return { image: floatImage(data, w!, h!, c!), label: y };
  }

  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }

  toString(): string {
    return `TensorDataset(${this.length} samples, x ${JSON.stringify(this.x.shape)} ${this.x.dtype}, y ${JSON.stringify(this.y.shape)} ${this.y.dtype}, ${this.classes.length} classes)`;
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function defaultClasses(y: tf.Tensor): string[] {
  let n: number;
  if (y.rank === 2) n = y.shape[1]!;
  else {
    const values = y.dataSync();
    n = 0;
    for (let i = 0; i < values.length; i++) n = Math.max(n, values[i]! + 1);
  }
  return Array.from({ length: n }, (_, i) => String(i));
}

export function isTensorPair(value: unknown): value is TensorPair {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as TensorPair).x instanceof tf.Tensor &&
    (value as TensorPair).y instanceof tf.Tensor
  );
}
