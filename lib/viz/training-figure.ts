// The live training figure: loss on top, other metrics below it, the loss scale at the bottom on a
// log2 axis with overflow events and skipped steps marked; every run in its own color, one step
// axis for all panels.
import { decimate, smooth, trim, type Series } from "./decimate.js";
import type { FigureSpec } from "./figure.js";
import type { Layout, Trace } from "./plotly-types.js";
import { progressLine, type ProgressState } from "./progress.js";
import { escapeHtml } from "./text.js";
import { EVENT_COLORS, PALETTE, SCALE_COLOR, seriesColor } from "./theme.js";
import { isLossName, type RunRecord } from "./training-runs.js";

export interface TrainingFigureOptions {
  title: string;
  maxPoints: number;
  /** Weight of the moving average drawn over noisy step curves (0: none). */
  smoothing: number;
  lossAxis: "linear" | "log";
  /** Last step expected (from the total): the step axis is fixed to it, so curves grow into a still frame. */
  lastStep: number | null;
}

const DASHES = ["solid", "dot", "dash", "dashdot", "longdash", "longdashdot"];
const MAX_EPOCH_LINES = 60;
const MAX_MARKERS = 2000;

interface Row {
  kind: "loss" | "metrics" | "scale";
  weight: number;
  title: string;
}

/** Integer exponents to label on a log2 axis spanning [lo, hi], at most about 7 of them. */
export function log2Ticks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  const a = Math.floor(lo);
  const b = Math.ceil(hi);
  const span = Math.max(1, b - a);
  const step = [1, 2, 4, 5, 8, 10, 16, 20, 32].find((s) => span / s <= 7) ?? Math.ceil(span / 7);
  const tickvals: number[] = [];
  for (let e = Math.ceil(a / step) * step; e <= b; e += step) tickvals.push(e);
  return { tickvals, ticktext: tickvals.map((e) => `2<sup>${e}</sup>`) };
}

function tail<T>(xs: T[], n: number): T[] {
  return xs.length > n ? xs.slice(xs.length - n) : xs;
}

function lastTail(s: Series, n: number): Series {
  return { x: tail(s.x, n), y: tail(s.y, n) };
}

