// viz.heatmap: a value per (row, column), e.g. per layer and format for amp.advise (underflow
// share, relative error, amax). Rows read top to bottom in the order given, each cell labeled with
// its value when the grid is small enough to read; missing values (null, NaN) stay blank.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { Figure } from "./figure.js";
import { escapeHtml, num, textTable } from "./text.js";

export interface HeatmapOptions {
  rows: readonly string[];
  columns: readonly string[];
  /** values[row][column]; null or NaN for "no value". */
  values: ReadonlyArray<ReadonlyArray<number | null>>;
  title?: string;
  /** A second, smaller title line (what was measured, at which settings). */
  subtitle?: string;
  /** What the values are (the color bar's title), e.g. "underflow %". */
  label?: string;
  /** Plotly colorscale name or stops (default "Viridis"; a diverging one when zmid is set). */
  colorscale?: string | Array<[number, string]>;
  zmin?: number;
  zmax?: number;
  /** Center of a diverging scale. */
  zmid?: number;
  /** Color by log10 of the values (for errors spanning decades); labels keep the values. */
  log?: boolean;
  /** Cell labels instead of the values. */
  text?: ReadonlyArray<ReadonlyArray<string>>;
}

function check(o: HeatmapOptions): void {
  if (typeof o !== "object" || o === null || !Array.isArray(o.rows) || !Array.isArray(o.columns) || !Array.isArray(o.values)) {
    throw new TypeError("viz.heatmap expects { rows: string[], columns: string[], values: number[][] }");
  }
  if (o.values.length !== o.rows.length) {
    throw new RangeError(`viz.heatmap: ${o.rows.length} rows but values has ${o.values.length}`);
  }
  o.values.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== o.columns.length) {
      throw new RangeError(`viz.heatmap: row ${i} ("${o.rows[i]}") has ${Array.isArray(r) ? r.length : "no"} values for ${o.columns.length} columns`);
    }
  });
}

function finite(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

export class Heatmap {
  readonly options: HeatmapOptions;
  readonly figure: Figure;

  constructor(o: HeatmapOptions) {
    check(o);
    this.options = o;
    const z = o.values.map((r) => r.map((v) => (finite(v) ? (o.log ? (v > 0 ? Math.log10(v) : null) : v) : null)));
    const text = o.text ?? o.values.map((r) => r.map((v) => (finite(v) ? num(v, 3) : "")));
    const cells = o.rows.length * o.columns.length;
    const label = o.label ?? "value";
    const longest = Math.max(4, ...o.rows.map((r) => r.length));
    const colorbarTicks = o.log ? logTicks(z) : {};
    const figure = {
      data: [
        {
          type: "heatmap",
          x: [...o.columns],
          y: [...o.rows],
          z,
          text,
          customdata: o.values.map((r) => r.map((v) => (finite(v) ? v : null))),
          texttemplate: cells <= 600 ? "%{text}" : undefined,
          textfont: { size: 11 },
          colorscale: o.colorscale ?? (o.zmid !== undefined ? "RdBu" : "Viridis"),
          reversescale: o.zmid !== undefined && o.colorscale === undefined,
          zmin: o.zmin === undefined ? undefined : o.log ? Math.log10(o.zmin) : o.zmin,
          zmax: o.zmax === undefined ? undefined : o.log ? Math.log10(o.zmax) : o.zmax,
          zmid: o.zmid,
          xgap: 1,
          ygap: 1,
          hoverongaps: false,
          colorbar: { title: { text: escapeHtml(label), side: "right" }, outlinewidth: 0, thickness: 12, ...colorbarTicks },
          hovertemplate: `%{y} · %{x}<br>${escapeHtml(label)}: %{text}<extra></extra>`,
        },
      ],
      layout: {
        title: { text: escapeHtml(o.title ?? "per-layer heatmap") + (o.subtitle ? `<br><sup>${escapeHtml(o.subtitle)}</sup>` : "") },
        height: Math.min(1400, 140 + 26 * o.rows.length),
        margin: { t: 56, b: 50, l: Math.min(320, 16 + 7 * longest), r: 24 },
        xaxis: { side: "bottom", showgrid: false, ticks: "", tickangle: o.columns.some((c) => c.length > 10) ? -30 : 0 },
        yaxis: { autorange: "reversed", showgrid: false, ticks: "" },
      },
    };
    this.figure = new Figure(figure, { text: () => this.toString() });
  }

  toString(): string {
    const o = this.options;
    const header = ["", ...o.columns];
    const rows = o.rows.map((r, i) => [r, ...o.values[i]!.map((v) => (finite(v) ? num(v, 3) : "-"))]);
    return `${o.title ?? "per-layer heatmap"}${o.label ? ` (${o.label})` : ""}${o.subtitle ? `\n${o.subtitle}` : ""}\n${textTable(header, rows)}`;
  }

  [DISPLAY](): MimeBundle {
    return this.figure[DISPLAY]();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Color bar ticks at powers of ten for a log-colored heatmap. */
function logTicks(z: Array<Array<number | null>>): Record<string, unknown> {
  const vals = z.flat().filter(finite);
  if (vals.length === 0) return {};
  const lo = Math.floor(Math.min(...vals));
  const hi = Math.ceil(Math.max(...vals));
  const tickvals: number[] = [];
  for (let e = lo; e <= hi; e++) tickvals.push(e);
  return { tickvals, ticktext: tickvals.map((e) => `1e${e}`) };
}

export function heatmap(o: HeatmapOptions): Heatmap {
  return new Heatmap(o);
}
