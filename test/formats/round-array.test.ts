// The JS kernels' loop (lib/formats/kernels/round-array.ts, run by the cpu backend and by the wasm
// backend's JS path) against the scalar reference, element by element: its inline normal-range
// steps must give exactly what roundBits gives, on every format, rounding and saturate setting,
// including the neighbourhoods of max and of the smallest normal where the inline step hands over.
import { describe, expect, it } from "vitest";
import type { Format } from "../../lib/formats/index.js";
import type { QuantizeAttrs } from "../../lib/formats/kernels/attrs.js";
import { roundArray } from "../../lib/formats/kernels/round-array.js";
import { INV_2_32, draw32, seedKeys } from "../../lib/formats/random.js";
import { roundFloat32Bits, type Rounding } from "../../lib/formats/round.js";
import { FORMATS, boundaries, patterns } from "./patterns.js";

const ROUNDINGS: readonly Rounding[] = ["nearest-even", "toward-zero", "stochastic"];
const hex = (b: number) => (b >>> 0).toString(16).padStart(8, "0");

function mismatches(format: Format, rounding: Rounding, saturate: boolean, seed: number): string[] {
  const input = Uint32Array.from([...patterns(4099, seed), ...boundaries(format)]);
  const out = new Float32Array(input.length);
  const { exponentBits, mantissaBits, bias, rule } = format;
  const spec = { exponentBits, mantissaBits, bias, rule };
  const attrs: QuantizeAttrs = { ...spec, rounding, saturate, seed };
  roundArray(new Float32Array(input.slice().buffer), out, attrs);
  const got = new Uint32Array(out.buffer);
  const [k0, k1] = seedKeys(seed);
  const problems: string[] = [];
  for (let i = 0; i < input.length && problems.length < 5; i++) {
    const draw = rounding === "stochastic" ? draw32(k0, k1, i) * INV_2_32 : undefined;
    const want = roundFloat32Bits(input[i]!, spec, { rounding, saturate, draw });
    if (got[i] !== want) problems.push(`${format.name} ${rounding}${saturate ? " saturate" : ""}: ${hex(input[i]!)} -> ${hex(got[i]!)}, want ${hex(want)}`);
  }
  return problems;
}

describe("roundArray", () => {
  it.each(ROUNDINGS)("equals the scalar reference for %s on every format, saturating or not", (rounding) => {
    const problems = FORMATS.flatMap((format, k) => [false, true].flatMap((saturate) => mismatches(format, rounding, saturate, 1000 + k)));
    expect(problems).toEqual([]);
  });
});
