// Policies: presets, jmp's string grammar, custom formats, overrides, equality, immutability,
// typo errors and the display.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { Policy, amp, formats } from "../../lib/index.js";

const names = (p: Policy) => [p.params.name, p.compute.name, p.backward.name, p.output.name, p.scaling];

describe("presets", () => {
  it.each([
    ["float32", ["float32", "float32", "float32", "float32", "none"]],
    ["mixed_float16", ["float32", "float16", "float16", "float32", "none"]],
    ["mixed_bfloat16", ["float32", "bfloat16", "bfloat16", "float32", "none"]],
    ["float16", ["float16", "float16", "float16", "float16", "none"]],
    ["bfloat16", ["bfloat16", "bfloat16", "bfloat16", "bfloat16", "none"]],
    ["fp8_hybrid", ["float32", "float8_e4m3fn", "float8_e5m2", "float32", "delayed"]],
  ])("%s is params/compute/backward/output/scaling = %o", (preset, expected) => {
    const p = amp.policy(preset);
    expect(names(p)).toEqual(expected);
    expect(p.preset).toBe(preset);
  });

  it("lists the presets", () => {
    expect(amp.policy.presets).toEqual(["float32", "mixed_float16", "mixed_bfloat16", "float16", "bfloat16", "fp8_hybrid"]);
    expect(Object.keys(amp.presets())).toEqual([...amp.policy.presets]);
  });

  it("knows mixed from pure", () => {
    expect(amp.policy("mixed_float16").mixed).toBe(true);
    expect(amp.policy("fp8_hybrid").mixed).toBe(true);
    expect(amp.policy("float16").mixed).toBe(false);
    expect(amp.policy("float32").mixed).toBe(false);
  });
});

describe("jmp's string grammar", () => {
  it("reads long keys, short keys and the registry's names and aliases", () => {
    const mixed = amp.policy("mixed_float16");
    expect(amp.policy("params=float32,compute=float16,output=float32").equals(mixed)).toBe(true);
    expect(amp.policy("p=f32,c=f16,o=f32").equals(mixed)).toBe(true);
    expect(amp.policy("p=fp32,c=half,o=full").equals(mixed)).toBe(true);
    expect(amp.policy("P=F32, C=FP16, O=float32").equals(mixed)).toBe(true);
    expect(amp.policy("  params = float32 ,\tcompute= float16 , output =float32 ").equals(mixed)).toBe(true);
    expect(amp.policy("p=f32,c=bf16,o=f32").equals("mixed_bfloat16")).toBe(true);
  });

  it("fills what is left out as jmp does: params f32, compute follows params, output follows compute", () => {
    expect(names(amp.policy("c=f16"))).toEqual(["float32", "float16", "float16", "float16", "none"]);
    expect(names(amp.policy("p=f16"))).toEqual(["float16", "float16", "float16", "float16", "none"]);
    expect(names(amp.policy("p=f16,c=bf16"))).toEqual(["float16", "bfloat16", "bfloat16", "bfloat16", "none"]);
    expect(names(amp.policy("o=f16"))).toEqual(["float32", "float32", "float32", "float16", "none"]);
  });

  it("takes one format name for every role, jmp's full and half included", () => {
    expect(amp.policy("bf16").equals("bfloat16")).toBe(true);
    expect(amp.policy("full").equals("float32")).toBe(true);
    expect(amp.policy("half").equals("float16")).toBe(true);
    expect(names(amp.policy("e5m2"))).toEqual(["float8_e5m2", "float8_e5m2", "float8_e5m2", "float8_e5m2", "none"]);
    expect(amp.policy("Mixed-Float16").equals("mixed_float16")).toBe(true);
  });

  it("has tsamp's backward and scaling keys", () => {
    const p = amp.policy("p=f32, c=e4m3, b=e5m2, o=f32, s=delayed");
    expect(p.equals("fp8_hybrid")).toBe(true);
    expect(names(amp.policy("c=e4m3"))).toEqual(["float32", "float8_e4m3fn", "float8_e4m3fn", "float8_e4m3fn", "none"]);
  });

  it("prints as the grammar and reads back", () => {
    expect(String(amp.policy("mixed_float16"))).toBe("params=float32,compute=float16,output=float32");
    expect(String(amp.policy("p=f16"))).toBe("params=float16,compute=float16,output=float16");
    expect(String(amp.policy("fp8_hybrid"))).toBe(
      "params=float32,compute=float8_e4m3fn,backward=float8_e5m2,output=float32,scaling=delayed",
    );
    for (const name of amp.policy.presets) {
      const p = amp.policy(name);
      expect(amp.policy(String(p)).equals(p)).toBe(true);
    }
  });

  it("ignores a stray comma", () => {
    expect(amp.policy("p=f32,c=f16,o=f32,").equals("mixed_float16")).toBe(true);
  });
});