export function trainingFigure(runs: readonly RunRecord[], progress: ProgressState, o: TrainingFigureOptions): FigureSpec {
  const multi = runs.length > 1;
  const label = (run: RunRecord, what: string) => (multi ? `${run.name} · ${what}` : what);
  const lossNames = new Set<string>();
  const metricNames = new Set<string>();
  for (const r of runs) {
    for (const k of [...r.series.keys(), ...r.epochSeries.keys()]) (isLossName(k) ? lossNames : metricNames).add(k);
  }
  const hasScale = runs.some((r) => r.hasScale());

  const rows: Row[] = [{ kind: "loss", weight: 1, title: "loss" }];
  if (metricNames.size > 0) {
    // "accuracy" for accuracy and val_accuracy; "metrics" when they are several things.
    const bases = new Set([...metricNames].map((n) => n.replace(/^val[_ ]?/i, "")));
    rows.push({ kind: "metrics", weight: 0.7, title: bases.size === 1 ? [...bases][0]! : "metrics" });
  }
  if (hasScale) rows.push({ kind: "scale", weight: 0.6, title: "loss scale" });

  const seen = Math.max(0, ...runs.map((r) => r.lastStep));
  const fixedRange = o.lastStep !== null && o.lastStep > 0 && seen <= o.lastStep ? [-0.01 * o.lastStep, 1.03 * o.lastStep] : null;
  const gap = 0.07;
  const totalWeight = rows.reduce((s, r) => s + r.weight, 0);
  const usable = 1 - gap * (rows.length - 1);
  const axisOf = (i: number) => (i === 0 ? "" : String(i + 1));
  const layout: Layout = {};
  let top = 1;
  rows.forEach((row, i) => {
    const h = (usable * row.weight) / totalWeight;
    const domain = [Math.max(0, top - h), top];
    top -= h + gap;
    const n = axisOf(i);
    const bottom = i === rows.length - 1;
    layout[`xaxis${n}`] = {
      anchor: `y${n}`,
      ...(i === 0 && fixedRange ? { range: fixedRange } : {}),
      ...(i > 0 ? { matches: "x" } : {}),
      showticklabels: bottom,
      ...(bottom ? { title: { text: "step" } } : {}),
    };
    layout[`yaxis${n}`] = {
      anchor: `x${n}`,
      domain,
      title: { text: row.kind === "scale" ? "loss scale" : row.title },
      ...(row.kind === "loss" && o.lossAxis === "log" ? { type: "log" } : {}),
    };
  });

  const data: Trace[] = [];
  const rowIndex = (kind: Row["kind"]) => rows.findIndex((r) => r.kind === kind);
  const axes = (kind: Row["kind"]) => {
    const n = axisOf(rowIndex(kind));
    return { xaxis: `x${n}`, yaxis: `y${n}` };
  };

  // One run: a color per metric (val_loss takes loss's). Several: a color per run, a dash per metric.
  const ordered = [...lossNames, ...metricNames].filter((n) => !/^val[_ ]?/i.test(n) || !hasBase(n));
  function hasBase(n: string): boolean {
    const base = n.replace(/^val[_ ]?/i, "");
    return lossNames.has(base) || metricNames.has(base);
  }
  const metricColor = (name: string): string => {
    const base = hasBase(name) ? name.replace(/^val[_ ]?/i, "") : name;
    const i = ordered.indexOf(base);
    return PALETTE[(i < 0 ? ordered.length : i) % PALETTE.length]!;
  };

  runs.forEach((run, ri) => {
    const runColor = seriesColor(run.name, ri);
    const colorOf = (name: string) => (multi ? runColor : metricColor(name));
    // Step curves: loss names first, each metric with its own dash.
    const names = [...run.series.keys()].sort((a, b) => Number(isLossName(b)) - Number(isLossName(a)));
    names.forEach((name) => {
      const kind = isLossName(name) ? "loss" : "metrics";
      const group = kind === "loss" ? [...lossNames] : [...metricNames];
      const dash = multi ? DASHES[group.indexOf(name) % DASHES.length] : "solid";
      const raw = run.series.get(name)!;
      const color = colorOf(name);
      const s = decimate(raw, o.maxPoints);
      const smoothed = o.smoothing > 0 && raw.y.length > 30;
      if (smoothed) {
        data.push({
          type: "scatter",
          mode: "lines",
          name: label(run, `${name} (raw)`),
          x: s.x,
          y: trim(s.y),
          line: { color, width: 1, dash },
          opacity: 0.3,
          legendgroup: `${run.name}:${name}`,
          showlegend: false,
          hovertemplate: `${escapeHtml(label(run, name))}<br>step %{x}: %{y:.4g}<extra></extra>`,
          ...axes(kind),
        });
      }
      data.push({
        type: "scatter",
        mode: raw.y.length === 1 ? "markers" : "lines",
        name: label(run, name),
        x: s.x,
        y: trim(smoothed ? decimate({ x: raw.x, y: smooth(raw.y, o.smoothing) }, o.maxPoints).y : s.y),
        line: { color, width: 2, dash },
        marker: { color },
        legendgroup: `${run.name}:${name}`,
        hovertemplate: `${escapeHtml(label(run, name))}${smoothed ? " (smoothed)" : ""}<br>step %{x}: %{y:.4g}<extra></extra>`,
        ...axes(kind),
      });
    });
    for (const [name, s] of run.epochSeries) {
      const kind = isLossName(name) ? "loss" : "metrics";
      const what = name.startsWith("val") ? name : `${name} (epoch)`;
      const color = colorOf(name);
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: label(run, what),
        x: s.x,
        y: trim(s.y),
        line: { color, width: 1.5, dash: "dot" },
        marker: { color, symbol: "diamond", size: 8, line: { width: 1, color: "rgba(128,128,128,0.8)" } },
        hovertemplate: `${escapeHtml(label(run, what))}<br>step %{x}: %{y:.4g}<extra></extra>`,
        ...axes(kind),
      });
    }
    if (hasScale && run.hasScale()) {
      const sc = run.scaleSteps();
      const color = multi ? runColor : SCALE_COLOR;
      data.push({
        type: "scatter",
        mode: sc.x.length === 1 ? "markers" : "lines",
        name: label(run, "loss scale"),
        x: sc.x,
        y: sc.y.map(Math.log2),
        customdata: sc.y,
        line: { color, width: 2, shape: "hv" },
        marker: { color },
        hovertemplate: `${escapeHtml(label(run, "loss scale"))}<br>step %{x}: 2<sup>%{y}</sup> = %{customdata:.6g}<extra></extra>`,
        ...axes("scale"),
      });
    }
  });

  if (hasScale) {
    // Overflow and skip markers after the lines so they sit on top; one legend entry for all runs.
    let shownOverflow = false;
    let shownSkipped = false;
    runs.forEach((run) => {
      const o1 = lastTail(run.overflows, MAX_MARKERS);
      if (o1.x.length > 0) {
        data.push({
          type: "scatter",
          mode: "markers",
          name: "overflow (inf/NaN grads)",
          x: o1.x,
          y: o1.y.map((v) => (Number.isFinite(v) ? Math.log2(v) : NaN)),
          marker: { color: EVENT_COLORS.overflow, symbol: "x-thin-open", size: 10, line: { width: 2, color: EVENT_COLORS.overflow } },
          legendgroup: "overflow",
          showlegend: !shownOverflow,
          hovertemplate: `${multi ? escapeHtml(run.name) + ": " : ""}overflow at step %{x}, step skipped<extra></extra>`,
          ...axes("scale"),
        });
        shownOverflow = true;
      }
      const s1 = lastTail(run.skipped, MAX_MARKERS);
      if (s1.x.length > 0) {
        data.push({
          type: "scatter",
          mode: "markers",
          name: "skipped step",
          x: s1.x,
          y: s1.y.map((v) => (Number.isFinite(v) ? Math.log2(v) : NaN)),
          marker: { color: EVENT_COLORS.skipped, symbol: "triangle-down", size: 8 },
          legendgroup: "skipped",
          showlegend: !shownSkipped,
          hovertemplate: `${multi ? escapeHtml(run.name) + ": " : ""}skipped step %{x}<extra></extra>`,
          ...axes("scale"),
        });
        shownSkipped = true;
      }
    });
    const all = runs.flatMap((r) => [...r.scale.y, ...(r.lastScale === null ? [] : [r.lastScale])]).filter((v) => v > 0);
    if (all.length > 0) {
      const lo = Math.log2(Math.min(...all));
      const hi = Math.log2(Math.max(...all));
      const n = axisOf(rowIndex("scale"));
      const axis = layout[`yaxis${n}`] as Layout;
      Object.assign(axis, log2Ticks(lo, hi), { range: [Math.floor(lo) - 0.6, Math.ceil(hi) + 0.6] });
    }
  }

  // Epoch ends as faint vertical lines through every panel (the first run's, when several).
  const epochRun = runs.find((r) => r.epochEnds.length > 0);
  const shapes = (epochRun ? tail(epochRun.epochEnds, MAX_EPOCH_LINES) : []).map((x) => ({
    type: "line",
    xref: "x",
    yref: "paper",
    x0: x,
    x1: x,
    y0: 0,
    y1: 1,
    line: { color: "rgba(128,128,128,0.35)", width: 1, dash: "dot" },
  }));

  // The legend under the step axis: 48 px below the plot area, in paper units.
  const legendRows = Math.ceil(data.filter((t) => t.showlegend !== false).length / 5);
  const height = 340 + 170 * (rows.length - 1) + 20 * Math.max(0, legendRows - 1);
  const margin = { t: 70, b: 60 + 20 * legendRows, l: 70, r: 24 };
  const plotHeight = height - margin.t - margin.b;
  return {
    data,
    layout: {
      ...layout,
      title: { text: `${escapeHtml(o.title)}<br><sup>${escapeHtml(progressLine(progress))}</sup>` },
      height,
      margin,
      legend: { orientation: "h", x: 0, xanchor: "left", y: -48 / plotHeight, yanchor: "top" },
      shapes,
      hovermode: "closest",
    },
  };
}
