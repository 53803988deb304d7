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

/** Writes round(src[i]) into dst[i] for every i; src and dst have equal length. */
export function roundArray(src: Float32Array, dst: Float32Array, attrs: QuantizeAttrs): void {
  const plan = planOf(attrs);
  const from = bitsView(src);
  const to = bitsView(dst);
  const n = from.length;
  // One loop per mode, each passing its mode as a literal: once roundBits is inlined, the mode
  // tests fold away instead of running per element.
  switch (modeOf(attrs.rounding)) {
    case Mode.NearestEven:
      for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, Mode.NearestEven, 0);
      return;
    case Mode.TowardZero:
      for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, Mode.TowardZero, 0);
      return;
    case Mode.Stochastic: {
      const [k0, k1] = seedKeys(attrs.seed);
      for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, Mode.Stochastic, draw32(k0, k1, i) * INV_2_32);
      return;
    }
  }
}
