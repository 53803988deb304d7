// The `viz` namespace of the public surface (DESIGN.md section 6): plotly figures that render in
// JupyterLab, Notebook, VS Code and exported HTML (offline), a live training view, and the panels
// of mixed-precision work. Every object also prints as readable text outside Jupyter.
import { formatTable } from "../formats/table.js";
import { get, list } from "../formats/registry.js";
import type { Format } from "../formats/spec.js";
import { bits } from "./bits.js";
import { breakdown } from "./breakdown.js";
import { figure } from "./figure.js";
import { heatmap } from "./heatmap.js";
import { plotlyIncluded, resetPlotlyInclusion } from "./plotly-js.js";
import { scaler } from "./scaler-panel.js";
import { BIT_COLORS, EVENT_COLORS, FORMAT_COLORS, PALETTE, REGION_COLORS, formatColor } from "./theme.js";
import { trainingView } from "./training-view.js";

export { Figure, PLOTLY_MIME, type FigureSpec, type FigureOptions } from "./figure.js";
export type { Trace, Layout, Config, FigureJson } from "./plotly-types.js";
export { TrainingView, type TrainingViewOptions, type RunCallbacks, type StepMetrics } from "./training-view.js";
export { ScalerPanel, type ScalerPanelOptions } from "./scaler-panel.js";
export { Breakdown, type BreakdownOptions } from "./breakdown.js";
export type { BreakdownData, FormatBreakdown, Region, RelativeError, TensorInput } from "./breakdown-data.js";
export { Heatmap, type HeatmapOptions } from "./heatmap.js";
export { BitLayouts } from "./bits.js";
export { ManualClock, type Clock } from "./clock.js";

/** The format comparison table (bits, bias, range, epsilon, digits): formats.table's. */
function table(names?: ReadonlyArray<string | Format>) {
  return formatTable(names === undefined ? list() : names.map((n) => get(n)));
}

/** Colors shared by every figure, for figures of your own that should match. */
const theme = Object.freeze({
  palette: PALETTE,
  formats: FORMAT_COLORS,
  regions: REGION_COLORS,
  bits: BIT_COLORS,
  events: EVENT_COLORS,
  formatColor,
});

export const viz = Object.freeze({
  figure,
  trainingView,
  scaler,
  breakdown,
  heatmap,
  bits,
  table,
  theme,
  resetPlotlyInclusion,
  plotlyIncluded,
});
