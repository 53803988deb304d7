// The rounding contract of DESIGN.md section 3, as a scalar reference on float32 bit patterns.
//
// Every path in tsamp that rounds a value to a format (the cpu and wasm kernels, Format.round,
// encode, inspect) calls `roundBits`, so there is one implementation to trust; the composite tf-op
// fallback is a second, independent one, and shared/vectors checks both.
//
// Why bits: a float32 |x| = sig * 2^ulp with a 24-bit significand. The format's grid near |x| has
// spacing 2^(max(e, emin) - M), which is 2^s float32 ulps with
//     s = (23 - M) + max(0, efNorm - max(ef, 1))
// where ef is x's biased float32 exponent field and efNorm = emin + 127 is the field of the format's
// smallest normal. While s <= 23 the s low bits of the pattern are the part below the grid (and for
// float32 subnormals the pattern is linear in the value), so rounding is integer arithmetic on the
// pattern, and a carry out of the mantissa lands on the next binade's pattern, which is the right
// value. When s >= 24 the value is below the format's smallest subnormal, and the answer is 0 or that
// subnormal.
import { INF_BITS, NAN_BITS, POW2_NEG, SIGN_BIT, float32Bits, float32FromBits } from "./bits.js";
import { limitsOf, type FormatSpec } from "./limits.js";

export type Rounding = "nearest-even" | "toward-zero" | "stochastic";
export const ROUNDINGS: readonly Rounding[] = ["nearest-even", "toward-zero", "stochastic"];

/**
 * Rounding modes as small integers, for the hot loops. A plain object rather than a `const enum`:
 * vitest and other per-file transpilers cannot inline const enums across modules.
 */
