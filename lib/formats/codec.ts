// A format's own bit patterns (the bytes real hardware would store), from and to float32 values.
// encode rounds first (nearest-even, no saturation: a real cast), then packs sign, exponent field and
// mantissa field; decode unpacks. Both work on float32 patterns, so they are exact.
import { INF_BITS, float32Bits, float32FromBits, pow2Bits } from "./bits.js";
import { limitsOf, type FormatSpec } from "./limits.js";
import { Mode, planFor, roundBits } from "./round.js";

export interface Fields {
  sign: number;
  exponent: number;
  mantissa: number;
}

/** Fields of the format's encoding of a float32 pattern that already lies on the format's grid. */
export function fieldsOfGridValue(bits: number, spec: FormatSpec): Fields | null {
  const { exponentBits: E, mantissaBits: M, bias, rule } = spec;
  const sign = bits >>> 31;
  const a = bits & 0x7fffffff;
  if (a > INF_BITS) {
    // NaN: each rule has its own pattern (quiet NaN for ieee, as numpy and PyTorch write it).
    if (rule === "ieee") {
      if (M === 0) return null;
      return { sign: 0, exponent: 2 ** E - 1, mantissa: 1 << (M - 1) };
    }
    if (rule === "fn") return { sign: 0, exponent: 2 ** E - 1, mantissa: 2 ** M - 1 };
    if (rule === "fnuz") return { sign: 1, exponent: 0, mantissa: 0 };
    return null; // fin has no NaN encoding
  }
  if (a === INF_BITS) {
    if (rule !== "ieee") return null;
    return { sign, exponent: 2 ** E - 1, mantissa: 0 };
  }
  if (a === 0) return { sign: rule === "fnuz" ? 0 : sign, exponent: 0, mantissa: 0 };
  const lim = limitsOf(spec);
  const ef = a >>> 23;
  if (a >= lim.minNormalBits) {
    return { sign, exponent: ef - 127 + bias, mantissa: (a & 0x7fffff) >>> (23 - M) };
  }
  // Subnormal in the format: mantissa = |x| / 2^qmin, read off the float32 significand.
  const sig = ef === 0 ? a : (a & 0x7fffff) | 0x800000;
  const ulp = ef === 0 ? -149 : ef - 150;
  // The value is on the grid, so the shift (0..23) drops only zero bits.
  return { sign, exponent: 0, mantissa: sig >>> (lim.qmin - ulp) };
}

/** Packs fields into one integer, sign highest. */
export function packFields(f: Fields, spec: FormatSpec): number {
  const { exponentBits: E, mantissaBits: M } = spec;
  return f.sign * 2 ** (E + M) + f.exponent * 2 ** M + f.mantissa;
}

export function encode(x: number, spec: FormatSpec): number {
  const rounded = roundBits(float32Bits(x), planFor(spec), Mode.NearestEven, 0);
  const fields = fieldsOfGridValue(rounded, spec);
  if (fields === null) {
    const name = `e${spec.exponentBits}m${spec.mantissaBits} (${spec.rule})`;
    throw new RangeError(`${x} rounds to ${float32FromBits(rounded)}, which ${name} cannot encode`);
  }
  return packFields(fields, spec);
}

export function decode(code: number, spec: FormatSpec): number {
  const { exponentBits: E, mantissaBits: M, rule } = spec;
  const width = 1 + E + M;
  if (!Number.isInteger(code) || code < 0 || code >= 2 ** width) {
    throw new RangeError(`bit pattern ${code} does not fit in ${width} bits`);
  }
  const sign = Math.floor(code / 2 ** (E + M));
  const exponent = Math.floor(code / 2 ** M) % 2 ** E;
  const mantissa = code % 2 ** M;
  const lim = limitsOf(spec);
  const negative = sign === 1;
  if (rule === "fnuz" && negative && exponent === 0 && mantissa === 0) return NaN;
  if (rule === "ieee" && exponent === 2 ** E - 1) {
    if (mantissa !== 0) return NaN;
    return negative ? -Infinity : Infinity;
  }
  if (rule === "fn" && exponent === 2 ** E - 1 && mantissa === 2 ** M - 1) return NaN;
  let bits: number;
  if (exponent === 0) {
    // mantissa * 2^qmin: an integer below 2^23 times a power of two, exact in binary64 and in float32.
    bits = float32Bits(mantissa * float32FromBits(pow2Bits(lim.qmin)));
  } else {
    bits = (pow2Bits(exponent - spec.bias) | (mantissa << (23 - M))) >>> 0;
  }
  const value = float32FromBits(bits);
  return negative ? -value : value;
}
