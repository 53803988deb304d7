// One look for every tsamp figure: transparent backgrounds and neutral greys, so a figure reads on
// JupyterLab's light and dark themes alike, and fixed colors for the things figures share (float
// formats, value regions, the bit fields of lib/formats/inspect.ts's diagram), so float16 is the
// same orange in a breakdown, a comparison and a legend.
import type { Layout } from "./plotly-types.js";

/** Neutral text color for renderers that draw the JSON (the HTML path uses the page's own color). */
export const NEUTRAL_TEXT = "#808080";
export const GRID = "rgba(128,128,128,0.22)";
export const AXIS_LINE = "rgba(128,128,128,0.55)";
export const ZERO_LINE = "rgba(128,128,128,0.45)";
export const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Series colors in order (Tableau 10, which stays legible on white and on near-black). */
export const PALETTE: readonly string[] = Object.freeze([
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#b279a2",
  "#e45756",
  "#72b7b2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#bab0ac",
]);

/** Each named format's color, the same in every figure. */
export const FORMAT_COLORS: Readonly<Record<string, string>> = Object.freeze({
  float32: "#4c78a8",
  tf32: "#72b7b2",
  float16: "#f58518",
  bfloat16: "#b279a2",
  float8_e4m3fn: "#e45756",
  float8_e5m2: "#9d755d",
  float8_e4m3fnuz: "#ff9da6",
  float8_e5m2fnuz: "#c9a27e",
  float6_e2m3fn: "#54a24b",
  float6_e3m2fn: "#8cd17d",
  float4_e2m1fn: "#eeca3b",
});

/** Where a value lands in a format (Micikevicius et al. 2018, Fig. 3), and zeros. */
export const REGION_COLORS = Object.freeze({
  normal: "#54a24b",
  subnormal: "#e8a317",
  underflow: "#4c9be8",
  overflow: "#e45756",
  zero: "#9a9a9a",
});

/** The sign / exponent / mantissa colors of inspect()'s bit diagram (lib/formats/inspect.ts). */
export const BIT_COLORS = Object.freeze({ sign: "#f2b8b5", exponent: "#b5d8f2", mantissa: "#c5e8b7" });

/** Loss-scale events. */
export const EVENT_COLORS = Object.freeze({ overflow: "#e45756", skipped: "#e8a317", growth: "#54a24b" });

/** The loss scale line, and the growth tracker under it. */
export const SCALE_COLOR = "#3f9a94";
export const TRACKER_COLOR = "#8c8c8c";

// Policy presets name the format that matters in them: a run called "mixed_bfloat16" is purple.
const PRESET_FORMAT: Readonly<Record<string, string>> = {
  float32: "float32",
  mixed_float16: "float16",
  float16: "float16",
  mixed_bfloat16: "bfloat16",
  bfloat16: "bfloat16",
  fp8_hybrid: "float8_e4m3fn",
  e4m3: "float8_e4m3fn",
  e5m2: "float8_e5m2",
  fp16: "float16",
  bf16: "bfloat16",
  fp32: "float32",
  f16: "float16",
  f32: "float32",
  tf32: "tf32",
};

/** The color of a format, or of a run named after a format or a policy preset; null if none. */
export function formatColor(name: string): string | null {
  const key = name.trim().toLowerCase().replace(/-/g, "_");
  return FORMAT_COLORS[key] ?? FORMAT_COLORS[PRESET_FORMAT[key] ?? ""] ?? null;
}

/** A stable color for the i-th series, preferring a format's own color when the name is one. */
export function seriesColor(name: string, index: number): string {
  return formatColor(name) ?? PALETTE[index % PALETTE.length]!;
}

/** "#rrggbb" with an alpha, as rgba(). */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

const AXIS = {
  gridcolor: GRID,
  zerolinecolor: ZERO_LINE,
  linecolor: AXIS_LINE,
  tickcolor: AXIS_LINE,
  showline: true,
  ticks: "outside",
  ticklen: 4,
  automargin: true,
  title: { standoff: 6 },
};

/**
 * The plotly template every figure gets. Colors a user sets in the layout win over it; the HTML
 * rendering replaces its text color with the color of the page around the figure.
 */
export function template(): Layout {
  return {
    layout: {
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: FONT_FAMILY, size: 12, color: NEUTRAL_TEXT },
      colorway: [...PALETTE],
      title: { x: 0.01, xanchor: "left", font: { size: 15 } },
      xaxis: { ...AXIS },
      yaxis: { ...AXIS },
      legend: { bgcolor: "rgba(0,0,0,0)", borderwidth: 0 },
      hoverlabel: { font: { family: FONT_FAMILY } },
      margin: { l: 64, r: 24, t: 56, b: 48 },
      hovermode: "closest",
    },
  };
}

export const DEFAULT_HEIGHT = 380;
