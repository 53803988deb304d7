// The scaler state panel (DESIGN.md section 6): the scale over steps on a log2 axis, overflow events,
// skipped steps, growths, and the growth tracker climbing toward the growth interval; the scaler's
// own summary table below the figure and as text.
import { scalerHtml, scalerText } from "../amp/loss-scale-display.js";
import type { ScaleEvent, ScalerState } from "../amp/loss-scale.js";
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { Figure } from "./figure.js";
import type { Layout, Trace } from "./plotly-types.js";
import { escapeHtml, percent, pow2Text } from "./text.js";
import { EVENT_COLORS, SCALE_COLOR, TRACKER_COLOR } from "./theme.js";
import { log2Ticks } from "./training-figure.js";

export interface ScalerPanelOptions {
  title?: string;
}

type StateLike = ScalerState | { state: ScalerState };

function stateOf(s: StateLike): ScalerState {
  const state = "state" in s && typeof s.state === "object" ? s.state : (s as ScalerState);
  if (!state || !Array.isArray(state.history) || typeof state.scale !== "number") {
    throw new TypeError("viz.scaler expects a loss scaler or its state (scaler.state)");
  }
  return state;
}

/** The growth tracker after each event; null where a truncated history leaves it unknown. */
export function trackerAfter(history: readonly ScaleEvent[], finalScale: number): Array<number | null> {
  const out: Array<number | null> = [];
  let t: number | null = history.length > 0 && history[0]!.step === 0 ? 0 : null;
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    const nextScale = i + 1 < history.length ? history[i + 1]!.scale : finalScale;
    if (e.foundInf) t = 0;
    else if (nextScale > e.scale) t = 0; // grew: the tracker restarts
    else t = t === null ? null : t + 1;
    out.push(t);
  }
  return out;
}

/** Only the corners of a piecewise-linear series (a sawtooth keeps its teeth, loses its rungs). */
function corners(x: number[], y: Array<number | null>): { x: number[]; y: Array<number | null> } {
  const ox: number[] = [];
  const oy: Array<number | null> = [];
  for (let i = 0; i < x.length; i++) {
    const prev = y[i - 1];
    const cur = y[i];
    const next = y[i + 1];
    const onLine =
      i > 0 && i < x.length - 1 && cur !== null && prev !== null && next !== null && prev !== undefined && next !== undefined &&
      cur - prev === next - cur && x[i]! - x[i - 1]! === x[i + 1]! - x[i]!;
    if (!onLine) {
      ox.push(x[i]!);
      oy.push(cur ?? null);
    }
  }
  return { x: ox, y: oy };
}

export class ScalerPanel {
  readonly state: ScalerState;
  readonly figure: Figure;

  constructor(state: ScalerState, opts: ScalerPanelOptions = {}) {
    this.state = state;
    this.figure = new Figure(scalerFigure(state, opts), {
      text: () => scalerText(state),
      htmlAfter: `<div style="margin-top:4px">${scalerHtml(state)}</div>`,
    });
  }

  toString(): string {
    return this.figure.toString();
  }

