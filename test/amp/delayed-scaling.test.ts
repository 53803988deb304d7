// fp8 delayed scaling per tensor (Transformer Engine's DelayedScaling): the amax window, max vs
// most_recent, margin, and the scale kept when amax is 0 or not finite.
import { describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, formats } from "../../lib/index.js";

const E4M3_MAX = 448;
const E5M2_MAX = 57344;

describe("delayed scaling", () => {
  it("has TE's defaults: history 1024, max, margin 0; e4m3 unless told", () => {
    const ds = amp.delayedScaling();
    expect(ds.options.historyLength).toBe(1024);
    expect(ds.options.algorithm).toBe("max");
    expect(ds.options.margin).toBe(0);
    expect(ds.options.format.name).toBe("float8_e4m3fn");
  });

  it("starts at scale 1 and sets scale = fmt.max / amax", () => {
    const ds = amp.delayedScaling();
    expect(ds.scaleFor("x")).toBe(1);
    expect(ds.update("x", 2)).toBe(224);
    expect(ds.scaleFor("x")).toBe(224);
    expect(ds.update("x", 3)).toBe(Math.fround(E4M3_MAX / 3));
    expect(ds.tensor("x").scaleInv).toBe(Math.fround(1 / Math.fround(E4M3_MAX / 3)));
  });

  it("max takes the largest amax in the window; most_recent the newest", () => {
    const max = amp.delayedScaling();
    const recent = amp.delayedScaling({ algorithm: "most_recent" });
    const amaxes = [2, 4, 1, 8, 0.5];
    const maxScales = amaxes.map((a) => max.update("w", a));
    const recentScales = amaxes.map((a) => recent.update("w", a));
    expect(maxScales).toEqual([224, 112, 112, 56, 56]);
    expect(recentScales).toEqual([224, 112, 448, 56, 896]);
  });

  it("forgets amaxes older than the window", () => {
    const ds = amp.delayedScaling({ historyLength: 3 });
    // windows: [8] [8,1] [8,1,1] [1,1,1] [1,1,2]
    expect([8, 1, 1, 1, 2].map((a) => ds.update("x", a))).toEqual([56, 56, 56, 448, 224]);
    expect(ds.tensor("x").history).toEqual([1, 1, 2]);
    expect(ds.tensor("x").updates).toBe(5);
    expect(ds.tensor("x").amax).toBe(2);
  });

  it("divides by 2^margin", () => {
    const ds = amp.delayedScaling({ margin: 2 });
    expect(ds.update("x", 2)).toBe(448 / 2 / 4);
    const neg = amp.delayedScaling({ margin: -1 });
    expect(neg.update("x", 2)).toBe(448);
  });

  it("keeps the previous scale when amax is 0, inf or NaN", () => {
    const ds = amp.delayedScaling({ algorithm: "most_recent" });
    expect(ds.update("x", 0)).toBe(1); // nothing to go on yet: TE's initial 1
    expect(ds.tensor("x").amax).toBeNull();
    expect(ds.update("x", 4)).toBe(112);
    expect(ds.update("x", 0)).toBe(112);
    expect(ds.update("x", Infinity)).toBe(112);
    expect(ds.update("x", NaN)).toBe(112);
    expect(ds.update("x", 7)).toBe(64);
  });

  it("with max, a non-finite amax holds the scale until it leaves the window (as TE's torch.max)", () => {
    const ds = amp.delayedScaling({ historyLength: 2 });
    expect(ds.update("x", 2)).toBe(224);
    expect(ds.update("x", Infinity)).toBe(224); // window [2, inf]
    expect(ds.update("x", 4)).toBe(224); // window [inf, 4]
    expect(ds.update("x", 4)).toBe(112); // window [4, 4]
    expect(ds.update("x", NaN)).toBe(112); // window [4, NaN]: NaN propagates, kept
    expect(ds.update("x", 1)).toBe(112); // window [NaN, 1]: still NaN, kept
    expect(ds.update("x", 1)).toBe(448); // window [1, 1]
  });

  it("clamps a scale that overflows float32 to float32 max", () => {
    const ds = amp.delayedScaling();
    expect(ds.update("tiny", 1e-45)).toBe(3.4028234663852886e38);
  });

  it("keeps a format per tensor: e4m3 forward, e5m2 for gradients", () => {
    const ds = amp.delayedScaling();
    ds.track("grad", "e5m2");
    expect(ds.update("grad", 2)).toBe(E5M2_MAX / 2);
    expect(ds.update("act", 2, formats.get("e4m3"))).toBe(224);
    expect(ds.tensor("grad").format.name).toBe("float8_e5m2");
    expect(() => ds.update("grad", 1, "e4m3")).toThrow(/tracked as float8_e5m2, not float8_e4m3fn/);
    expect(ds.names).toEqual(["grad", "act"]);
  });

  it("shows its state as a table", () => {
    const ds = amp.delayedScaling();
    ds.update("fc1/x", 2);
    ds.update("fc1/dy", 0.5, "e5m2");
    const st = ds.state;
    expect(st.tensors.map((t) => t.name)).toEqual(["fc1/x", "fc1/dy"]);
    expect(st.get("fc1/dy")!.scale).toBe(E5M2_MAX * 2);
    const b = ds[DISPLAY]() as Record<string, string>;
    expect(b["text/plain"]).toContain("delayed scaling (max over 1024, margin 0)");
    expect(b["text/plain"]).toMatch(/fc1\/x\s+float8_e4m3fn\s+224\s+2\s+2\s+1/);
    expect(b["text/html"]).toContain("<table");
    expect(b["text/html"]).toContain("float8_e5m2");
    expect((ds.tensor("fc1/x")[DISPLAY]() as Record<string, string>)["text/plain"]).toContain("fc1/x");
    expect(Object.isFrozen(st.tensors[0]!.history)).toBe(true);
  });

  it("checks its options and inputs", () => {
    expect(() => amp.delayedScaling({ historyLength: 0 })).toThrow(/historyLength must be a positive integer/);
    expect(() => amp.delayedScaling({ algorithm: "maxx" as never })).toThrow(/unknown algorithm "maxx"\. Did you mean "max"\?/);
    expect(() => amp.delayedScaling({ margin: NaN })).toThrow(/margin must be a finite number/);
    expect(() => amp.delayedScaling({ histroyLength: 3 } as never)).toThrow(/Did you mean "historyLength"\?/);
    expect(() => amp.delayedScaling({ format: "float8_e4m3" })).toThrow(/Did you mean "float8_e4m3fn"\?/);
    const ds = amp.delayedScaling();
    expect(() => ds.update("x", -1)).toThrow(/never negative/);
    ds.update("weight", 1);
    expect(() => ds.tensor("wieght")).toThrow(/no tensor "wieght"\. Did you mean "weight"\?/);
  });

  it("reset forgets tensors", () => {
    const ds = amp.delayedScaling();
    ds.update("a", 2);
    ds.update("b", 2);
    ds.reset("a");
    expect(ds.scaleFor("a")).toBe(1);
    expect(ds.scaleFor("b")).toBe(224);
    ds.reset();
    expect(ds.names).toEqual([]);
  });
});