describe("custom formats", () => {
  const e5m7 = formats.custom({ exponentBits: 5, mantissaBits: 7 });

  it("take Format objects in every role, and a Format alone", () => {
    const p = amp.policy({ params: "f32", compute: e5m7, output: "f32" });
    expect(p.compute).toBe(e5m7);
    expect(String(p)).toBe("params=float32,compute=e5m7,output=float32");
    expect(amp.policy(e5m7).output).toBe(e5m7);
    expect(amp.policy(formats.get("bf16")).equals("bfloat16")).toBe(true);
  });

  it("read back from their default names", () => {
    const p = amp.policy("params=float32,compute=e5m7,output=float32");
    expect(p.compute.sameAs(e5m7)).toBe(true);
    const fnuz = amp.policy("c=e4m3_b8_fnuz");
    expect(fnuz.compute.sameAs(formats.get("float8_e4m3fnuz"))).toBe(true);
    const odd = formats.custom({ exponentBits: 3, mantissaBits: 4, bias: 2, rule: "fin" });
    expect(amp.policy(String(amp.policy(odd))).compute.sameAs(odd)).toBe(true);
  });

  it("compare by value, names aside", () => {
    const f16 = formats.custom({ exponentBits: 5, mantissaBits: 10, name: "my_half" });
    expect(amp.policy({ compute: f16, output: "f32" }).equals("mixed_float16")).toBe(true);
    expect(amp.policy({ compute: f16, output: "f32" }).preset).toBe("mixed_float16");
  });
});

describe("object specs and with()", () => {
  it("builds from { params, compute, output } with jmp's defaults", () => {
    expect(amp.policy({ compute: "f16", output: "f32" }).equals("mixed_float16")).toBe(true);
    expect(names(amp.policy({ params: "bf16" }))).toEqual(["bfloat16", "bfloat16", "bfloat16", "bfloat16", "none"]);
  });

  it("with() replaces fields and leaves the original alone", () => {
    const base = amp.policy("mixed_float16");
    const out16 = base.with({ output: "f16" });
    expect(String(out16)).toBe("params=float32,compute=float16,output=float16");
    expect(String(base)).toBe("params=float32,compute=float16,output=float32");
    // A new compute carries backward along unless backward is given.
    expect(names(base.with({ compute: "bf16" }))).toEqual(["float32", "bfloat16", "bfloat16", "float32", "none"]);
    expect(names(amp.policy("fp8_hybrid").with({ output: "bf16" }))).toEqual([
      "float32", "float8_e4m3fn", "float8_e5m2", "bfloat16", "delayed",
    ]);
    expect(base.with({}).equals(base)).toBe(true);
  });

  it("policy(policy) is the same value", () => {
    const p = amp.policy("float16");
    expect(amp.policy(p)).toBe(p);
  });
});

