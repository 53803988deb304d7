// viz.breakdown: where values land in each format, exact for values placed in known regions,
// relative error as quantize() makes it, and zeros counted apart.
import { describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { formats, tf, viz } from "../../lib/index.js";
import { overflowThreshold } from "../../lib/viz/breakdown-data.js";
import { PLOTLY_MIME } from "../../lib/viz/figure.js";
import type { FigureJson } from "../../lib/viz/plotly-types.js";

const KNOWN = [2 ** -30, 2 ** -20, 1, 1e5];

describe("viz.breakdown", () => {
  it("gives exact shares for values in known float16 regions", () => {
    const t = tf.tensor1d(KNOWN);
    const b = viz.breakdown(t, { formats: ["float16", "bfloat16", "e4m3"] });
    t.dispose();
    expect(b.size).toBe(4);
    expect(b.zeros).toBe(0);
    const f16 = b.format("float16")!;
    expect(f16.counts).toEqual({ underflow: 1, subnormal: 1, normal: 1, overflow: 1 });
    expect(f16.shares).toEqual({ underflow: 0.25, subnormal: 0.25, normal: 0.25, overflow: 0.25 });
    // bfloat16 has float32's range: everything is normal.
    expect(b.format("bf16")!.shares).toEqual({ underflow: 0, subnormal: 0, normal: 1, overflow: 0 });
    // e4m3: 2^-20 is below half its smallest subnormal (2^-10) too; 1e5 is past 448.
    expect(b.format("e4m3")!.counts).toEqual({ underflow: 2, subnormal: 0, normal: 1, overflow: 1 });
  });

  it("counts zeros and non-finite values apart: shares are of the rest, as amp.advise's", () => {
    const b = viz.breakdown([0, 0, ...KNOWN, -0, Infinity, NaN, -1], { formats: ["float16"] });
    expect(b.size).toBe(10);
    expect(b.zeros).toBe(3);
    expect(b.nonFinite).toBe(2);
    const f16 = b.format("float16")!;
    expect(f16.counts).toEqual({ underflow: 1, subnormal: 1, normal: 2, overflow: 1 });
    expect(f16.shares.normal).toBe(0.4);
    expect(Object.values(f16.shares).reduce((a, c) => a + c, 0)).toBe(1);
    const total = Object.values(f16.counts).reduce((a, c) => a + c, 0) + b.zeros + b.nonFinite;
    expect(total).toBe(b.size);
  });

  it("puts the region boundaries exactly where rounding puts them", () => {
    // float16: 2^-25 rounds to 0 (tie to even), just above it to the smallest subnormal;
    // 65519.99 rounds to 65504, 65520 (the tie) to inf.
    const f16 = (xs: number[]) => viz.breakdown(xs, { formats: ["float16"] }).format("float16")!.counts;
    expect(f16([2 ** -25])).toMatchObject({ underflow: 1 });
    expect(f16([2 ** -25 * (1 + 2 ** -20)])).toMatchObject({ subnormal: 1 });
    expect(f16([2 ** -14 * (1 - 2 ** -20)])).toMatchObject({ subnormal: 1 });
    expect(f16([2 ** -14])).toMatchObject({ normal: 1 });
    expect(f16([65519.99])).toMatchObject({ normal: 1 });
    expect(f16([65520])).toMatchObject({ overflow: 1 });
    expect(f16([-65520])).toMatchObject({ overflow: 1 });
    // e4m3fn: 464 ties to even 448 (no overflow); above it overflows (to NaN).
    const e4 = (xs: number[]) => viz.breakdown(xs, { formats: ["e4m3"] }).format("e4m3")!.counts;
    expect(e4([464])).toMatchObject({ normal: 1, overflow: 0 });
    expect(e4([464.5])).toMatchObject({ overflow: 1 });
    expect(overflowThreshold(formats.get("float16"))).toEqual({ from: 65520, inclusive: true });
    expect(overflowThreshold(formats.get("e4m3"))).toEqual({ from: 464, inclusive: false });
    expect(overflowThreshold(formats.get("float32")).from).toBe(Infinity);
  });

  it("measures relative error with quantize, over the representable values", () => {
    const xs = [1 / 3, 0.1, 3.14159, 1000.7];
    const b = viz.breakdown(xs, { formats: ["float16", "bfloat16"] });
    for (const name of ["float16", "bfloat16"]) {
      const f = formats.get(name);
      const errs = xs.map((x) => Math.fround(x)).map((x) => Math.abs(f.round(x) - x) / Math.abs(x));
      const r = b.format(name)!.relError!;
      expect(r.max).toBeCloseTo(Math.max(...errs), 12);
      expect(r.mean).toBeCloseTo(errs.reduce((a, e) => a + e, 0) / errs.length, 12);
      expect(r.max).toBeLessThanOrEqual(f.epsilon / 2);
    }
    // Nothing representable: no error to speak of.
    expect(viz.breakdown([1e-30], { formats: ["float16"] }).format("float16")!.relError).toBeNull();
  });

  it("scales values first when asked (a loss scale moving gradients into range)", () => {
    const grads = [2 ** -27, 2 ** -26, 2 ** -20];
    const plain = viz.breakdown(grads, { formats: ["float16"] }).format("float16")!;
    const scaled = viz.breakdown(grads, { formats: ["float16"], scale: 2 ** 16 }).format("float16")!;
    expect(plain.counts).toEqual({ underflow: 2, subnormal: 1, normal: 0, overflow: 0 });
    expect(scaled.counts).toEqual({ underflow: 0, subnormal: 0, normal: 3, overflow: 0 });
  });

  it("histograms log2|x| split by region, one row of bars per format", () => {
    const b = viz.breakdown(KNOWN, { formats: ["float16", "e4m3"], binsPerOctave: 1 });
    expect(b.data.edges[0]).toBe(-30);
    const f16 = b.format("float16")!;
    const sums = Object.fromEntries(Object.entries(f16.histogram).map(([r, c]) => [r, c.reduce((a, x) => a + x, 0)]));
    expect(sums).toEqual(f16.counts);
    // 2^-30 is in the first bin, 2^-20 in bin 10, 1 in bin 30, 1e5 (2^16.6) in bin 46.
    expect(f16.histogram.underflow[0]).toBe(1);
    expect(f16.histogram.subnormal[10]).toBe(1);
    expect(f16.histogram.normal[30]).toBe(1);
    expect(f16.histogram.overflow[46]).toBe(1);

    const fig = b[DISPLAY]()[PLOTLY_MIME] as FigureJson;
    const bars = fig.data.filter((t) => t.type === "bar");
    expect(bars).toHaveLength(8); // 4 regions x 2 formats, stacked
    expect(fig.layout.barmode).toBe("stack");
    expect(new Set(bars.map((t) => t.yaxis))).toEqual(new Set(["y", "y2"]));
    expect(bars.filter((t) => t.showlegend).map((t) => t.name)).toEqual([
      "underflow (rounds to 0)",
      "subnormal",
      "normal",
      "overflow (past max)",
    ]);
    // Regions shaded: rectangles in the region colors behind each row.
    const rects = (fig.layout.shapes as Array<{ type: string; fillcolor?: string }>).filter((s) => s.type === "rect");
    expect(rects.length).toBeGreaterThanOrEqual(6);
    // Percent of all values: each value is 25%; a bar only where its region has values.
    const normal = bars.find((t) => t.name === "normal" && t.yaxis === "y")!;
    expect(normal.x).toEqual([0.5]); // the bin [0, 1): log2(1) = 0
    expect(normal.y).toEqual([25]);
    expect(normal.customdata).toEqual([1]);
  });

  it("reads as text: the summary and a table of shares and errors", () => {
    const b = viz.breakdown([0, ...KNOWN], { formats: ["float16", "bfloat16"], title: "known values" });
    const text = String(b[DISPLAY]()["text/plain"]);
    expect(text.split("\n")[0]).toBe("known values: 5 values · zeros 1 (20.0%), counted apart · |x| from 2^-30 to 2^16.6");
    expect(text).toMatch(/^float16\s+25\.0%\s+25\.0%\s+25\.0%\s+25\.0%/m);
    expect(text).toMatch(/^bfloat16\s+0%\s+0%\s+100%\s+0%/m);
    const htmlText = String(b[DISPLAY]()["text/html"]);
    expect(htmlText).toContain("tsamp-breakdown-table");
  });

  it("leaves no tensors behind", () => {
    const t = tf.randomNormal([1000]);
    const before = tf.memory().numTensors;
    viz.breakdown(t, { formats: ["float16", "e4m3", "e5m2"] });
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});
