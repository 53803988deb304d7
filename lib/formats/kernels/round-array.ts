// The loop both JS kernels (cpu, wasm) run: roundBits over float32 patterns, reading and writing
// the backends' own Float32Arrays through Int32Array views: no copies, and signed patterns stay
// small integers in V8 (unsigned ones >= 2^31 would be boxed as heap numbers).
import { INV_2_32, draw32, seedKeys } from "../random.js";
import { Mode, modeOf, planFor, roundBits, type RoundPlan } from "../round.js";
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
      // Below it: when u < q = (|x| - t) / 2^qmin, t the grid value at or below |x| (q and u are
      // in [0, 1), exact); ceil(q - u) is 1 exactly then, else 0. t is the nearest grid value less
      // one spacing where that is above |x|: ceil((t - |x|) / 2^qmin) is 1 exactly then.
      const [k0, k1] = seedKeys(attrs.seed);
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
          const ax = Math.abs(src[i]!);
          let t = Math.fround(ax + c) - c;
          t -= spacing * Math.ceil((t - ax) * perSpacing);
          t += spacing * Math.ceil((ax - t) * perSpacing - draw * INV_2_32);
          dst[i] = t * ((x >> 31) | 1) + zero;
          continue;
        }
        to[i] = roundBits(x, plan, Mode.Stochastic, draw * INV_2_32);
      }
      return;
    }
  }
}

/** The float32 sign bit as an int32 (bitwise results in JS are signed). */
const SIGN_BIT = 0x80000000 | 0;
/** +inf's pattern: finite magnitudes are below it, and for them the inline steps cannot wrap past 2^31. */
const INF_BITS = 0x7f800000;