export const Mode = { NearestEven: 0, TowardZero: 1, Stochastic: 2 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export function modeOf(rounding: string): Mode {
  switch (rounding) {
    case "nearest-even":
      return Mode.NearestEven;
    case "toward-zero":
      return Mode.TowardZero;
    case "stochastic":
      return Mode.Stochastic;
    default:
      throw new Error(`Unknown rounding "${rounding}": use one of ${ROUNDINGS.map((r) => `"${r}"`).join(", ")}`);
  }
}

/** Everything the core needs about a format and the saturate option, precomputed once. */
export interface RoundPlan {
  /** 23 - M: the shift for values in the format's normal range. */
  readonly s0: number;
  /** Biased float32 exponent field of the format's smallest normal (emin + 127, >= 1). */
  readonly efNorm: number;
  readonly maxBits: number;
  readonly minSubnormalBits: number;
  /** Magnitude written when a finite value rounds past max: inf (ieee), NaN (fn, fnuz), max (fin). */
  readonly overflowBits: number;
  /** Magnitude written for an infinite input. Same table as overflowBits under the contract. */
  readonly infBits: number;
  /** false for fnuz: there is no negative zero, so -0 and negative underflow give +0. */
  readonly signedZero: boolean;
  readonly saturate: boolean;
}

export function planFor(spec: FormatSpec, saturate = false): RoundPlan {
  const lim = limitsOf(spec);
  const overflowBits = saturate
    ? lim.maxBits
    : spec.rule === "ieee"
      ? INF_BITS
      : spec.rule === "fin"
        ? lim.maxBits
        : NAN_BITS;
  return Object.freeze({
    s0: 23 - spec.mantissaBits,
    efNorm: lim.emin + 127,
    maxBits: lim.maxBits,
    minSubnormalBits: lim.minSubnormalBits,
    overflowBits,
    infBits: overflowBits,
    signedZero: spec.rule !== "fnuz",
    saturate,
  });
}

/**
 * Whether one float step rounds every finite |x| up to max onto the plan's grid: |x| + C' - C' with
 * C' = 2^(max(e, emin) + s0) for |x|'s binade e (quantize.wat's nearestEvenFloat). It needs a grid
 * coarser than float32's (s0 >= 1) and C' a float32 in max's binade (emax + s0 <= 127).
 */
export function floatStepFits(p: RoundPlan): boolean {
  const emax = (p.maxBits >>> 23) - 127;
  return p.s0 >= 1 && emax + p.s0 <= 127;
}

/**
 * The largest |x| pattern that rounds to max or below under nearest-even (rounding is monotone,
 * so |x| above it rounds past max): max + half an ulp, less one where a tie there goes up, that
 * is where max's grid index is odd (at s0 = 23 the index is the implicit bit, always odd). At
 * s0 = 0 the grid is float32's: max itself.
 */
export function nearestEvenLimit(p: RoundPlan): number {
  if (p.s0 === 0) return p.maxBits;
  const odd = p.s0 === 23 ? 1 : (p.maxBits >>> p.s0) & 1;
  return p.maxBits + (1 << (p.s0 - 1)) - odd;
}

/**
 * Rounds the float32 with pattern `x` onto the plan's format and returns the float32 pattern of the
 * result, as a signed 32-bit integer (the same 32 bits; `>>> 0` gives the unsigned form). `u` is
 * the uniform draw in [0, 1) for stochastic rounding (ignored otherwise): the value rounds up
 * exactly when u < (distance from the lower grid point) / spacing, so P(up) is that fraction and
 * the result is unbiased.
 *
 * Kept small on purpose, with the rare cases (NaN/inf, below the smallest subnormal, overflow) in
 * separate functions: V8 then inlines it into the kernels' loops, where int32 patterns stay
 * unboxed. Signed results for the same reason: an unsigned pattern >= 2^31 is a heap number.
 */
export function roundBits(x: number, p: RoundPlan, mode: Mode, u: number): number {
  const a = x & 0x7fffffff;
  const ef = a >>> 23;
  // Rule 1 and 4: NaN stays NaN; infinities follow the rule's table (or saturate).
  if (ef === 255) return roundSpecial(x, p);
  const s = ef >= p.efNorm ? p.s0 : p.s0 + p.efNorm - (ef === 0 ? 1 : ef);
  let b: number;
  if (s <= 0) {
    // Only when M = 23 in the normal range: float32 already is the grid.
    b = a;
  } else if (s <= 23) {
    const mask = (1 << s) - 1;
    if (mode === Mode.NearestEven) {
      // Adding half-1 plus the kept LSB carries exactly when the dropped part is above half, or
      // equal to half with an odd kept part: ties to even. The parity is that of the grid index,
      // the significand shifted right by s: at s = 23 that is the implicit leading 1 (odd), not
      // the exponent field's low bit.
      const lsb = ((ef === 0 ? a : a | 0x800000) >>> s) & 1;
      b = (a + (mask >>> 1) + lsb) & ~mask;
    } else if (mode === Mode.TowardZero) {
      b = a & ~mask;
    } else {
      // u * 2^s is exact (scaling by a power of two), so this compares u with rem / 2^s exactly.
      b = a & ~mask;
      if (u * (mask + 1) < (a & mask)) b += mask + 1;
    }
  } else {
    b = roundTiny(a, ef, s, p, mode, u);
  }
  // Rule 3 and 5: past max, the overflow table (or max).
  if (b > p.maxBits) return roundOverflow(x, p, mode);
  if (b === 0 && !p.signedZero) return 0;
  return b | (x & SIGN_BIT);
}

/** NaN and ±inf inputs. */
function roundSpecial(x: number, p: RoundPlan): number {
  if ((x & 0x7fffffff) !== INF_BITS) return NAN_BITS;
  return p.infBits === NAN_BITS ? NAN_BITS : p.infBits | (x & SIGN_BIT);
}

/**
 * |x| < 2^qmin (s >= 24 ulps below the grid): the spacing there is the smallest subnormal, and the
 * result is 0 or that subnormal.
 */
function roundTiny(a: number, ef: number, s: number, p: RoundPlan, mode: Mode, u: number): number {
  if (mode === Mode.NearestEven) {
    // Above half only when s = 24 with a normal float32 whose significand exceeds 1.0
    // (exactly half, significand 1.0, ties to the even neighbour 0).
    return s === 24 && ef !== 0 && (a & 0x7fffff) !== 0 ? p.minSubnormalBits : 0;
  }
  if (mode === Mode.TowardZero) return 0;
  const sig = ef === 0 ? a : (a & 0x7fffff) | 0x800000;
  // sig * 2^-s is exact in binary64 (24-bit integer times a power of two).
  return u < sig * POW2_NEG[s]! ? p.minSubnormalBits : 0;
}

/**
 * The grid value is past max: inf (ieee), NaN (fn, fnuz) or max (fin, saturate). Toward-zero never
 * exceeds max for finite input, although the unbounded grid can put a truncated value above max
 * (464 in e4m3fn, whose max is 448), so it gives max.
 */
function roundOverflow(x: number, p: RoundPlan, mode: Mode): number {
  const m = mode === Mode.TowardZero ? p.maxBits : p.overflowBits;
  return m === NAN_BITS ? NAN_BITS : m | (x & SIGN_BIT);
}

export interface RoundOptions {
  rounding?: Rounding;
  saturate?: boolean;
  /** The uniform draw in [0, 1) that stochastic rounding compares against; required for it. */
  draw?: number;
}

/**
 * Rounds a float32 pattern to `spec` with the given options (the scalar reference) and returns the
 * unsigned pattern. Builds a plan
 * each call; loops should use planFor + roundBits.
 */
export function roundFloat32Bits(bits: number, spec: FormatSpec, opts: RoundOptions = {}): number {
  const mode = modeOf(opts.rounding ?? "nearest-even");
  if (mode === Mode.Stochastic) checkDraw(opts.draw);
  return roundBits(bits, planFor(spec, opts.saturate ?? false), mode, opts.draw ?? 0) >>> 0;
}

/**
 * Rounds a number to `spec`. The number is first rounded to float32, the carrier every tensor
 * uses, so this agrees bit for bit with quantize() on a float32 tensor (a NaN with any NaN).
 */
export function roundScalar(x: number, spec: FormatSpec, opts: RoundOptions = {}): number {
  return float32FromBits(roundFloat32Bits(float32Bits(x), spec, opts));
}

function checkDraw(draw: number | undefined): asserts draw is number {
  if (typeof draw !== "number" || !(draw >= 0 && draw < 1)) {
    throw new RangeError(`stochastic rounding needs a uniform draw in [0, 1), got ${String(draw)}`);
  }
}