  [DISPLAY](): MimeBundle {
    return this.figure[DISPLAY]();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function scalerFigure(s: ScalerState, opts: ScalerPanelOptions): { data: Trace[]; layout: Layout } {
  const h = s.history;
  const dynamic = s.growthInterval !== null;
  const x = h.map((e) => e.step);
  // The scale as change points, reaching the last step (and the scale after it).
  const sx: number[] = [];
  const sy: number[] = [];
  h.forEach((e, i) => {
    if (i === 0 || h[i - 1]!.scale !== e.scale) {
      sx.push(e.step);
      sy.push(e.scale);
    }
  });
  if (h.length > 0) {
    const last = h[h.length - 1]!;
    sx.push(last.step + 1);
    sy.push(s.scale);
  }
  const overflow = h.filter((e) => e.foundInf);
  const skipped = h.filter((e) => e.skipped && !e.foundInf);
  const growth = h.filter((e, i) => (i + 1 < h.length ? h[i + 1]!.scale : s.scale) > e.scale);

  const data: Trace[] = [
    {
      type: "scatter",
      mode: sx.length <= 1 ? "markers" : "lines",
      name: "loss scale",
      x: sx,
      y: sy.map(Math.log2),
      customdata: sy,
      line: { color: SCALE_COLOR, width: 2, shape: "hv" },
      hovertemplate: "from step %{x}: scale 2<sup>%{y}</sup> = %{customdata:.6g}<extra></extra>",
    },
  ];
  const marker = (events: readonly ScaleEvent[], name: string, m: Record<string, unknown>, what: string): void => {
    if (events.length === 0) return;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${name} (${events.length})`,
      x: events.map((e) => e.step),
      y: events.map((e) => Math.log2(e.scale)),
      marker: m,
      hovertemplate: `${what} at step %{x} (scale 2<sup>%{y}</sup>)<extra></extra>`,
    });
  };
  marker(overflow, "overflow: inf/NaN grads, step skipped", { color: EVENT_COLORS.overflow, symbol: "x-thin-open", size: 10, line: { width: 2, color: EVENT_COLORS.overflow } }, "overflow");
  marker(skipped, "skipped step", { color: EVENT_COLORS.skipped, symbol: "triangle-down", size: 8 }, "skipped step");
  marker(growth, "growth", { color: EVENT_COLORS.growth, symbol: "triangle-up", size: 8 }, "scale grew after step");

  const all = [...sy, s.scale].filter((v) => v > 0);
  const lo = Math.log2(Math.min(...all, s.scale));
  const hi = Math.log2(Math.max(...all, s.scale));
  const layout: Layout = {
    xaxis: dynamic ? { anchor: "y", showticklabels: false } : { anchor: "y", title: { text: "step" } },
    yaxis: { ...log2Ticks(lo, hi), range: [Math.floor(lo) - 0.6, Math.ceil(hi) + 0.6], title: { text: "loss scale" }, domain: dynamic ? [0.42, 1] : [0, 1] },
  };
  if (dynamic) {
    const t = corners(x, trackerAfter(h, s.scale));
    data.push({
      type: "scatter",
      mode: "lines",
      name: "growth tracker",
      x: t.x,
      y: t.y,
      line: { color: TRACKER_COLOR, width: 1.5 },
      xaxis: "x2",
      yaxis: "y2",
      hovertemplate: "after step %{x}: %{y} finite steps in a row<extra></extra>",
    });
    layout.xaxis2 = { anchor: "y2", matches: "x", title: { text: "step" } };
    layout.yaxis2 = { anchor: "x2", domain: [0, 0.3], title: { text: "tracker" }, range: [0, s.growthInterval! * 1.08], rangemode: "tozero" };
    layout.shapes = [
      {
        type: "line",
        xref: "x2 domain",
        yref: "y2",
        x0: 0,
        x1: 1,
        y0: s.growthInterval,
        y1: s.growthInterval,
        line: { color: EVENT_COLORS.growth, width: 1, dash: "dash" },
      },
    ];
    layout.annotations = [
      {
        xref: "x2 domain",
        yref: "y2",
        x: 1,
        y: s.growthInterval,
        xanchor: "right",
        yanchor: "bottom",
        text: `growth interval ${s.growthInterval}`,
        showarrow: false,
        font: { size: 10, color: EVENT_COLORS.growth },
      },
    ];
  }
  const share = s.steps === 0 ? "" : `, ${s.skippedSteps} skipped (${percent(s.skippedSteps / s.steps)})`;
  const title = opts.title ?? `${s.kind} loss scale`;
  layout.title = {
    text: `${escapeHtml(title)}<br><sup>scale ${escapeHtml(pow2Text(s.scale))} after ${s.steps} steps${escapeHtml(share)}, ${overflow.length} overflows</sup>`,
  };
  layout.height = dynamic ? 440 : 320;
  layout.margin = { t: 70, l: 70, r: 24, b: 50 };
  layout.legend = { orientation: "h", x: 0, xanchor: "left", y: -0.14, yanchor: "top" };
  return { data, layout };
}

/** The scaler state panel: scaler or scaler.state. */
export function scaler(s: StateLike, opts?: ScalerPanelOptions): ScalerPanel {
  return new ScalerPanel(stateOf(s), opts);
}
