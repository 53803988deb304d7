// The figure layer: the bundle's three parts, offline HTML with plotly.js sent once per session,
// the theme, and a text summary that says what the figure shows.
import { beforeEach, describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { viz } from "../../lib/index.js";
import { PLOTLY_MIME } from "../../lib/viz/figure.js";
import { plotlySource } from "../../lib/viz/plotly-js.js";
import type { FigureJson } from "../../lib/viz/plotly-types.js";
import { html, plotlyCopies } from "./helpers.js";

const simple = () =>
  viz.figure({
    data: [
      { type: "scatter", name: "train loss", x: [0, 1, 2, 3], y: [2.5, 1.25, 0.75, 0.5] },
      { type: "scatter", name: "val loss", x: [0, 3], y: [2.4, 0.625] },
    ],
    layout: { title: { text: "Loss" }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" }, type: "log" } },
  });

beforeEach(() => viz.resetPlotlyInclusion());

describe("viz.figure bundle", () => {
  it("has the plotly JSON, HTML and text mimetypes", () => {
    const b = simple()[DISPLAY]();
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"].sort());
    const fig = b[PLOTLY_MIME] as FigureJson;
    expect(fig.data).toHaveLength(2);
    expect(fig.data[0]!.y).toEqual([2.5, 1.25, 0.75, 0.5]);
    expect(fig.layout.title).toEqual({ text: "Loss" });
    expect(fig.config.displaylogo).toBe(false);
    // The JSON is plain data: it survives a round trip unchanged (what a saved notebook holds).
    expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
  });

  it("is themed for light and dark: transparent backgrounds, neutral grid, the palette", () => {
    const fig = simple().toJSON();
    const t = (fig.layout.template as { layout: Record<string, unknown> }).layout;
    expect(t.paper_bgcolor).toBe("rgba(0,0,0,0)");
    expect(t.plot_bgcolor).toBe("rgba(0,0,0,0)");
    expect((t.xaxis as { gridcolor: string }).gridcolor).toMatch(/^rgba\(128,128,128,/);
    expect(t.colorway).toEqual([...viz.theme.palette]);
    // The user's own layout wins over the template.
    const own = viz.figure({ data: [], layout: { paper_bgcolor: "white", height: 200 } }).toJSON();
    expect(own.layout.paper_bgcolor).toBe("white");
    expect(own.layout.height).toBe(200);
  });

  it("formats keep one color everywhere; runs named after presets take their format's", () => {
    expect(viz.theme.formatColor("fp16")).toBe(viz.theme.formats.float16);
    expect(viz.theme.formatColor("mixed_float16")).toBe(viz.theme.formats.float16);
    expect(viz.theme.formatColor("mixed_bfloat16")).toBe(viz.theme.formats.bfloat16);
    expect(viz.theme.formatColor("e4m3")).toBe(viz.theme.formats.float8_e4m3fn);
    expect(new Set(Object.values(viz.theme.formats)).size).toBe(Object.keys(viz.theme.formats).length);
    // The bit colors are inspect()'s diagram's.
    const diagram = String(viz.bits(1.5, ["float16"])[DISPLAY]()["text/html"]);
    for (const c of Object.values(viz.theme.bits)) expect(diagram).toContain(c);
  });

  it("text/plain summarizes: title, each series with its size, ranges and last value, axes", () => {
    const text = String(simple()[DISPLAY]()["text/plain"]);
    expect(text).toBe(
      [
        "Figure: Loss",
        "  train loss (scatter, 4 points): x 0 … 3, y 0.5 … 2.5, last 0.5 at 3",
        "  val loss (scatter, 2 points): x 0 … 3, y 0.625 … 2.4, last 0.625 at 3",
        "  axes: x: step; y: loss (log)",
      ].join("\n"),
    );
    expect(text).not.toContain("{");
    expect(String(simple())).toBe(text);
  });

  it("takes typed arrays and turns non-finite numbers into gaps", () => {
    const fig = viz.figure({ data: [{ x: new Float32Array([1, 2, 3]), y: [1, NaN, Infinity] }] }).toJSON();
    expect(fig.data[0]!.x).toEqual([1, 2, 3]);
    expect(fig.data[0]!.y).toEqual([1, null, null]);
  });

  it("rejects what is not a figure, saying what it expects", () => {
    expect(() => viz.figure({} as never)).toThrow(/data: \[traces\]/);
  });
});

describe("plotly.js in the HTML", () => {
  it("comes with the first figure only, across several figures", () => {
    const bundles = [simple(), simple(), viz.heatmap({ rows: ["a"], columns: ["b"], values: [[1]] }), simple()].map((f) => f[DISPLAY]());
    const copies = bundles.map((b) => plotlyCopies(html(b)));
    expect(copies).toEqual([1, 0, 0, 0]);
    expect(viz.plotlyIncluded()).toBe(true);
    // The first carries the library itself, guarded so a second copy on the page does nothing.
    expect(html(bundles[0]!).length).toBeGreaterThan(plotlySource().length);
    expect(html(bundles[0]!)).toContain("if (!window.Plotly)");
    // Later figures are a div and a script that waits for window.Plotly.
    for (const b of bundles.slice(1)) {
      expect(html(b).length).toBeLessThan(20_000);
      expect(html(b)).toMatch(/window\.Plotly && window\.Plotly\.newPlot/);
      expect(html(b)).toMatch(/<div id="tsamp-plot-[0-9a-f-]+" class="tsamp-plot"/);
    }
  });

  it("comes again after resetPlotlyInclusion()", () => {
    expect(plotlyCopies(html(simple()[DISPLAY]()))).toBe(1);
    expect(plotlyCopies(html(simple()[DISPLAY]()))).toBe(0);
    viz.resetPlotlyInclusion();
    expect(plotlyCopies(html(simple()[DISPLAY]()))).toBe(1);
  });

  it("comes again when the cell that carried it runs again (its output is replaced)", () => {
    const kernel = Symbol.for("tsamp.kernel");
    const scope = globalThis as unknown as Record<symbol, unknown>;
    const run = (cell: { id?: string; code: string; execution: string }) => {
      scope[kernel] = { cell: { id: undefined, ...cell } };
      return plotlyCopies(html(simple()[DISPLAY]()));
    };
    try {
      // JupyterLab sends cell ids: cell A carries it; B does not; A again (Run All) carries it again.
      expect(run({ id: "A", code: "fig", execution: "m1" })).toBe(1);
      expect(run({ id: "A", code: "fig", execution: "m1" })).toBe(0); // a second figure of the same execution
      expect(run({ id: "B", code: "fig", execution: "m2" })).toBe(0); // same code, another cell
      expect(run({ id: "A", code: "edited", execution: "m3" })).toBe(1);
      expect(run({ id: "B", code: "fig", execution: "m4" })).toBe(0);
      // Without cell ids (classic Notebook, nbclient) the same code stands for the same cell.
      viz.resetPlotlyInclusion();
      expect(run({ code: "first", execution: "n1" })).toBe(1);
      expect(run({ code: "second", execution: "n2" })).toBe(0);
      expect(run({ code: "first", execution: "n3" })).toBe(1);
    } finally {
      delete scope[kernel];
    }
  });

  it("never lets data close the script element", () => {
    const f = viz.figure({ data: [{ name: "</script><script>alert(1)</script>", y: [1] }], layout: { title: { text: "<b>x</b> & y" } } });
    const h = f.toHtml({ includePlotly: false });
    expect(h.match(/<\/script>/g)).toHaveLength(1); // only the figure's own
    expect(h).toContain("\\u003c/script\\u003e");
    expect(plotlySource()).not.toMatch(/<\/script/i);
  });

  it("each figure gets its own element id", () => {
    const ids = [simple(), simple()].map((f) => /id="(tsamp-plot-[^"]+)"/.exec(f.toHtml({ includePlotly: false }))![1]);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("format colors in user figures", () => {
  it("a trace named after a format or preset takes its color, unless it has one", () => {
    const fig = viz.figure({
      data: [
        { name: "mixed_float16", y: [1] },
        { name: "bf16", type: "bar", y: [1] },
        { name: "float16", y: [1], line: { color: "black" } },
        { name: "something else", y: [1] },
      ],
    }).toJSON();
    expect(fig.data[0]!.line).toEqual({ color: viz.theme.formats.float16 });
    expect(fig.data[0]!.marker).toEqual({ color: viz.theme.formats.float16 });
    expect(fig.data[1]!.marker).toEqual({ color: viz.theme.formats.bfloat16 });
    expect(fig.data[1]!.line).toBeUndefined();
    expect(fig.data[2]!.line).toEqual({ color: "black" });
    expect(fig.data[3]!.marker).toBeUndefined();
  });
});

describe("outside Jupyter", () => {
  it("console.log prints the text summary, not the object", async () => {
    const { inspect } = await import("node:util");
    const f = simple();
    expect(inspect(f)).toBe(f.toString());
    const b = viz.breakdown([1, 2], { formats: ["float16"] });
    expect(inspect(b)).toBe(b.toString());
    const h = viz.heatmap({ rows: ["a"], columns: ["b"], values: [[1]] });
    expect(inspect(h)).toBe(h.toString());
  });
});
