// The figure layer: a plotly figure as a Jupyter display (DESIGN.md section 6). Its bundle holds
// application/vnd.plotly.v1+json (JupyterLab, VS Code), text/html that draws offline (plotly.js
// from the npm package, sent once per notebook: see plotly-js.ts) and a text/plain summary.
import { randomUUID } from "node:crypto";
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { figureText } from "./figure-text.js";
import { plotlyLoaderHtml, takePlotlyLoader } from "./plotly-js.js";
import type { Config, FigureJson, Layout, Trace } from "./plotly-types.js";
import { scriptJson } from "./text.js";
import { DEFAULT_HEIGHT, formatColor, template } from "./theme.js";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export interface FigureSpec {
  data: Trace[];
  layout?: Layout;
  config?: Config;
}

export interface FigureOptions {
  /** text/plain instead of the generated summary. */
  text?: string | (() => string);
  /** HTML shown above and below the plot (the text/html part only). */
  htmlBefore?: string;
  htmlAfter?: string;
}

const DEFAULT_CONFIG: Config = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d"],
  toImageButtonOptions: { format: "png", scale: 2 },
};

/** Typed arrays as plain arrays and non-finite numbers as null (a gap), so JSON keeps them. */
function jsonable(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => jsonable(typeof v === "bigint" ? Number(v) : v));
  }
  if (Array.isArray(value)) return value.map(jsonable);
  if (typeof value === "object" && value !== null) {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonable(v);
    return out;
  }
  return value;
}

/**
 * A trace named after a format or a policy preset ("float16", "mixed_bfloat16") takes that format's
 * color, as in every other figure, unless it has a color of its own.
 */
function formatColored(t: Trace): Trace {
  const marker = (t.marker ?? {}) as Record<string, unknown>;
  const line = (t.line ?? {}) as Record<string, unknown>;
  const color = typeof t.name === "string" ? formatColor(t.name) : null;
  if (color === null || marker.color !== undefined || line.color !== undefined || t.type === "heatmap" || t.type === "pie") return t;
  return { ...t, marker: { ...marker, color }, ...(t.type === undefined || t.type.startsWith("scatter") ? { line: { ...line, color } } : {}) };
}

/** The user's layout over tsamp's template and default size. */
function themedLayout(layout: Layout): Layout {
  return { template: template(), height: DEFAULT_HEIGHT, autosize: true, ...layout };
}

export class Figure {
  readonly data: readonly Trace[];
  readonly layout: Layout;
  readonly config: Config;
  readonly #options: FigureOptions;

  constructor(spec: FigureSpec, options: FigureOptions = {}) {
    if (typeof spec !== "object" || spec === null || !Array.isArray(spec.data)) {
      throw new TypeError("viz.figure expects { data: [traces], layout?, config? }, like Plotly.newPlot's arguments");
    }
    this.data = Object.freeze(spec.data.map((t) => formatColored(jsonable(t) as Trace)));
    this.layout = themedLayout((jsonable(spec.layout ?? {}) as Layout) ?? {});
    this.config = { ...DEFAULT_CONFIG, ...(spec.config ?? {}) };
    this.#options = options;
  }

  /** Height in pixels of the drawing area (the layout's, or the default). */
  get height(): number {
    const h = this.layout.height;
    return typeof h === "number" && h > 0 ? h : DEFAULT_HEIGHT;
  }

  toJSON(): FigureJson {
    return { data: [...this.data], layout: this.layout, config: this.config };
  }

  toString(): string {
    const t = this.#options.text;
    return t === undefined ? figureText(this.toJSON()) : typeof t === "function" ? t() : t;
  }

  /**
   * The HTML that draws the figure. With includePlotly "auto" (the default) it carries plotly.js
   * when this session has not sent it yet; true always carries it, false never.
   */
  toHtml(opts: { includePlotly?: boolean | "auto" } = {}): string {
    const include = opts.includePlotly ?? "auto";
    const loader = include === "auto" ? takePlotlyLoader() : include ? takePlotlyLoaderForced() : "";
    return (this.#options.htmlBefore ?? "") + loader + plotHtml(this.toJSON(), this.height) + (this.#options.htmlAfter ?? "");
  }

  /** The bundle: plotly JSON, offline HTML and a text summary. */
  [DISPLAY](): MimeBundle {
    return { [PLOTLY_MIME]: this.toJSON(), "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  /** console.log(figure) in a script prints the summary. */
  [INSPECT](): string {
    return this.toString();
  }
}

/** The loader even when it was sent before (marking it sent when it was not). */
function takePlotlyLoaderForced(): string {
  return takePlotlyLoader() || plotlyLoaderHtml();
}

const WAIT_NOTE =
  `<div style="font-size:12px;opacity:0.75;padding:8px 0">Waiting for plotly.js… It comes with the ` +
  `first figure of the notebook. If that output was cleared, run <code>viz.resetPlotlyInclusion()</code> ` +
  `and show this figure again.</div>`;

/**
 * A div and the script that draws into it once window.Plotly exists. The text color comes from the
 * page around the figure (light on dark themes, dark on light ones); everything else from the JSON.
 */
export function plotHtml(fig: FigureJson, height: number, id = `tsamp-plot-${randomUUID()}`): string {
  return (
    `<div class="tsamp-figure" style="width:100%">` +
    `<div id="${id}" class="tsamp-plot" style="width:100%;min-height:${Math.round(height)}px"></div>` +
    `<script type="text/javascript">(function () {\n` +
    `var id = ${JSON.stringify(id)};\n` +
    `var fig = ${scriptJson(fig)};\n` +
    `var note = ${scriptJson(WAIT_NOTE)};\n` +
    `function draw(el) {\n` +
    `  var t = fig.layout.template && fig.layout.template.layout;\n` +
    `  var color = window.getComputedStyle ? window.getComputedStyle(el).color : "";\n` +
    `  if (t && t.font && color) t.font.color = color;\n` +
    `  el.innerHTML = "";\n` +
    `  window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);\n` +
    `}\n` +
    `var tries = 0;\n` +
    `(function wait() {\n` +
    `  var el = document.getElementById(id);\n` +
    `  if (el && window.Plotly && window.Plotly.newPlot) return draw(el);\n` +
    `  tries += 1;\n` +
    `  if (!el && tries > 600) return;\n` +
    `  if (el && tries === 40) el.innerHTML = note;\n` +
    `  setTimeout(wait, tries < 40 ? 50 : 500);\n` +
    `})();\n` +
    `})();</script></div>`
  );
}

/** A figure from plotly's { data, layout, config }, themed for light and dark notebooks. */
export function figure(spec: FigureSpec, options?: FigureOptions): Figure {
  return new Figure(spec, options);
}
