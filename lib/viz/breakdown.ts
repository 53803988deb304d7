// viz.breakdown(tensor, { formats }): a tensor's values against float formats, as in Micikevicius et
// al. 2018 Fig. 3. One row per format over a shared log2|x| axis: the histogram stacked by region
// (underflow, subnormal, normal, overflow) over the regions shaded, each row labeled with its
// shares and relative error; the numbers again as a table (HTML) and as text.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import type { Format } from "../formats/spec.js";
import { float32String } from "../formats/text.js";
import { computeBreakdown, REGIONS, type BreakdownData, type FormatBreakdown, type Region, type TensorInput } from "./breakdown-data.js";
import { Figure } from "./figure.js";
import type { Layout, Trace } from "./plotly-types.js";
import { escapeHtml, num, percent, textTable } from "./text.js";
import { REGION_COLORS, seriesColor, withAlpha } from "./theme.js";

export interface BreakdownOptions {
  /** Formats to compare (names, aliases or Format objects); default float16, bfloat16, e4m3. */
  formats?: ReadonlyArray<string | Format>;
  title?: string;
  /** Multiply the values first, e.g. by a loss scale, to see where the scaled values land. */
  scale?: number;
  /** Histogram bins per power of two (default: from the data's range, 1 to 8). */
  binsPerOctave?: number;
}

export const DEFAULT_BREAKDOWN_FORMATS = ["float16", "bfloat16", "float8_e4m3fn"];

const REGION_LABEL: Record<Region, string> = {
  underflow: "underflow (rounds to 0)",
  subnormal: "subnormal",
  normal: "normal",
  overflow: "overflow (past max)",
};

function pow2Tick(e: number): string {
  return Number.isInteger(e) ? `2<sup>${e}</sup>` : `2<sup>${Number(e.toFixed(2))}</sup>`;
}

function layoutName(f: Format): string {
  return `e${f.exponentBits}m${f.mantissaBits}`;
}

function sharesLine(b: FormatBreakdown): string {
  const parts = REGIONS.map((r) => `${r} ${percent(b.shares[r])}`);
  const err = b.relError === null ? "" : ` · rel err mean ${num(b.relError.mean, 3)}, max ${num(b.relError.max, 3)}`;
  return parts.join(" · ") + err;
}

export class Breakdown {
  readonly size: number;
  readonly shape: readonly number[];
  readonly zeros: number;
  readonly nonFinite: number;
  readonly scale: number;
  readonly formats: readonly FormatBreakdown[];
  readonly data: BreakdownData;
  readonly title: string;
  readonly #figure: Figure;

  constructor(data: BreakdownData, title: string) {
    this.data = data;
    this.size = data.size;
    this.shape = data.shape;
    this.zeros = data.zeros;
    this.nonFinite = data.nonFinite;
    this.scale = data.scale;
    this.formats = data.formats;
    this.title = title;
    this.#figure = new Figure(breakdownFigure(data, title), { text: () => this.toString(), htmlAfter: this.#htmlTable() });
  }

  /** One format's numbers, by name or alias. */
  format(name: string): FormatBreakdown | undefined {
    const key = name.toLowerCase();
    return this.formats.find((b) => b.format.name === key || b.format.aliases.includes(key));
  }

  get figure(): Figure {
    return this.#figure;
  }

