// Synthetic classification data: each class has a random prototype; a sample is its class's
// prototype blended with uniform noise, so a model can learn it, and nothing is read from disk.
import * as tf from "../tf.js";
import { Rng } from "./rng.js";
import { TensorDataset } from "./tensor-dataset.js";

export interface SyntheticOptions {
  /** Shape of one sample, e.g. [32, 32, 3]. */
  shape: readonly number[];
  classes: number;
  n: number;
  seed?: number;
  /** Weight of the noise in [0, 1]: 0 = every sample is its prototype. Default 0.5. */
  noise?: number;
}

export function synthetic(options: SyntheticOptions): TensorDataset {
  const { shape, classes, n } = options;
  const seed = options.seed ?? 0;
  const noise = options.noise ?? 0.5;
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`shape must be positive integers, got ${JSON.stringify(shape)}`);
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer, got ${classes}`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, got ${n}`);
  const size = shape.reduce((a, b) => a * b, 1);
  const rng = Rng.of(0x53594e54, seed); // "SYNT"
  const prototypes = new Float32Array(classes * size);
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = rng.random();
  // Balanced labels (i mod classes) in a seeded random order.
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % classes;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = labels[i]!;
    labels[i] = labels[j]!;
    labels[j] = t;
  }
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const p = labels[i]! * size;
    for (let k = 0; k < size; k++) x[i * size + k] = (1 - noise) * prototypes[p + k]! + noise * rng.random();
  }
  return new TensorDataset(
    tf.tensor(x, [n, ...shape], "float32"),
    tf.tensor1d(labels, "int32"),
    Array.from({ length: classes }, (_, i) => `class_${i}`),
  );
}
