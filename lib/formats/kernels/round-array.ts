// The loop both JS kernels (cpu, wasm) run: roundBits over float32 patterns, reading and writing
// the backends' own Float32Arrays through Uint32Array views (no copies, no boxing).
import { INV_2_32, draw32, seedKeys } from "../random.js";
import { Mode, modeOf, planFor, roundBits, type RoundPlan } from "../round.js";
import { specOf, type QuantizeAttrs } from "./attrs.js";

// Plans are tiny; caching them by attributes saves re-validating the spec on every call of a
// training loop.
const plans = new Map<string, RoundPlan>();

function planOf(attrs: QuantizeAttrs): RoundPlan {
  const k = `${attrs.exponentBits},${attrs.mantissaBits},${attrs.bias},${attrs.rule},${attrs.saturate}`;
  let plan = plans.get(k);
  if (plan === undefined) {
    plan = planFor(specOf(attrs), attrs.saturate);
    plans.set(k, plan);
  }
  return plan;
}

function bitsView(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Writes round(src[i]) into dst[i] for every i; src and dst have equal length. */
export function roundArray(src: Float32Array, dst: Float32Array, attrs: QuantizeAttrs): void {
  const plan = planOf(attrs);
  const mode = modeOf(attrs.rounding);
  const from = bitsView(src);
  const to = bitsView(dst);
  const n = from.length;
  if (mode === Mode.Stochastic) {
    const [k0, k1] = seedKeys(attrs.seed);
    for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, mode, draw32(k0, k1, i) * INV_2_32);
  } else {
    for (let i = 0; i < n; i++) to[i] = roundBits(from[i]!, plan, mode, 0);
  }
}
