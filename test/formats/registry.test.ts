// Named formats, aliases, lookup errors, custom formats, limits and encodings.
import { describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { Format, formats } from "../../lib/index.js";

// DESIGN.md section 3's table: name, E, M, bias, rule, max, log2(min normal), log2(min subnormal).
const TABLE: Array<[string, number, number, number, string, number, number, number]> = [
  ["float32", 8, 23, 127, "ieee", 3.4028234663852886e38, -126, -149],
  ["tf32", 8, 10, 127, "ieee", 3.4011621342146535e38, -126, -136],
  ["float16", 5, 10, 15, "ieee", 65504, -14, -24],
  ["bfloat16", 8, 7, 127, "ieee", 3.3895313892515355e38, -126, -133],
  ["float8_e4m3fn", 4, 3, 7, "fn", 448, -6, -9],
  ["float8_e5m2", 5, 2, 15, "ieee", 57344, -14, -16],
  ["float8_e4m3fnuz", 4, 3, 8, "fnuz", 240, -7, -10],
  ["float8_e5m2fnuz", 5, 2, 16, "fnuz", 57344, -15, -17],
  ["float6_e2m3fn", 2, 3, 1, "fin", 7.5, 0, -3],
  ["float6_e3m2fn", 3, 2, 3, "fin", 28, -2, -4],
  ["float4_e2m1fn", 2, 1, 1, "fin", 6, 0, -1],
];

describe("named formats", () => {
  it("lists the formats of DESIGN.md in order", () => {
    expect(formats.list().map((f) => f.name)).toEqual(TABLE.map((r) => r[0]));
  });

  it.each(TABLE)("%s has E=%i M=%i bias=%i rule=%s and its limits", (name, E, M, bias, rule, max, lminN, lminS) => {
    const f = formats.get(name);
    expect([f.exponentBits, f.mantissaBits, f.bias, f.rule]).toEqual([E, M, bias, rule]);
    expect(f.max).toBe(max);
    expect(f.minNormal).toBe(2 ** lminN);
    expect(f.minSubnormal).toBe(2 ** lminS);
    expect(f.epsilon).toBe(2 ** -M);
    expect(f.bits).toBe(1 + E + M);
    expect(f.decimalDigits).toBeCloseTo((M + 1) * Math.log10(2), 12);
  });

  it.each([
    ["fp32", "float32"],
    ["f32", "float32"],
    ["FP16", "float16"],
    ["half", "float16"],
    ["Half", "float16"],
    ["bf16", "bfloat16"],
    ["BFloat16", "bfloat16"],
    ["e4m3", "float8_e4m3fn"],
    ["fp8_e4m3", "float8_e4m3fn"],
    ["FLOAT8-E4M3FN", "float8_e4m3fn"],
    ["e5m2", "float8_e5m2"],
    ["fp8_e5m2", "float8_e5m2"],
    ["fp6_e2m3", "float6_e2m3fn"],
    ["fp6_e3m2", "float6_e3m2fn"],
    ["fp4", "float4_e2m1fn"],
    ["fp4_e2m1", "float4_e2m1fn"],
    [" tf32 ", "tf32"],
  ])("alias %j resolves to %s", (alias, name) => {
    expect(formats.get(alias)).toBe(formats.get(name));
  });

  it("passes a Format object through", () => {
    const f = formats.custom({ exponentBits: 3, mantissaBits: 4 });
    expect(formats.get(f)).toBe(f);
  });

  it("rejects unknown names, listing the known ones and the closest", () => {
    let message = "";
    try {
      formats.get("fp17");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('Unknown float format "fp17"');
    expect(message).toContain('Did you mean "fp16"?');
    for (const [name] of TABLE) expect(message).toContain(name);
    expect(message).toContain("float16 (fp16, half, f16)");
    expect(message).toContain("formats.custom(");
    expect(() => formats.get("bfloat61")).toThrow(/Did you mean "bfloat16"/);
    expect(() => formats.get("complex128")).toThrow(/Unknown float format "complex128"\. Known/);
  });

  it("is immutable", () => {
    const f = formats.get("fp16");
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f.aliases)).toBe(true);
    expect(() => {
      (f as { max: number }).max = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(formats.list())).toBe(true);
  });
});

describe("custom formats", () => {
  it("defaults bias to ml_dtypes' and rule to ieee", () => {
    const f = formats.custom({ exponentBits: 5, mantissaBits: 10 });
    expect(f).toBeInstanceOf(Format);
    expect(f.sameAs(formats.get("float16"))).toBe(true);
    expect(f.name).toBe("e5m10");
    expect(formats.custom({ exponentBits: 4, mantissaBits: 3, rule: "fnuz" }).bias).toBe(8);
    expect(formats.custom({ exponentBits: 4, mantissaBits: 3, bias: 9, rule: "fn" }).name).toBe("e4m3_b9_fn");
  });

  it("derives limits for formats not in the table", () => {
    // e3m4 ieee, bias 3: max = (2 - 2^-4) * 2^(6-3) = 15.5; min normal 2^-2; min subnormal 2^-6.
    const f = formats.custom({ exponentBits: 3, mantissaBits: 4 });
    expect([f.max, f.minNormal, f.minSubnormal]).toEqual([15.5, 0.25, 2 ** -6]);
    // e2m0 fin, bias 1: values 0, 1, 2, 4 (field 0 holds zero only when M = 0).
    const g = formats.custom({ exponentBits: 2, mantissaBits: 0, rule: "fin" });
    expect([g.max, g.minNormal, g.minSubnormal]).toEqual([4, 1, 1]);
    expect([0.4, 0.6, 1.4, 1.6, 3, 5, 100].map((x) => g.round(x))).toEqual([0, 1, 1, 2, 4, 4, 4]);
  });

  it.each([
    [{ exponentBits: 9, mantissaBits: 2 }, /exponentBits must be an integer in 1\.\.8/],
    [{ exponentBits: 5, mantissaBits: 24 }, /mantissaBits must be an integer in 0\.\.23/],
    [{ exponentBits: 5.5, mantissaBits: 2 }, /exponentBits/],
    [{ exponentBits: 8, mantissaBits: 7, bias: 128 }, /bias must be <= 127/],
    [{ exponentBits: 8, mantissaBits: 7, bias: 100 }, /exceeds float32's range/],
    [{ exponentBits: 8, mantissaBits: 23, bias: 127, rule: "fin" as const }, /exceeds float32's range/],
    [{ exponentBits: 1, mantissaBits: 3 }, /rule ieee reserves the top exponent/],
    [{ exponentBits: 4, mantissaBits: 3, rule: "odd" as never }, /rule must be one of ieee, fn, fnuz, fin/],
  ])("rejects %j", (opts, message) => {
    expect(() => formats.custom(opts)).toThrow(message);
  });
});

describe("encode / decode", () => {
  it("knows the special encodings of each rule", () => {
    const f16 = formats.get("float16");
    expect(f16.encode(1)).toBe(0x3c00);
    expect(f16.encode(-2)).toBe(0xc000);
    expect(f16.encode(65504)).toBe(0x7bff);
    expect(f16.encode(65520)).toBe(0x7c00); // rounds past max: inf
    expect(f16.encode(2 ** -24)).toBe(0x0001);
    expect(f16.encode(-0)).toBe(0x8000);
    expect(f16.encode(NaN)).toBe(0x7e00);
    const e4m3 = formats.get("e4m3");
    expect(e4m3.encode(448)).toBe(0x7e);
    expect(e4m3.encode(NaN)).toBe(0x7f);
    expect(e4m3.encode(1000)).toBe(0x7f); // past max: NaN in fn
    expect(e4m3.decode(0xff)).toBeNaN();
    expect(e4m3.decode(0xfe)).toBe(-448);
    const fnuz = formats.get("float8_e4m3fnuz");
    expect(fnuz.encode(-0)).toBe(0x00);
    expect(fnuz.encode(NaN)).toBe(0x80);
    expect(fnuz.decode(0x80)).toBeNaN();
    const fp4 = formats.get("fp4");
    expect(fp4.encode(6)).toBe(0b0111);
    expect(fp4.encode(-0.5)).toBe(0b1001);
    expect(fp4.encode(1e9)).toBe(0b0111); // fin: past max gives max
    expect(() => fp4.encode(NaN)).toThrow(/cannot encode/);
    expect(() => fp4.decode(16)).toThrow(/does not fit in 4 bits/);
  });

  // Every code of every format up to 8 bits: decode gives a value that encodes back to the same
  // code (NaN codes aside, each rule has one canonical NaN), and values increase with the codes.
  it.each(formats.list().filter((f) => f.bits <= 8).map((f) => [f.name, f] as const))("%s round-trips every code", (_, f) => {
    const positives: number[] = [];
    for (let code = 0; code < 2 ** f.bits; code++) {
      const v = f.decode(code);
      if (Number.isNaN(v)) continue;
      expect(f.encode(v)).toBe(code);
      if (code < 2 ** (f.bits - 1)) positives.push(v);
    }
    for (let i = 1; i < positives.length; i++) expect(positives[i]!).toBeGreaterThan(positives[i - 1]!);
    expect(Math.max(...positives.filter(Number.isFinite))).toBe(f.max);
  });
});

describe("formats.table", () => {
  it("renders all formats as text and HTML", () => {
    const t = formats.table();
    expect(t.rows).toHaveLength(11);
    const bundle = t[DISPLAY]();
    const text = bundle["text/plain"] as string;
    expect(text.split("\n")[0]).toMatch(/^format\s+bits\s+E\s+M\s+bias\s+rule\s+max\s+min normal\s+min subnormal\s+epsilon\s+digits$/);
    expect(text).toMatch(/float16\s+16\s+5\s+10\s+15\s+ieee\s+65504\s+6\.1035156e-5 \(2\^-14\)\s+5\.9604645e-8 \(2\^-24\)\s+0\.0009765625 \(2\^-10\)\s+3\.31/);
    expect(text).toContain("3.4028235e+38");
    const html = bundle["text/html"] as string;
    expect(html).toContain("<table");
    expect(html.match(/<tr>/g)).toHaveLength(12);
    expect(html).toContain('title="aliases: fp16, half, f16"');
  });

  it("takes a selection, custom formats included", () => {
    const t = formats.table(["fp16", "bf16", formats.custom({ exponentBits: 3, mantissaBits: 4 })]);
    expect(t.rows.map((r) => r.name)).toEqual(["float16", "bfloat16", "e3m4"]);
    expect(() => formats.table(["fp99"])).toThrow(/Unknown float format/);
  });

  it("a Format displays as its own row", () => {
    const bundle = formats.get("e5m2")[DISPLAY]();
    expect(bundle["text/plain"]).toContain("float8_e5m2");
    expect(bundle["text/plain"]).toContain("57344");
  });
});
