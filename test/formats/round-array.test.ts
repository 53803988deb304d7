// The JS kernels' loop (lib/formats/kernels/round-array.ts, run by the cpu backend and by the wasm
// backend's JS path) against the scalar reference, element by element: its inline normal-range
// steps must give exactly what roundBits gives, on every format, rounding and saturate setting,
// including the neighbourhoods of max and of the smallest normal where the inline step hands over.
// Nearest-even has two loops, chosen by the data (see mixesRanges): each input runs twice, as is
// (spread over every exponent, so mostly the one-float-step loop) and with its values below the
// smallest normal left out (the integer-step loop).
import { describe, expect, it } from "vitest";
import { float32Bits } from "../../lib/formats/bits.js";
import { formats, type Format } from "../../lib/formats/index.js";
import type { QuantizeAttrs } from "../../lib/formats/kernels/attrs.js";
import { mixesRanges, roundArray } from "../../lib/formats/kernels/round-array.js";
import { INV_2_32, draw32, seedKeys } from "../../lib/formats/random.js";
import { roundFloat32Bits, type Rounding } from "../../lib/formats/round.js";
import { FORMATS, boundaries, patterns } from "./patterns.js";

const ROUNDINGS: readonly Rounding[] = ["nearest-even", "toward-zero", "stochastic"];
const hex = (b: number) => (b >>> 0).toString(16).padStart(8, "0");

function mismatches(format: Format, rounding: Rounding, saturate: boolean, seed: number, normalOnly: boolean): string[] {
  const spread = [...patterns(4099, seed)];
  const values = normalOnly ? spread.filter((b) => (b & 0x7fffffff) >= float32Bits(format.minNormal)) : spread;
  const input = Uint32Array.from([...values, ...boundaries(format)]);
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
    const what = `${format.name} ${rounding}${saturate ? " saturate" : ""}${normalOnly ? " (normal range)" : ""}`;
    if (got[i] !== want) problems.push(`${what}: ${hex(input[i]!)} -> ${hex(got[i]!)}, want ${hex(want)}`);
  }
  return problems;
}

describe("roundArray", () => {
  it.each(ROUNDINGS)("equals the scalar reference for %s on every format, saturating or not", (rounding) => {
    const problems = FORMATS.flatMap((format, k) =>
      [false, true].flatMap((saturate) => [false, true].flatMap((normalOnly) => mismatches(format, rounding, saturate, 1000 + k, normalOnly))),
    );
    expect(problems).toEqual([]);
  });

  it("takes the one-float-step loop only where values below the smallest normal are common", () => {
    const bits = (xs: number[]) => new Int32Array(new Float32Array(xs).buffer);
    const fp4 = float32Bits(formats.get("float4_e2m1fn").minNormal);
    const normal = Array.from({ length: 1000 }, (_, i) => 1 + (i % 7));
    expect(mixesRanges(bits(normal), fp4)).toBe(false);
    // Zeros too (ReLU outputs): the integer loop's branch sends them below the smallest normal.
    expect(mixesRanges(bits(normal.map((x, i) => (i % 2 ? 0 : x))), fp4)).toBe(true);
    expect(mixesRanges(bits(normal.map((x, i) => (i % 8 === 0 ? 0.25 : x))), fp4)).toBe(true);
    expect(mixesRanges(bits(normal.map((x, i) => (i % 16 === 0 ? -0.25 : x))), fp4)).toBe(false);
    expect(mixesRanges(bits([]), fp4)).toBe(false);
  });
});
