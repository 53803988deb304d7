// What the wasm kernel tests share: seeded random data, running one kernel by name on a backend,
// comparing outputs to float32 accuracy (or bit for bit), and counting live tensors and buffers.
import { expect } from "vitest";
import * as tf from "../../lib/tf.js";
import { rng } from "../../lib/amp/trainer-data.js";

/** mulberry32, the trainer's shuffling generator: a seeded stream, so every failure reproduces. */
export { rng };

/** A tensor's contents without a tensor: what a kernel is given and what it returns. */
export interface Arr {
  shape: number[];
  data: Float32Array | Int32Array;
  dtype: "float32" | "int32";
}

/** Standard normal values (Box-Muller), plus `shift`. */
export function normal(rand: () => number, shape: number[], shift = 0): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) + shift;
  return { shape, data, dtype: "float32" };
}

/** Every (transposeA, transposeB) pair of a matrix product. */
export const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

export const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Runs one kernel on `backend` with fresh inputs and returns its output's shape and values. */
export async function kernel(backend: "wasm" | "cpu", name: string, inputs: Record<string, Arr>, attrs: object): Promise<Arr> {
  await tf.setBackend(backend);
  const ins: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.data, v.shape, v.dtype);
  const out = tf.engine().runKernel(name, ins, attrs as tf.NamedAttrMap) as tf.Tensor;
  const r: Arr = { shape: out.shape, data: out.dataSync() as Float32Array, dtype: out.dtype as "float32" };
  tf.dispose([out, ...Object.values(ins)]);
  return r;
}

/** Agreement to float32 accuracy relative to the largest expected magnitude (rtol 0: bit for bit). */
export function expectClose(actual: Arr, expected: Arr, what: string, rtol = 2e-5): void {
  expect(actual.shape, what).toEqual(expected.shape);
  if (rtol === 0) {
    const a = new Uint32Array(new Float32Array(actual.data).buffer);
    const e = new Uint32Array(new Float32Array(expected.data).buffer);
    let at = -1;
    for (let i = 0; i < e.length; i++) if (a[i] !== e[i] && !(Number.isNaN(actual.data[i]) && Number.isNaN(expected.data[i]))) at = at < 0 ? i : at;
    expect(at, `${what}: first differing element ${at} (expected ${expected.data[at]}, got ${actual.data[at]})`).toBe(-1);
    return;
  }
  let scale = 0;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst <= rtol * scale + 1e-6, `${what}: |diff| ${worst} at ${at} (expected ${expected.data[at]}, got ${actual.data[at]}), scale ${scale}`).toBe(true);
}

/** Counts of live tensors (engine) and live buffers (wasm heap), which kernels must not grow. */
export function live(): [number, number] {
  return [tf.memory().numTensors, (tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds()];
}
