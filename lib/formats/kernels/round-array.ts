// The loop both JS kernels (cpu, wasm) run: roundBits over float32 patterns, reading and writing
// the backends' own Float32Arrays through Int32Array views: no copies, and signed patterns stay
// small integers in V8 (unsigned ones >= 2^31 would be boxed as heap numbers).
import { INV_2_32, draw32, seedKeys } from "../random.js";
import { Mode, floatStepFits, modeOf, nearestEvenLimit, planFor, roundBits, type RoundPlan } from "../round.js";
import { specOf, type QuantizeAttrs } from "./attrs.js";

// Plans are tiny; caching them by attributes saves re-validating the spec on every call of a
// training loop.
const plans = new Map<string, RoundPlan>();

export function planOf(attrs: QuantizeAttrs): RoundPlan {
  const k = `${attrs.exponentBits},${attrs.mantissaBits},${attrs.bias},${attrs.rule},${attrs.saturate}`;
  let plan = plans.get(k);
  if (plan === undefined) {
    plan = planFor(specOf(attrs), attrs.saturate);
    plans.set(k, plan);
  }
  return plan;
}

function bitsView(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Writes round(src[i]) into dst[i] for every i; src and dst have equal length.
 *
 * Two inline steps cover finite data, and roundBits (per-element shift, many branches) does the
 * rest (past max, inf, NaN, formats outside the steps' range): in the format's normal range, the
 * integer rounding roundBits does there, with the plan's uniform shift s0; below the smallest
 * normal, where the spacing is the constant 2^qmin, float arithmetic as in quantize.wat: with
 * C = 2^(qmin + 23) > |x|, fround(|x| + C) is the float32 sum, rounded to nearest-even on the
 * format's grid (computing in float64 and rounding to float32 gives the float32 sum exactly), and
 * subtracting C is exact. The steps decide stochastic rounding without branching on the draw: a
 * branch on a coin flip is mispredicted half the time, which costs more than the rest of the step.
 * The branch between the two steps is as bad where the data falls on both sides of the smallest
 * normal at random (normal data in fp4 or fp6, whose smallest normal is near 1, or ReLU zeros):
 * for such data (mixesRanges, from a sample) every finite value up to max takes the float step,
 * with the constants of its own binade from a table (binadeSteps).
 */
export function roundArray(src: Float32Array, dst: Float32Array, attrs: QuantizeAttrs): void {
  const plan = planOf(attrs);
  const from = bitsView(src);
  const to = bitsView(dst);
  const n = from.length;
  const { s0, maxBits } = plan;
  const minNormal = plan.efNorm << 23;
  const mask = s0 > 0 ? (1 << s0) - 1 : 0;
  const unit = mask + 1;
  // Below the smallest normal: the spacing 2^qmin, and C; C must be a normal float32.
  const qmin = plan.efNorm - 150 + s0;
  const tiny = qmin >= -149 && qmin <= 104;
  const spacing = 2 ** qmin;
  const perSpacing = 2 ** -qmin;
  const c = 2 ** (qmin + 23);
  // Added to the signed result: -0 keeps every value (and -0), +0 turns -0 into +0 (fnuz).
  const zero = plan.signedZero ? -0 : 0;
  // One loop per mode, each passing its mode as a literal: once roundBits is inlined, the mode
  // tests fold away instead of running per element.
  switch (modeOf(attrs.rounding)) {
    case Mode.NearestEven: {
      const binades = tiny ? binadeSteps(plan) : null;
      if (binades !== null && mixesRanges(from, minNormal)) {
        const { magic } = binades;
        // quantize.wat's nearestEvenFloat: one float step for every finite |x| up to t1, with the
        // magic constant of |x|'s binade (read from a table by exponent field), so no branch
        // between the normal range and below it, which data spread across both takes at random
        // (normal data in fp4 or fp6, whose smallest normal is near 1). Slower than the integer
        // step where that branch is predictable, so only then.
        const t1 = nearestEvenLimit(plan);
        for (let i = 0; i < n; i++) {
          const x = from[i]!;
          const a = x & 0x7fffffff;
          if (a <= t1) {
            const m = magic[a >>> 23]!;
            dst[i] = (Math.fround(Math.abs(src[i]!) + m) - m) * ((x >> 31) | 1) + zero;
          } else {
            to[i] = roundBits(x, plan, Mode.NearestEven, 0);
          }
        }
        return;
      }
      // Add half - 1 plus the grid index's parity, truncate: ties to even (as roundBits; its
      // parity differs only at s0 = 23, where the index is the implicit bit, left to it here).
      const fast = s0 > 0 && s0 < 23;
      const half = mask >>> 1;
      for (let i = 0; i < n; i++) {
        const x = from[i]!;
        const a = x & 0x7fffffff;
        if (a >= minNormal) {
          if (fast && a < INF_BITS) {
            const b = (a + half + ((a >>> s0) & 1)) & ~mask;
            if (b <= maxBits) {
              to[i] = b | (x & SIGN_BIT);
              continue;
            }
          }
        } else if (tiny) {
          dst[i] = (Math.fround(Math.abs(src[i]!) + c) - c) * ((x >> 31) | 1) + zero;
          continue;
        }
        to[i] = roundBits(x, plan, Mode.NearestEven, 0);
      }
      return;
    }
    case Mode.TowardZero:
      for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, Mode.TowardZero, 0);
      return;
    case Mode.Stochastic: {
      // Up when u * 2^s < rem (u = draw / 2^32, rem in float32 ulps, spacing 2^s ulps).
      // Normal range: when the draw's top s0 bits D are below rem; D - rem (both below 2^23) is
      // negative exactly then, and its sign, spread by >> 31, selects the unit.
      // Below it: |x| / 2^qmin is exact in float64 (a power-of-two scaling of a float32); its
      // floor is the index of the grid value at or below |x| and the rest q is in [0, 1), as is u
      // (32 bits: q - u is exact too); ceil(q - u) is 1 when u < q, else 0 (or -0).
      const [k0, k1] = seedKeys(attrs.seed);
      const binades = tiny ? binadeSteps(plan) : null;
      if (binades !== null && mixesRanges(from, minNormal)) {
        // The step below the smallest normal in every binade, with that binade's spacing (as the
        // one-float-step nearest-even loop above, and for the same reason).
        const { spacing: spacings, perSpacing: perSpacings } = binades;
        for (let i = 0; i < n; i++) {
          const x = from[i]!;
          const a = x & 0x7fffffff;
          const draw = draw32(k0, k1, i);
          if (a <= maxBits) {
            // |x| in units of its binade's spacing: exact, as |x| / 2^qmin below.
            const scaled = Math.abs(src[i]!) * perSpacings[a >>> 23]!;
            const index = Math.floor(scaled);
            const up = Math.ceil(scaled - index - draw * INV_2_32);
            dst[i] = (index + up) * spacings[x >>> 23]! + zero;
          } else {
            to[i] = roundBits(x, plan, Mode.Stochastic, draw * INV_2_32);
          }
        }
        return;
      }
      const fast = s0 > 0;
      const shift = 32 - s0;
      for (let i = 0; i < n; i++) {
        const x = from[i]!;
        const a = x & 0x7fffffff;
        const draw = draw32(k0, k1, i);
        if (a >= minNormal) {
          if (fast && a < INF_BITS) {
            const b = (a & ~mask) + (unit & (((draw >>> shift) - (a & mask)) >> 31));
            if (b <= maxBits) {
              to[i] = b | (x & SIGN_BIT);
              continue;
            }
          }
        } else if (tiny) {
          const scaled = Math.abs(src[i]!) * perSpacing;
          const index = Math.floor(scaled);
          const up = Math.ceil(scaled - index - draw * INV_2_32);
          dst[i] = (index + up) * spacing * ((x >> 31) | 1) + zero;
          continue;
        }
        to[i] = roundBits(x, plan, Mode.Stochastic, draw * INV_2_32);
      }
      return;
    }
  }
}

/**
 * @internal Whether at least 1 in 8 of (up to) 64 evenly spaced elements are below the smallest
 * normal (pattern minNormal), zeros included (ReLU outputs): enough that a branch between the two
 * ranges would be mispredicted often.
 */
export function mixesRanges(bits: Int32Array, minNormal: number): boolean {
  const step = Math.max(1, Math.floor(bits.length / 64));
  let below = 0;
  let seen = 0;
  for (let i = 0; i < bits.length && seen < 64; i += step, seen++) {
    const a = bits[i]! & 0x7fffffff;
    if (a < minNormal) below++;
  }
  return below * 8 >= seen && seen > 0;
}

/** Per float32 exponent field ef of |x|: the float step's constants in that binade (binadeSteps). */
interface BinadeSteps {
  /** C' = 2^(max(ef - 127, emin) + s0), whose float32 spacing is the format's in that binade. */
  magic: Float64Array;
  /** The format's spacing there, C' / 2^23, with x's sign (indexed by x's top 9 bits). */
  spacing: Float64Array;
  /** 1 / spacing (by exponent field). */
  perSpacing: Float64Array;
}

const binadeTables = new WeakMap<RoundPlan, BinadeSteps | null>();

/** The float step of quantize.wat's nearestEvenFloat for every binade, or null where it does not fit. */
function binadeSteps(plan: RoundPlan): BinadeSteps | null {
  let steps = binadeTables.get(plan);
  if (steps !== undefined) return steps;
  const emin = plan.efNorm - 127;
  steps = null;
  if (floatStepFits(plan)) {
    steps = { magic: new Float64Array(256), spacing: new Float64Array(512), perSpacing: new Float64Array(256) };
    for (let ef = 0; ef < 256; ef++) {
      const e = Math.max(ef - 127, emin);
      steps.magic[ef] = 2 ** (e + plan.s0);
      steps.spacing[ef] = 2 ** (e + plan.s0 - 23);
      steps.spacing[ef + 256] = -steps.spacing[ef]!;
      steps.perSpacing[ef] = 2 ** (23 - e - plan.s0);
    }
  }
  binadeTables.set(plan, steps);
  return steps;
}

/** The float32 sign bit as an int32 (bitwise results in JS are signed). */
const SIGN_BIT = 0x80000000 | 0;
/** +inf's pattern: finite magnitudes are below it, and for them the inline steps cannot wrap past 2^31. */
const INF_BITS = 0x7f800000;
