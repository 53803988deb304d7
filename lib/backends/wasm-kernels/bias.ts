// Add and Sum on the wasm backend: tfjs-backend-wasm 4.22's kernels, wrapped for the two shapes a
// bias gives them, where theirs are slow.
// - Add of a tensor and a bias that repeats along it (b's shape a suffix of a's: [N, H, W, C] + [C],
//   [B, M] + [M]): theirs runs a generic broadcasting loop, index arithmetic per element (0.8 ms for
//   LeNet's [64, 28, 28, 6] + [6], 10x a plain add). Ours adds a repeating pattern, four at a time.
// - Sum over leading axes (a bias's gradient: [N, H, W, C] -> [C]): theirs transposes the reduced
//   axes to the end first. Ours sums in place, four lanes at a time, in blocks.
// Both in simd/kernels.wat; everything else, and engines without wasm SIMD, pass through.
import * as tf from "../../tf.js";
import { free, scratch, simdOf } from "./simd.js";

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** The pattern length: a multiple of 4 and of `period`. */
const patternLength = (period: number) => (period * 4) / gcd(period, 4);

/** The size of `small` when it repeats along `big` (its shape, less leading 1s, ends big's), else 0. */
function period(big: readonly number[], small: readonly number[]): number {
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const tail = small.slice(start);
  if (tail.length > big.length) return 0;
  const offset = big.length - tail.length;
  for (let i = 0; i < tail.length; i++) if (tail[i] !== big[offset + i]) return 0;
  return tf.util.sizeFromShape(tail);
}

export function wrappedAdd(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const s = a.dtype === "float32" && b.dtype === "float32" ? simdOf(args.backend) : null;
    if (s === null) return original.kernelFunc(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = tf.util.sizeFromShape(outShape);
    // The full-size operand and the repeating one (addition commutes, bit for bit).
    const [big, small] = tf.util.sizeFromShape(a.shape) === n ? [a, b] : [b, a];
    const P = period(big.shape, small.shape);
    // Same shapes (no broadcast) already take XNNPACK's add; tiny ones are not worth a call.
    if (P === 0 || P === n || n < 64 || tf.util.sizeFromShape(big.shape) !== n) return original.kernelFunc(args);
    const L = patternLength(P);
    const pat = scratch(s, L);
    try {
      const out = s.backend.makeOutput(outShape, "float32");
      const heap = s.backend.typedArrayFromHeap(pat) as Float32Array;
      const bias = s.backend.typedArrayFromHeap(small) as Float32Array;
      for (let i = 0; i < L; i++) heap[i] = bias[i % P]!;
      s.ex.addPeriodic(s.ptr(big), s.ptr(pat), s.ptr(out), n, L);
      return out;
    } finally {
      free(s, pat);
    }
  };
  return { ...original, kernelFunc };
}

export function wrappedSum(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const s = x.dtype === "float32" ? simdOf(args.backend) : null;
    if (s === null) return original.kernelFunc(args);
    const axes = tf.util.parseAxisParam(axis, x.shape).slice().sort((p, q) => p - q);
    const k = axes.length;
    // Leading axes only (0, 1, ..., k-1), and not all of them.
    if (k === 0 || k >= x.shape.length || axes.some((ax, i) => ax !== i)) return original.kernelFunc(args);
    const R = tf.util.sizeFromShape(x.shape.slice(0, k));
    const C = tf.util.sizeFromShape(x.shape.slice(k));
    if (R * C === 0 || R === 1) return original.kernelFunc(args);
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const L = patternLength(C);
    const acc = scratch(s, 2 * L);
    try {
      const out = s.backend.makeOutput(outShape, "float32");
      s.ex.sumLeading(s.ptr(x), s.ptr(out), s.ptr(acc), R, C, L);
      return out;
    } finally {
      free(s, acc);
    }
  };
  return { ...original, kernelFunc };
}
