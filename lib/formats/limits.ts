// What a float format is (E, M, bias, rule) and the limits that follow from it, as exact float32
// bit patterns. Kept apart from the Format class so that the rounding core and the kernels can
// work from four plain numbers (which is also what travels as kernel attributes).
import { pow2Bits } from "./bits.js";

/**
 * How a format spends its top encodings (DESIGN.md section 3; ml_dtypes' conventions):
 * - ieee: the all-ones exponent holds inf and NaN.
 * - fn:   no infinities; only all-ones exponent and mantissa is NaN.
 * - fnuz: no infinities, no negative zero; NaN is the negative-zero pattern (0x80 for 8 bits).
 * - fin:  no infinities and no NaN (the OCP MX fp6/fp4 element types).
 */
export type Rule = "ieee" | "fn" | "fnuz" | "fin";
export const RULES: readonly Rule[] = ["ieee", "fn", "fnuz", "fin"];

export interface FormatSpec {
  readonly exponentBits: number;
  readonly mantissaBits: number;
  readonly bias: number;
  readonly rule: Rule;
}

export interface FormatLimits {
  /** Smallest normal exponent, 1 - bias. */
  readonly emin: number;
  /** Exponent of the largest finite value. */
  readonly emax: number;
  /** Exponent of the grid spacing below 2^emin (the smallest subnormal), emin - M. */
  readonly qmin: number;
  /** Float32 bits of the largest finite value. */
  readonly maxBits: number;
  readonly minNormalBits: number;
  readonly minSubnormalBits: number;
  /** Largest exponent field that holds finite values, and its largest mantissa field. */
  readonly topExponentField: number;
  readonly topMantissaField: number;
}

/** The bias ml_dtypes uses when none is given: 2^(E-1) - 1, and one more for fnuz. */
export function defaultBias(exponentBits: number, rule: Rule): number {
  const b = 2 ** (exponentBits - 1) - 1;
  return rule === "fnuz" ? b + 1 : b;
}

/**
 * Throws a RangeError saying what is wrong when a spec cannot be emulated. Values are carried in
 * float32 tensors, so every value of the format must be a float32: at most 8 exponent bits and 23
 * mantissa bits, normals no smaller than float32's (bias <= 127) and nothing above float32's max.
 */
export function validateSpec(spec: FormatSpec): void {
  const { exponentBits: E, mantissaBits: M, bias, rule } = spec;
  const where = `format e${E}m${M} (bias ${bias}, rule ${rule})`;
  if (!RULES.includes(rule)) {
    throw new RangeError(`${where}: rule must be one of ${RULES.join(", ")}`);
  }
  if (!Number.isInteger(E) || E < 1 || E > 8) {
    throw new RangeError(`${where}: exponentBits must be an integer in 1..8 (values live in float32)`);
  }
  if ((rule === "ieee" || rule === "fn") && E < 2) {
    throw new RangeError(`${where}: rule ${rule} reserves the top exponent, so it needs exponentBits >= 2`);
  }
  if (!Number.isInteger(M) || M < 0 || M > 23) {
    throw new RangeError(`${where}: mantissaBits must be an integer in 0..23 (values live in float32)`);
  }
  if (!Number.isInteger(bias)) throw new RangeError(`${where}: bias must be an integer`);
  const emin = 1 - bias;
  if (emin < -126) {
    throw new RangeError(`${where}: bias ${bias} puts normals below float32's (bias must be <= 127)`);
  }
  const { emax, qmin } = shape(spec);
  if (emax > 127) {
    throw new RangeError(`${where}: largest value 2^${emax}·(…) exceeds float32's range; raise the bias`);
  }
  if (qmin < -149) {
    throw new RangeError(`${where}: smallest subnormal 2^${qmin} is below float32's 2^-149`);
  }
}

function shape(spec: FormatSpec): { topE: number; topM: number; emax: number; qmin: number } {
  const { exponentBits: E, mantissaBits: M, bias, rule } = spec;
  const allOnesE = 2 ** E - 1;
  const allOnesM = 2 ** M - 1;
  let topE: number;
  let topM: number;
  if (rule === "ieee") {
    topE = allOnesE - 1;
    topM = allOnesM;
  } else if (rule === "fn") {
    // Only all-ones exponent *and* mantissa is NaN; with no mantissa bits that is the whole binade.
    topE = M > 0 ? allOnesE : allOnesE - 1;
    topM = M > 0 ? allOnesM - 1 : 0;
  } else {
    topE = allOnesE;
    topM = allOnesM;
  }
  return { topE, topM, emax: topE - bias, qmin: 1 - bias - M };
}

export function limitsOf(spec: FormatSpec): FormatLimits {
  validateSpec(spec);
  const { topE, topM, emax, qmin } = shape(spec);
  const M = spec.mantissaBits;
  const emin = 1 - spec.bias;
  // The top exponent field is normal for every valid spec (E >= 2 for ieee/fn; E = 1 leaves field
  // 1 normal for fnuz/fin), so the largest value is 1.topM x 2^emax.
  const maxBits = (pow2Bits(emax) | (topM << (23 - M))) >>> 0;
  return {
    emin,
    emax,
    qmin,
    maxBits,
    minNormalBits: pow2Bits(emin),
    minSubnormalBits: pow2Bits(qmin),
    topExponentField: topE,
    topMantissaField: topM,
  };
}
