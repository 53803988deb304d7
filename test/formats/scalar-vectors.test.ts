// Every row of every vector file through the scalar reference (lib/formats/round.ts).
import { describe, expect, it } from "vitest";
import { formats } from "../../lib/formats/index.js";
import { roundFloat32Bits } from "../../lib/formats/round.js";
import { COLUMNS, COLUMN_OPTIONS, loadVectors, mismatches, vectorFormats } from "./vectors.js";

describe.each(vectorFormats())("scalar reference on %s vectors", (name) => {
  const v = loadVectors(name);
  const fmt = formats.get(name);

  it("has the spec of the vector file", () => {
    expect(fmt.exponentBits).toBe(v.spec.exponent_bits);
    expect(fmt.mantissaBits).toBe(v.spec.mantissa_bits);
    expect(fmt.bias).toBe(v.spec.bias);
    expect(fmt.rule).toBe(v.spec.rule);
    expect(fmt.max).toBe(v.spec.max);
    expect(fmt.minNormal).toBe(v.spec.min_normal);
    expect(fmt.minSubnormal).toBe(v.spec.min_subnormal);
  });

  it.each(COLUMNS)("matches every row of %s", (column) => {
    const got = Array.from(v.inputs, (b) => roundFloat32Bits(b, fmt, COLUMN_OPTIONS[column]));
    expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
  });
});
