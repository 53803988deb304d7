// Float32 <-> bit-pattern helpers. The rounding contract is stated on float32 values, and the
// cleanest exact way to reason about a float32 is its 32-bit pattern, so everything numeric in
// lib/formats goes through these views instead of Math.log2 / Math.pow (which are not exact in
// every engine and hide the subnormal boundary).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 bit pattern (as an unsigned 32-bit integer) of `x` after rounding it to float32. */
export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** The float32 value whose bit pattern is `bits` (NaN payloads are not preserved by JS numbers). */
export function float32FromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** The canonical quiet NaN that every tsamp rounding path writes. */
export const NAN_BITS = 0x7fc00000;
export const INF_BITS = 0x7f800000;
export const SIGN_BIT = 0x80000000;

/**
 * Float32 bits of 2^k for k in [-149, 127] (subnormal below -126), built from the exponent field,
 * so it is exact by construction.
 */
export function pow2Bits(k: number): number {
  if (!Number.isInteger(k) || k < -149 || k > 127) {
    throw new RangeError(`2^${k} is not a float32 power of two`);
  }
  return k >= -126 ? ((k + 127) << 23) >>> 0 : (1 << (k + 149)) >>> 0;
}

/** 2^k as a float32-representable number, exact (see pow2Bits). */
export function pow2(k: number): number {
  return float32FromBits(pow2Bits(k));
}

// 2^-k for k in [0, 300], as doubles: used to turn an integer remainder into an exact fraction of
// the grid spacing (stochastic rounding). Built by repeated halving, which is exact in binary64.
export const POW2_NEG: readonly number[] = (() => {
  const table = [1];
  for (let k = 1; k <= 300; k++) table.push(table[k - 1]! / 2);
  return table;
})();

/** Format a float32 bit pattern as 8 lowercase hex digits (the notation of shared/vectors). */
export function hex32(bits: number): string {
  return (bits >>> 0).toString(16).padStart(8, "0");
}