  #summary(): string {
    const parts = [`${this.size} values${this.shape.length > 1 ? ` (shape [${this.shape.join(", ")}])` : ""}`];
    if (this.scale !== 1) parts.push(`scaled by ${float32String(this.scale)}`);
    parts.push(this.zeros === 0 ? "no zeros" : `zeros ${this.zeros} (${percent(this.zeros / this.size)}), counted apart`);
    if (this.nonFinite > 0) parts.push(`inf/NaN ${this.nonFinite}`);
    if (this.data.log2Min !== null) parts.push(`|x| from 2^${num(this.data.log2Min, 3)} to 2^${num(this.data.log2Max!, 3)}`);
    return parts.join(" · ");
  }

  #rows(): string[][] {
    return this.formats.map((b) => [
      b.format.name,
      ...REGIONS.map((r) => percent(b.shares[r])),
      b.relError === null ? "-" : num(b.relError.mean, 3),
      b.relError === null ? "-" : num(b.relError.median, 3),
      b.relError === null ? "-" : num(b.relError.max, 3),
    ]);
  }

  static readonly HEADER = ["format", "underflow", "subnormal", "normal", "overflow", "rel err mean", "median", "max"];

  #htmlTable(): string {
    const th = Breakdown.HEADER.map((h, i) => {
      const region = REGIONS[i - 1];
      const chip = region
        ? `<span style="display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:4px;background:${REGION_COLORS[region]}"></span>`
        : "";
      return `<th style="text-align:${i === 0 ? "left" : "right"};padding:2px 8px">${chip}${escapeHtml(h)}</th>`;
    }).join("");
    const body = this.#rows()
      .map((cells, ri) => {
        const color = seriesColor(this.formats[ri]!.format.name, ri);
        return (
          `<tr>` +
          cells
            .map((c, i) =>
              i === 0
                ? `<td style="text-align:left;padding:2px 8px;font-family:monospace;border-left:4px solid ${color}">${escapeHtml(c)}</td>`
                : `<td style="text-align:right;padding:2px 8px;font-family:monospace">${escapeHtml(c)}</td>`,
            )
            .join("") +
          `</tr>`
        );
      })
      .join("");
    return (
      `<div class="tsamp-breakdown-table" style="font-size:12px;margin-top:4px">` +
      `<div style="opacity:0.8">${escapeHtml(this.#summary())}. Shares are of the nonzero finite values; relative error is over the subnormal and normal ones.</div>` +
      `<table style="border-collapse:collapse"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`
    );
  }

  toString(): string {
    return [`${this.title}: ${this.#summary()}`, textTable(Breakdown.HEADER, this.#rows())].join("\n");
  }

  [DISPLAY](): MimeBundle {
    return this.#figure[DISPLAY]();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function breakdownFigure(d: BreakdownData, title: string): { data: Trace[]; layout: Layout } {
  const rows = d.formats.length;
  const gap = rows > 1 ? 0.09 / Math.max(1, rows - 1) + 0.03 : 0;
  const h = (1 - gap * (rows - 1)) / Math.max(rows, 1);
  const hasValues = d.log2Min !== null;
  // The axis spans the data and, within reason, the formats' boundaries near it.
  const x0 = hasValues ? d.edges[0]! - 1 : -30;
  const x1 = hasValues ? d.edges[d.edges.length - 1]! + 1 : 20;
  const centers = d.edges.slice(0, -1).map((e, i) => (e + d.edges[i + 1]!) / 2);
  const width = d.edges.length > 1 ? d.edges[1]! - d.edges[0]! : 1;

  const data: Trace[] = [];
  const layout: Layout = { barmode: "stack", bargap: 0.04 };
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const span = x1 - x0;
  const tickStep = [1, 2, 4, 5, 8, 10, 16].find((s) => span / s <= 12) ?? Math.ceil(span / 12);
  const tickvals: number[] = [];
  for (let e = Math.ceil(x0 / tickStep) * tickStep; e <= x1; e += tickStep) tickvals.push(e);

  // One y range for every row, so rows compare at a glance, with headroom for the boundary labels.
  let peak = 0;
  for (const b of d.formats) {
    for (let k = 0; k < centers.length; k++) {
      const stack = REGIONS.reduce((s, r) => s + b.histogram[r][k]!, 0);
      if (stack > peak) peak = stack;
    }
  }
  const yMax = d.size === 0 || peak === 0 ? 1 : ((100 * peak) / d.size) * 1.22;

  // Each region's legend entry goes on the first row with bars of it (plotly lists no empty trace);
  // a region no row has gets a zero-height bar, so the legend still explains every shade.
  const legendRow = Object.fromEntries(
    REGIONS.map((r) => [r, d.formats.findIndex((b) => b.histogram[r].some((c) => c > 0))]),
  ) as Record<Region, number>;

  d.formats.forEach((b, i) => {
    const n = i === 0 ? "" : String(i + 1);
    const top = 1 - i * (h + gap);
    const bottom = i === rows - 1;
    const color = seriesColor(b.format.name, i);
    layout[`xaxis${n}`] = {
      anchor: `y${n}`,
      range: [x0, x1],
      tickvals,
      ticktext: tickvals.map(pow2Tick),
      showticklabels: bottom,
      ...(i > 0 ? { matches: "x" } : {}),
      ...(bottom ? { title: { text: "|x| (log2 scale)" } } : {}),
      showgrid: false,
    };
    layout[`yaxis${n}`] = {
      anchor: `x${n}`,
      domain: [Math.max(0, top - h), top],
      title: { text: `<b style="color:${color}">${escapeHtml(b.format.name)}</b><br><span style="font-size:10px">% of values</span>` },
      ticksuffix: "%",
      range: [0, yMax],
      nticks: 4,
    };
    const lu = Math.log2(b.underflowAtOrBelow);
    const ln = Math.log2(b.minNormal);
    const lo = Number.isFinite(b.overflowFrom) ? Math.log2(b.overflowFrom) : x1 + 1;
    const regions: Array<[Region, number, number]> = [
      ["underflow", x0, lu],
      ["subnormal", lu, ln],
      ["normal", ln, lo],
      ["overflow", lo, x1],
    ];
    for (const [r, a, z] of regions) {
      const left = Math.max(a, x0);
      const right = Math.min(z, x1);
      if (right <= left) continue;
      shapes.push({
        type: "rect",
        xref: `x${n}`,
        yref: `y${n} domain`,
        x0: left,
        x1: right,
        y0: 0,
        y1: 1,
        fillcolor: withAlpha(REGION_COLORS[r], 0.13),
        line: { width: 0 },
        layer: "below",
      });
    }
    // Boundary labels: the underflow one to the left of its line, the others to the right.
    const marks: Array<[number, string, "left" | "right"]> = [
      [lu, `→0 at or below ${pow2Tick(lu)}`, "right"],
      [ln, `min normal ${pow2Tick(ln)}`, "left"],
    ];
    if (Number.isFinite(b.overflowFrom)) marks.push([Math.log2(b.format.max), `max ${float32String(b.format.max)}`, "left"]);
    for (const [x, text, side] of marks) {
      if (x < x0 || x > x1) continue;
      shapes.push({
        type: "line",
        xref: `x${n}`,
        yref: `y${n} domain`,
        x0: x,
        x1: x,
        y0: 0,
        y1: 1,
        line: { color: "rgba(128,128,128,0.6)", width: 1, dash: "dot" },
      });
      annotations.push({
        xref: `x${n}`,
        yref: `y${n} domain`,
        x,
        y: 1,
        xanchor: side,
        yanchor: "top",
        xshift: side === "left" ? 2 : -2,
        text,
        showarrow: false,
        font: { size: 9 },
        opacity: 0.85,
      });
    }
    annotations.push({
      xref: `x${n} domain`,
      yref: `y${n} domain`,
      x: 0,
      y: 1.02,
      xanchor: "left",
      yanchor: "bottom",
      align: "left",
      text: `<b style="color:${color}">${escapeHtml(b.format.name)}</b> (${layoutName(b.format)}): ${escapeHtml(sharesLine(b))}`,
      showarrow: false,
      font: { size: 11 },
    });
    for (const r of REGIONS) {
      // Only the bins this region has values in: regions barely overlap, so this is most of the size.
      const bins = b.histogram[r].flatMap((c, k) => (c > 0 ? [k] : []));
      const placeholder = legendRow[r] === -1 && i === 0;
      if (placeholder) {
        data.push({
          type: "bar",
          name: REGION_LABEL[r],
          x: [x0],
          y: [0],
          marker: { color: REGION_COLORS[r] },
          legendgroup: r,
          legendrank: 1 + REGIONS.indexOf(r),
          hoverinfo: "skip",
          xaxis: "x",
          yaxis: "y",
        });
        continue;
      }
      data.push({
        type: "bar",
        name: REGION_LABEL[r],
        x: bins.map((k) => centers[k]!),
        y: bins.map((k) => Number(((100 * b.histogram[r][k]!) / d.size).toPrecision(5))),
        width,
        customdata: bins.map((k) => b.histogram[r][k]!),
        marker: { color: REGION_COLORS[r], line: { width: 0 } },
        legendgroup: r,
        legendrank: 1 + REGIONS.indexOf(r),
        showlegend: i === legendRow[r],
        xaxis: `x${n}`,
        yaxis: `y${n}`,
        hovertemplate: `${escapeHtml(b.format.name)} ${r}<br>|x| ≈ 2<sup>%{x:.2f}</sup>: %{customdata} values (%{y:.3g}%)<extra></extra>`,
      });
    }
  });

  layout.shapes = shapes;
  layout.annotations = annotations;
  const sub = [`${d.size} values`];
  if (d.scale !== 1) sub.push(`× ${float32String(d.scale)}`);
  sub.push(d.zeros === 0 ? "no zeros" : `zeros: ${d.zeros} (${percent(d.zeros / d.size)}), counted apart`);
  if (d.nonFinite > 0) sub.push(`inf/NaN: ${d.nonFinite}`);
  layout.title = { text: `${escapeHtml(title)}<br><sup>${escapeHtml(sub.join(" · "))}</sup>` };
  layout.height = 130 + 175 * rows;
  layout.margin = { t: 84, b: 84, l: 80, r: 24 };
  layout.legend = { orientation: "h", x: 0, xanchor: "left", y: -62 / (175 * rows), yanchor: "top", traceorder: "normal" };
  layout.hovermode = "closest";
  return { data, layout };
}

/** Where a tensor's values land in each format: regions, shares and relative error. */
export function breakdown(x: TensorInput, opts: BreakdownOptions = {}): Breakdown {
  const formats = opts.formats ?? DEFAULT_BREAKDOWN_FORMATS;
  if (formats.length === 0) throw new RangeError("viz.breakdown: give at least one format");
  const data = computeBreakdown(x, formats, { scale: opts.scale, binsPerOctave: opts.binsPerOctave });
  return new Breakdown(data, opts.title ?? "value breakdown by format");
}
