// Exact binary exponents with ordinary tf ops, for code that must run on any backend (the composite
// quantize fallback, MX scales). No bitcast is available in tfjs, so: estimate floor(log2|x|) with
// log, then correct it against exact powers of two, which come from a lookup table (gather), never
// from pow/exp2 whose accuracy differs between backends.
import * as tf from "../tf.js";
import { pow2 } from "./bits.js";

const MIN_EXP = -149;
const MAX_EXP = 127;

// 2^k for k = -149..127, every entry exact (built from float32 bit patterns).
const POW2_VALUES = Float32Array.from({ length: MAX_EXP - MIN_EXP + 1 }, (_, i) => pow2(i + MIN_EXP));

/**
 * 2^e for an integer-valued float32 tensor e in [-149, 127]. The small table is made per call, on
 * the current backend and inside the caller's tidy, so no cached tensor can outlive a backend switch.
 */
export function pow2Of(e: tf.Tensor): tf.Tensor {
  const table = tf.tensor1d(POW2_VALUES, "float32");
  return tf.gather(table, tf.cast(tf.sub(e, MIN_EXP), "int32"));
}

/**
 * floor(log2(ax)) clamped to [lo, hi], for ax finite and >= 0 (0 gives lo). Integer-valued float32.
 * The log estimate is off by at most one near powers of two, and one correction each way fixes it.
 */
export function floorLog2(ax: tf.Tensor, lo: number, hi: number): tf.Tensor {
  const estimate = tf.clipByValue(tf.floor(tf.mul(tf.log(ax), 1 / Math.LN2)), lo, hi);
  const p = pow2Of(estimate);
  const tooHigh = tf.cast(tf.less(ax, p), "float32");
  const tooLow = tf.cast(tf.greaterEqual(ax, tf.mul(p, 2)), "float32");
  return tf.clipByValue(tf.add(tf.sub(estimate, tooHigh), tooLow), lo, hi);
}
