// The quantize kernel's name and attributes. A format travels as its four defining numbers, so the
// kernels need no registry and custom formats work like named ones.
import type { FormatSpec, Rule } from "../limits.js";
import type { Rounding } from "../round.js";

/** The tfjs kernel name, registered per backend like tfjs-core's own kernels. */
export const QUANTIZE_KERNEL = "TsampQuantize";

export interface QuantizeAttrs {
  exponentBits: number;
  mantissaBits: number;
  bias: number;
  rule: Rule;
  rounding: Rounding;
  saturate: boolean;
  /** Seed of the counter-based draws (stochastic rounding only; 0 otherwise). */
  seed: number;
}

export function specOf(attrs: QuantizeAttrs): FormatSpec {
  const { exponentBits, mantissaBits, bias, rule } = attrs;
  return { exponentBits, mantissaBits, bias, rule };
}
