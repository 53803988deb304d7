// Writing a new value into a weight under a policy's params format (DESIGN.md section 4). Under a
// mixed policy the weights are float32 masters and take the update as computed. Under a pure
// low-precision policy the stored weight is in the params format, so w + delta is rounded to it:
// an update smaller than half the format's spacing at w rounds back to w and is lost. That is
// stagnation (Micikevicius et al. 2018, section 3.1), the reason master weights exist.
import { formats, quantize, type Format, type QuantizeOptions } from "../../formats/index.js";
import * as tf from "../../tf.js";
import { policyFormat, type FormatLike } from "../policy-grammar.js";

const FLOAT32 = formats.get("float32");

/** True when values of `f` are float32 values unchanged (rounding to it is the identity). */
export function isFloat32(f: Format): boolean {
  return f.sameAs(FLOAT32);
}

/**
 * Assigns `next` (a float32 tensor) to `weight`, rounded to `format`. Disposes nothing of the
 * caller's; the variable keeps the rounded value.
 */
export function commit(weight: tf.Variable, next: tf.Tensor, format: Format, opts: QuantizeOptions = {}): void {
  if (isFloat32(format)) {
    weight.assign(next);
    return;
  }
  const rounded = quantize(next, format, opts);
  try {
    weight.assign(rounded);
  } finally {
    rounded.dispose();
  }
}

/**
 * w_new = quantize(w + delta, paramsFormat): the update of a weight stored in paramsFormat. With
 * float32 it is a plain add (a float32 master). Options pass to quantize (e.g. stochastic rounding,
 * the usual cure for stagnation). Returns the weight.
 */
export function applyUpdate(
  weight: tf.Variable,
  delta: tf.Tensor | number,
  paramsFormat: FormatLike = "float32",
  opts: QuantizeOptions = {},
): tf.Variable {
  if (!(weight instanceof tf.Variable)) throw new TypeError("applyUpdate: the weight must be a tf.Variable (it is updated in place)");
  if (weight.dtype !== "float32") throw new TypeError(`applyUpdate: the weight must be float32 (formats are emulated in float32), got ${weight.dtype}`);
  const f = policyFormat(paramsFormat, "applyUpdate: paramsFormat");
  if (delta instanceof tf.Tensor && !tf.util.arraysEqual(delta.shape, weight.shape) && delta.size !== 1) {
    throw new Error(`applyUpdate: delta has shape [${delta.shape}], the weight [${weight.shape}]`);
  }
  tf.tidy(() => {
    const d = typeof delta === "number" ? tf.scalar(delta, "float32") : delta.dtype === "float32" ? delta : tf.cast(delta, "float32");
    commit(weight, tf.add(weight, d), f, opts);
  });
  return weight;
}
