// inspect(): fields, stored value, error and class for values worked out by hand.
import { describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { formats, inspect } from "../../lib/index.js";

describe("inspect", () => {
  it("1/3 in float16", () => {
    // 1/3 = 2^-2 * 1.333...; float16 keeps 10 mantissa bits: 1.0101010101b = 1 + 341/1024 (the next
    // bit is 0, so it rounds down): 2^-2 * 1365/1024 = 0.333251953125. Exponent field -2 + 15 = 13.
    const r = inspect(1 / 3, "float16");
    expect(r.sign).toBe(0);
    expect(r.exponent).toBe(13);
    expect(r.mantissa).toBe(341);
    expect(r.bits).toBe("0011010101010101");
    expect(r.code).toBe(0x3555);
    expect(r.stored).toBe(0.333251953125);
    expect(r.absError).toBe(1 / 3 - 0.333251953125);
    expect(r.relError).toBeCloseTo((1 / 3 - 0.333251953125) * 3, 15);
    expect(r.class).toBe("normal");
  });

  it("65520 in float16 overflows to inf (saturating: to 65504)", () => {
    // 65520 is halfway between 65504 (1.1111111111b x 2^15) and 65536 = 2^16; ties to even give
    // 2^16, past max, which ieee turns into inf.
    const r = inspect(65520, "fp16");
    expect(r.class).toBe("overflow");
    expect(r.stored).toBe(Infinity);
    expect(r.bits).toBe("0111110000000000");
    expect([r.exponent, r.mantissa]).toEqual([31, 0]);
    expect(r.absError).toBe(Infinity);
    const s = inspect(65520, "fp16", { saturate: true });
    expect(s.class).toBe("overflow");
    expect(s.stored).toBe(65504);
    expect(s.bits).toBe("0111101111111111");
    expect(s.absError).toBe(16);
    // Just below the midpoint rounds down to max: in range.
    const below = inspect(65519, "fp16");
    expect([below.class, below.stored, below.absError]).toEqual(["normal", 65504, 15]);
  });

  it("2^-24 is float16's smallest subnormal", () => {
    const r = inspect(2 ** -24, "float16");
    expect(r.class).toBe("subnormal");
    expect([r.sign, r.exponent, r.mantissa]).toEqual([0, 0, 1]);
    expect(r.bits).toBe("0000000000000001");
    expect(r.stored).toBe(2 ** -24);
    expect([r.absError, r.relError]).toEqual([0, 0]);
    // 2^-25 is the tie between 0 and 2^-24: even is 0. 3 * 2^-26 = 0.75 * 2^-24 rounds up.
    expect(inspect(2 ** -25, "float16").class).toBe("zero");
    expect(inspect(3 * 2 ** -26, "float16").stored).toBe(2 ** -24);
  });

  it("zeros, NaN and the rules' special cases", () => {
    const negZero = inspect(-0, "bf16");
    expect([negZero.class, negZero.sign, negZero.bits]).toEqual(["zero", 1, "1000000000000000"]);
    // fnuz has no -0: a negative value that underflows is +0.
    const fnuz = inspect(-1e-9, "float8_e4m3fnuz");
    expect([fnuz.class, fnuz.sign, fnuz.bits, Object.is(fnuz.stored, 0)]).toEqual(["zero", 0, "00000000", true]);
    const nan = inspect(NaN, "fp16");
    expect([nan.class, nan.bits]).toEqual(["nan", "0111111000000000"]);
    const fp4Nan = inspect(NaN, "fp4");
    expect([fp4Nan.class, fp4Nan.bits, fp4Nan.sign]).toEqual(["nan", null, null]);
    expect(fp4Nan.stored).toBeNaN();
    // e4m3fn: 500 rounds to 512, past 448: NaN (its only NaN is s.1111.111).
    const big = inspect(500, "e4m3");
    expect([big.class, big.bits]).toEqual(["overflow", "01111111"]);
    expect(big.stored).toBeNaN();
    // fin formats saturate: 7 in fp4 is past 6, stored as 6, still flagged.
    const fin = inspect(7, "fp4");
    expect([fin.class, fin.stored, fin.bits]).toEqual(["overflow", 6, "0111"]);
    expect(inspect(-Infinity, "fp16").stored).toBe(-Infinity);
    expect(inspect(-Infinity, "fp16").class).toBe("overflow");
  });

  it("toward-zero, custom formats, and a value measured against what was given", () => {
    expect(inspect(1.99, "fp4", { rounding: "toward-zero" }).stored).toBe(1.5);
    const e3m4 = formats.custom({ exponentBits: 3, mantissaBits: 4 });
    expect(inspect(15.6, e3m4).stored).toBe(15.5);
    // 0.1 is not a float32: inspecting it in float32 shows float32's own rounding error.
    const f32 = inspect(0.1, "float32");
    expect(f32.stored).toBe(Math.fround(0.1));
    expect(f32.absError).toBe(Math.abs(Math.fround(0.1) - 0.1));
    expect(() => inspect(1, "fp16", { rounding: "stochastic" as never })).toThrow(/deterministic/);
  });

  it("renders a bit diagram", () => {
    const r = inspect(1 / 3, "float16");
    const bundle = r[DISPLAY]();
    const text = bundle["text/plain"] as string;
    expect(text).toContain("float16 (e5m10, bias 15, ieee)");
    expect(text).toContain("0 01101 0101010101");
    expect(text).toContain("stored    0.333251953125");
    expect(text).toContain("class     normal");
    const html = bundle["text/html"] as string;
    // 16 bit boxes, one per bit, in three colours.
    expect(html.match(/<span style="display:inline-block;width:1\.3em/g)).toHaveLength(16);
    expect(html.match(/#f2b8b5/g)).toHaveLength(1);
    expect(html.match(/#b5d8f2/g)).toHaveLength(5);
    expect(html.match(/#c5e8b7/g)).toHaveLength(10);
    expect(html).toContain("0.333251953125");
    expect(inspect(NaN, "fp4")[DISPLAY]()["text/html"]).toContain("has no encoding");
  });
});
