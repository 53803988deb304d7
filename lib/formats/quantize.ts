// quantize(x, format): the float32 value a real cast float32 -> format -> float32 gives, elementwise
// (DESIGN.md section 3), as a tfjs op. It runs the TsampQuantize kernel where the active backend has
// one (cpu, wasm) and the composite of tf ops elsewhere; both have a straight-through gradient.
import * as tf from "../tf.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "./kernels/attrs.js";
import { hasQuantizeKernel, registerQuantizeKernels } from "./kernels/register.js";
import { quantizeComposite } from "./quantize-composite.js";
import { randomSeed } from "./random.js";
import { modeOf, type Rounding } from "./round.js";
import type { Format } from "./spec.js";
import { get } from "./registry.js";

registerQuantizeKernels();

export interface QuantizeOptions {
  /** "nearest-even" (default), "toward-zero" or "stochastic". */
  rounding?: Rounding;
  /** Past max, give ±max instead of the format's overflow (inf or NaN); OCP's saturating cast. */
  saturate?: boolean;
  /**
   * Seed for stochastic rounding. The draw for element i depends only on (seed, i), so a seed makes
   * the result reproducible on every backend; without one each call draws a fresh seed. Reusing one
   * seed for many tensors correlates their rounding: vary it (e.g. seed + step) in a training loop.
   */
  seed?: number;
  /** Force the tf-op fallback even where a kernel exists (for tests and comparisons). */
  composite?: boolean;
}

export function quantize(x: tf.Tensor | tf.TensorLike, format: Format | string, opts: QuantizeOptions = {}): tf.Tensor {
  const fmt = get(format);
  const rounding = opts.rounding ?? "nearest-even";
  modeOf(rounding); // throws on an unknown rounding, with the list of known ones
  const seed = rounding === "stochastic" ? (opts.seed ?? randomSeed()) : 0;
  const attrs: QuantizeAttrs = {
    exponentBits: fmt.exponentBits,
    mantissaBits: fmt.mantissaBits,
    bias: fmt.bias,
    rule: fmt.rule,
    rounding,
    saturate: opts.saturate ?? false,
    seed,
  };
  const input = x instanceof tf.Tensor ? x : tf.tensor(x);
  // Formats are float formats: integer tensors are cast first, as a real cast would.
  const xf = input.dtype === "float32" ? input : tf.cast(input, "float32");
  try {
    if (!opts.composite && hasQuantizeKernel(tf.getBackend())) {
      // Through the engine, so the gradient registered for the kernel is recorded on the tape.
      return tf.engine().runKernel(QUANTIZE_KERNEL, { x: xf }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    }
    return straightThrough((t) => quantizeComposite(t, fmt, attrs))(xf);
  } finally {
    if (xf !== input) xf.dispose();
    if (input !== x) input.dispose();
  }
}

/** Wraps a rounding function so its gradient is the identity (the composite's own ops have none). */
function straightThrough(f: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];
  const withGradient = (x: tf.Tensor) => ({
    value: f(x),
    gradFunc: (dy: tf.Tensor) => tf.cast(dy, "float32"),
  });
  // customGrad's type lets the last argument be its save function; ours takes only the tensor.
  return tf.customGrad(withGradient as unknown as CustomGradientFunc);
}