describe("overrides", () => {
  const p = amp.policy("mixed_float16").with({
    overrides: [
      { match: "head", format: "float32" },
      { match: "block*/attn?", compute: "bf16" },
      { match: /norm/i, output: "f16" },
      { match: { family: "softmax" }, compute: "float32" },
      { match: { family: "softmax" }, output: "bf16" },
    ],
  });

  it("resolve() applies matching overrides in order", () => {
    expect(names(p.resolve({ layer: "head" }))).toEqual(["float32", "float32", "float32", "float32", "none"]);
    expect(names(p.resolve({ layer: "block3/attn1" }))).toEqual(["float32", "bfloat16", "bfloat16", "float32", "none"]);
    expect(names(p.resolve({ layer: "block3/attn12" }))).toEqual(["float32", "float16", "float16", "float32", "none"]);
    expect(names(p.resolve({ layer: "LayerNorm_1" }))).toEqual(["float32", "float16", "float16", "float16", "none"]);
    expect(names(p.resolve({ family: "softmax" }))).toEqual(["float32", "float32", "float32", "bfloat16", "none"]);
    expect(names(p.resolve({ layer: "head", family: "softmax" }))).toEqual(["float32", "float32", "float32", "bfloat16", "none"]);
    expect(names(p.resolve({ layer: "dense" }))).toEqual(names(amp.policy("mixed_float16")));
    expect(names(p.resolve())).toEqual(names(amp.policy("mixed_float16")));
    expect(p.resolve({ layer: "head" }).overrides).toEqual([]);
  });

  it("an exact name does not match as a prefix", () => {
    expect(p.resolve({ layer: "head2" }).compute.name).toBe("float16");
  });

  it("regexps are copied without g/y so matching stays stateless", () => {
    const g = amp.policy("mixed_float16").with({ overrides: [{ match: /dense/g, format: "f32" }] });
    expect(g.resolve({ layer: "dense" }).compute.name).toBe("float32");
    expect(g.resolve({ layer: "dense" }).compute.name).toBe("float32");
  });

  it("take part in equality, in order", () => {
    const a = amp.policy("mixed_float16").with({ overrides: [{ match: { family: "norm" }, format: "f32" }] });
    const b = amp.policy("p=f32,c=f16,o=f32").with({ overrides: [{ match: { family: "norm" }, format: "float32" }] });
    expect(a.equals(b)).toBe(true);
    expect(a.equals("mixed_float16")).toBe(false);
    const c = amp.policy("mixed_float16").with({ overrides: [{ match: { family: "norm" }, compute: "f32" }] });
    expect(a.equals(c)).toBe(false);
    expect(a.preset).toBe("mixed_float16");
    const two = (x: string, y: string) =>
      amp.policy("float32").with({ overrides: [{ match: x, format: "f16" }, { match: y, format: "bf16" }] });
    expect(two("a", "b").equals(two("a", "b"))).toBe(true);
    expect(two("a", "b").equals(two("b", "a"))).toBe(false);
    const r1 = amp.policy("float32").with({ overrides: [{ match: /x/i, format: "f16" }] });
    const r2 = amp.policy("float32").with({ overrides: [{ match: /x/, format: "f16" }] });
    expect(r1.equals(r2)).toBe(false);
  });

  it("print in the display, not in the grammar string", () => {
    expect(String(p)).toBe("params=float32,compute=float16,output=float32");
    const text = (p[DISPLAY]() as Record<string, string>)["text/plain"];
    expect(text).toContain('override layer "head": float32');
    expect(text).toContain('override layer "block*/attn?": compute=bfloat16,backward=bfloat16');
    expect(text).toContain("override layer /norm/i: output=float16");
    expect(text).toContain("override family softmax: compute=float32,backward=float32");
  });

  it("reject mistakes with clear errors", () => {
    const base = amp.policy("mixed_float16");
    expect(() => base.with({ overrides: [{ match: { family: "nrom" as never }, format: "f32" }] })).toThrow(
      /Unknown op family "nrom"\. Did you mean "norm"\? Families: matmul, conv, norm, softmax/,
    );
    expect(() => base.with({ overrides: [{ match: "x", format: "f32", compute: "f16" }] })).toThrow(/either format .* or compute, not both/);
    expect(() => base.with({ overrides: [{ match: "x" }] })).toThrow(/changes nothing/);
    expect(() => base.with({ overrides: [{ match: "x", fromat: "f32" } as never] })).toThrow(/unknown option "fromat"\. Did you mean "format"\?/);
    expect(() => base.with({ overrides: [{ match: "x", compute: "flaot16" }] })).toThrow(/override for layer "x", compute: .*Did you mean "float16"\?/);
    expect(() => base.with({ overrides: [{ match: 3 as never, format: "f32" }] })).toThrow(/expected a layer name or glob/);
  });
});

describe("immutability", () => {
  it("policies, their overrides and override matches are frozen", () => {
    const p = amp.policy("mixed_float16").with({ overrides: [{ match: { family: "norm" }, format: "f32" }] });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.overrides)).toBe(true);
    expect(Object.isFrozen(p.overrides[0])).toBe(true);
    expect(Object.isFrozen(p.overrides[0]!.match)).toBe(true);
    expect(Object.isFrozen(p.overrides[0]!.changes)).toBe(true);
    expect(() => {
      (p as unknown as { compute: unknown }).compute = formats.get("bf16");
    }).toThrow(TypeError);
    expect(() => {
      (p.overrides as unknown as unknown[]).push(1);
    }).toThrow(TypeError);
    expect(p.compute.name).toBe("float16");
  });

  it("presets are shared values that no caller can change", () => {
    expect(amp.policy("float16")).toBe(amp.policy("float16"));
    expect(Object.isFrozen(amp.presets())).toBe(true);
  });
});

