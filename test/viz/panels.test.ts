// The scaler state panel and the per-layer heatmap: data read from known inputs, text and HTML.
import { describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, viz } from "../../lib/index.js";
import { PLOTLY_MIME } from "../../lib/viz/figure.js";
import type { FigureJson, Trace } from "../../lib/viz/plotly-types.js";
import { trackerAfter } from "../../lib/viz/scaler-panel.js";

const fig = (x: { [DISPLAY](): Record<string, unknown> }) => x[DISPLAY]()[PLOTLY_MIME] as FigureJson;
const byName = (f: FigureJson, prefix: string): Trace => f.data.find((t) => String(t.name).startsWith(prefix))!;

describe("viz.scaler", () => {
  const run = () => {
    const s = amp.lossScale.dynamic({ growthInterval: 4, init: 2 ** 10 });
    const infs = [false, true, false, false, false, false, false, false, true, false];
    for (const inf of infs) s.update(inf);
    return s;
  };

  it("draws the scale on a log2 axis, overflows and growths where they happened", () => {
    const s = run();
    const f = fig(viz.scaler(s));
    const scale = byName(f, "loss scale");
    // 2^10; overflow at step 1 -> 2^9 from step 2; four finite steps (2..5) -> 2^10 from step 6;
    // overflow at step 8 -> 2^9 from step 9; the last point is the scale now.
    expect(scale.x).toEqual([0, 2, 6, 9, 10]);
    expect(scale.customdata).toEqual([2 ** 10, 2 ** 9, 2 ** 10, 2 ** 9, 2 ** 9]);
    expect(scale.y).toEqual([10, 9, 10, 9, 9]);
    expect(scale.line).toMatchObject({ shape: "hv" });
    expect(byName(f, "overflow").x).toEqual([1, 8]);
    expect(byName(f, "growth").x).toEqual([5]);
    const yaxis = f.layout.yaxis as { tickvals: number[]; ticktext: string[] };
    expect(yaxis.ticktext).toContain("2<sup>10</sup>");
  });

  it("reconstructs the growth tracker the scaler kept", () => {
    const s = amp.lossScale.dynamic({ growthInterval: 3 });
    const seen: number[] = [];
    const pattern = [false, false, true, false, false, false, false, false, true, false, false];
    for (const inf of pattern) {
      s.update(inf);
      seen.push(s.state.growthTracker);
    }
    expect(trackerAfter(s.state.history, s.state.scale)).toEqual(seen);
    const tracker = byName(fig(viz.scaler(s.state)), "growth tracker");
    expect(tracker.yaxis).toBe("y2");
    expect(tracker.y![(tracker.y as number[]).length - 1]).toBe(s.state.growthTracker);
  });

  it("keeps the figure small for long histories: change points only", () => {
    const s = amp.lossScale.dynamic({ growthInterval: 1000 });
    for (let i = 0; i < 20_000; i++) s.update(i % 3001 === 0);
    const f = fig(viz.scaler(s));
    expect((byName(f, "loss scale").x as number[]).length).toBeLessThan(40);
    expect((byName(f, "growth tracker").x as number[]).length).toBeLessThan(100);
    expect(JSON.stringify(f).length).toBeLessThan(20_000);
  });

  it("reads as the scaler's summary, with the table under the figure", () => {
    const s = run();
    const b = viz.scaler(s)[DISPLAY]();
    expect(b["text/plain"]).toBe(s.state.toString());
    expect(String(b["text/html"])).toContain("tsamp-scaler");
    expect(String(b["text/html"])).toContain("tsamp-plot");
  });

  it("static scalers have no tracker panel", () => {
    const s = amp.lossScale.static(128);
    s.update(false);
    s.update(true);
    const f = fig(viz.scaler(s));
    expect(f.data.some((t) => t.name === "growth tracker")).toBe(false);
    expect(byName(f, "overflow").x).toEqual([1]);
  });

  it("says what it expects when given something else", () => {
    expect(() => viz.scaler({} as never)).toThrow(/loss scaler or its state/);
  });
});

describe("viz.heatmap", () => {
  const h = () =>
    viz.heatmap({
      rows: ["conv1", "fc1"],
      columns: ["float16", "e4m3"],
      values: [
        [0.5, 12],
        [null, 40.5],
      ],
      title: "underflow per layer",
      label: "underflow %",
    });

  it("has rows top to bottom, values as z and labels, gaps for missing values", () => {
    const f = fig(h());
    const t = f.data[0]!;
    expect(t.type).toBe("heatmap");
    expect(t.y).toEqual(["conv1", "fc1"]);
    expect(t.x).toEqual(["float16", "e4m3"]);
    expect(t.z).toEqual([
      [0.5, 12],
      [null, 40.5],
    ]);
    expect(t.text).toEqual([
      ["0.5", "12"],
      ["", "40.5"],
    ]);
    expect((f.layout.yaxis as { autorange: string }).autorange).toBe("reversed");
  });

  it("reads as a text table", () => {
    expect(String(h())).toBe(
      ["underflow per layer (underflow %)", "       float16  e4m3", "-----  -------  ----", "conv1  0.5      12", "fc1    -        40.5"].join("\n"),
    );
  });

  it("puts a subtitle under the title, escaped, and on the text's second line", () => {
    const map = viz.heatmap({ rows: ["a"], columns: ["x"], values: [[1]], title: "t", subtitle: "at scale <2^16>" });
    expect((fig(map).layout.title as { text: string }).text).toBe("t<br><sup>at scale &#60;2^16&#62;</sup>");
    expect(String(map).split("\n").slice(0, 2)).toEqual(["t", "at scale <2^16>"]);
  });

  it("colors by log10 when asked, labels keep the values", () => {
    const t = fig(viz.heatmap({ rows: ["a"], columns: ["x", "y"], values: [[1e-6, 1e-2]], log: true })).data[0]!;
    expect(t.z).toEqual([[-6, -2]]);
    expect(t.text).toEqual([["1e-6", "0.01"]]);
  });

  it("checks the shape of values", () => {
    expect(() => viz.heatmap({ rows: ["a", "b"], columns: ["x"], values: [[1]] })).toThrow(/2 rows but values has 1/);
    expect(() => viz.heatmap({ rows: ["a"], columns: ["x", "y"], values: [[1]] })).toThrow(/row 0 \("a"\) has 1 values for 2 columns/);
  });
});

describe("viz.bits and viz.table", () => {
  it("reuse inspect() and formats.table()", () => {
    const b = viz.bits(0.1, ["float16", "bf16"]);
    expect(String(b)).toContain("0.1 in float16 (e5m10, bias 15, ieee)");
    expect(String(b)).toContain("0.1 in bfloat16");
    expect(String(b[DISPLAY]()["text/html"])).toContain("tsamp-inspect");
    const t = viz.table(["float16", "e4m3"]);
    expect(String(t)).toMatch(/^float16\s+16\s+5\s+10\s+15/m);
  });
});
