// quantize() built from ordinary tf ops, for backends without a TsampQuantize kernel (webgl,
// webgpu, tensorflow). A second, independent implementation of the contract: shared/vectors checks
// it too. It relies only on exact float32 operations: multiplying and dividing by powers of two,
// floor, comparisons and select, so it needs IEEE float32 with subnormals to be bit exact.
import * as tf from "../tf.js";
import { float32FromBits } from "./bits.js";
import { limitsOf, type FormatSpec } from "./limits.js";
import { draw32, seedKeys } from "./random.js";
import { pow2Of, floorLog2 } from "./exponent-ops.js";
import type { Rounding } from "./round.js";

export interface CompositeOptions {
  rounding: Rounding;
  saturate: boolean;
  seed: number;
}

/**
 * Uniform draws for stochastic rounding: the same counter-based draws as the kernels, cut to 24
 * bits so they are exact in float32. For values whose distance to the grid point is a multiple of
 * 2^-24 spacings (everything but far below the smallest subnormal) the decision equals the kernels'.
 */
function uniformDraws(shape: number[], seed: number): tf.Tensor {
  const n = tf.util.sizeFromShape(shape);
  const [k0, k1] = seedKeys(seed);
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) u[i] = (draw32(k0, k1, i) >>> 8) / 16777216;
  return tf.tensor(u, shape, "float32");
}

export function quantizeComposite(x: tf.Tensor, spec: FormatSpec, opts: CompositeOptions): tf.Tensor {
  return tf.tidy(() => {
    const lim = limitsOf(spec);
    const M = spec.mantissaBits;
    const max = float32FromBits(lim.maxBits);
    const isNan = tf.isNaN(x);
    const isInf = tf.isInf(x);
    const finite = tf.logicalNot(tf.logicalOr(isNan, isInf));
    const ax = tf.where(finite, tf.abs(x), tf.scalar(0));

    // Grid spacing 2^(max(e, emin) - M), then |x| in units of it: both steps exact.
    const e = floorLog2(ax, lim.emin, 127);
    const spacing = pow2Of(tf.sub(e, M));
    const t = tf.div(ax, spacing);
    const below = tf.floor(t);
    const frac = tf.sub(t, below);

    let units = below;
    if (opts.rounding === "nearest-even") {
      // Ties to even by hand rather than tf.round, whose tie rule is not the same on every backend.
      const odd = tf.sub(below, tf.mul(tf.floor(tf.div(below, 2)), 2));
      const up = tf.logicalOr(tf.greater(frac, 0.5), tf.logicalAnd(tf.equal(frac, 0.5), tf.equal(odd, 1)));
      units = tf.add(below, tf.cast(up, "float32"));
    } else if (opts.rounding === "stochastic") {
      const up = tf.less(uniformDraws(x.shape, opts.seed), frac);
      units = tf.add(below, tf.cast(up, "float32"));
    }
    let y = tf.mul(units, spacing);

    // Past max: overflow table, saturation, or (toward-zero) the max itself.
    const overflowValue = opts.saturate || spec.rule === "fin" ? max : spec.rule === "ieee" ? Infinity : NaN;
    if (opts.rounding === "toward-zero") y = tf.minimum(y, max);
    else y = tf.where(tf.greater(y, max), tf.scalar(overflowValue), y);

    // Sign, including -0 (1/-0 = -inf is how to see it without bit access).
    const negative = tf.logicalOr(tf.less(x, 0), tf.less(tf.div(1, x), 0));
    y = tf.where(negative, tf.neg(y), y);
    if (spec.rule === "fnuz") y = tf.where(tf.equal(y, 0), tf.scalar(0), y);

    const infValue = opts.saturate || spec.rule === "fin" ? max : spec.rule === "ieee" ? Infinity : NaN;
    y = tf.where(isInf, tf.mul(tf.sign(x), infValue), y);
    return tf.where(isNan, tf.scalar(NaN), y);
  });
}