describe("typos name what was wrong, the closest match and what is allowed", () => {
  it("an unknown preset", () => {
    let msg = "";
    try {
      amp.policy("mixed_flaot16");
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('Unknown policy "mixed_flaot16"');
    expect(msg).toContain('Did you mean "mixed_float16"?');
    expect(msg).toContain("float32, mixed_float16, mixed_bfloat16, float16, bfloat16, fp8_hybrid");
    expect(msg).toContain("float8_e4m3fn");
    expect(msg).toContain("params=float32,compute=float16,output=float32");
  });

  it("an unknown key", () => {
    expect(() => amp.policy("prams=float32")).toThrow(
      'Policy "prams=float32": unknown key "prams". Did you mean "params"? Keys: params (p), compute (c), backward (b), output (o), scaling (s).',
    );
    expect(() => amp.policy("p=f32,compte=f16")).toThrow(/unknown key "compte"\. Did you mean "compute"\?/);
  });

  it("an unknown format", () => {
    expect(() => amp.policy("p=f32,c=flaot16")).toThrow(/Policy "p=f32,c=flaot16", "c=flaot16": Unknown float format "flaot16"\. Did you mean "float16"\?/);
    expect(() => amp.policy({ compute: "bfloat61" })).toThrow(/amp\.policy, compute: .*Did you mean "bfloat16"\?/);
    expect(() => amp.policy("c=f64")).toThrow(/float64 is not emulated/);
  });

  it("malformed strings", () => {
    expect(() => amp.policy("p=f32,c")).toThrow(/"c" is not key=value/);
    expect(() => amp.policy("p=f32,p=f16")).toThrow(/params is given twice/);
    expect(() => amp.policy("p=")).toThrow(/"p=" has no value/);
    expect(() => amp.policy("s=delayd")).toThrow(/unknown scaling "delayd"\. Did you mean "delayed"\?/);
    expect(() => amp.policy({ compte: "f16" } as never)).toThrow(/unknown option "compte"\. Did you mean "compute"\?/);
    expect(() => amp.policy(42 as never)).toThrow(/amp\.policy expects/);
  });
});

describe("display", () => {
  it("renders a table of roles with each format's bits", () => {
    const b = amp.policy("mixed_float16")[DISPLAY]() as Record<string, string>;
    expect(b["text/plain"]).toBe("policy mixed_float16: params=float32,compute=float16,output=float32");
    const html = b["text/html"]!;
    expect(html).toContain("<table");
    expect(html).toMatch(/params<\/td><td[^>]*>float32<\/td><td[^>]*>32<\/td>/);
    expect(html).toMatch(/compute \(forward\)<\/td><td[^>]*>float16<\/td><td[^>]*>16<\/td>/);
    expect(html).not.toContain("compute (backward)");
    const fp8 = amp.policy("fp8_hybrid")[DISPLAY]() as Record<string, string>;
    expect(fp8["text/html"]).toMatch(/compute \(backward\)<\/td><td[^>]*>float8_e5m2<\/td><td[^>]*>8<\/td>/);
    expect(fp8["text/html"]).toContain("scaling: delayed");
  });

  it("lists overrides in the HTML", () => {
    const p = amp.policy("mixed_float16").with({ overrides: [{ match: { family: "norm" }, format: "f32" }] });
    const html = (p[DISPLAY]() as Record<string, string>)["text/html"]!;
    expect(html).toContain("overrides");
    expect(html).toContain("family norm");
  });

  it("serializes to JSON", () => {
    expect(JSON.parse(JSON.stringify(amp.policy("mixed_bfloat16")))).toEqual({
      params: "float32",
      compute: "bfloat16",
      backward: "bfloat16",
      output: "float32",
      scaling: "none",
      overrides: [],
    });
  });
});

describe("casts", () => {
  beforeAll(async () => {
    await backends.use("cpu");
  });

  it("round to each role's format and return new tensors", () => {
    const p = amp.policy("mixed_float16");
    const x = tf.tensor1d([1 + 2 ** -12, 70000]);
    const c = p.castToCompute(x);
    expect(Array.from(c.dataSync())).toEqual([1, Infinity]);
    const o = p.castToOutput(x);
    expect(o).not.toBe(x);
    expect(Array.from(o.dataSync())).toEqual([1 + 2 ** -12, 70000]);
    tf.dispose([x, c, o]);
  });
});
