// A figure as text/plain: its title, each series with its size, ranges and last value, and the
// axes. What a terminal, a log or a screen reader gets instead of the JSON.
import type { FigureJson, Layout, Trace } from "./plotly-types.js";
import { num } from "./text.js";

/** Plotly's light markup (<br>, <sup>, <b>) as plain text. */
export function plainTitle(text: unknown): string {
  if (typeof text !== "string") return "";
  return text
    .replace(/<br\s*\/?>/gi, " — ")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function titleOf(obj: unknown): string {
  if (typeof obj === "string") return plainTitle(obj);
  if (typeof obj === "object" && obj !== null) return plainTitle((obj as { text?: unknown }).text);
  return "";
}

function numbers(values: ArrayLike<unknown> | undefined): number[] {
  if (values === undefined || values === null) return [];
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function range(values: number[]): string {
  if (values.length === 0) return "-";
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === hi ? num(lo) : `${num(lo)} … ${num(hi)}`;
}

function lastPoint(t: Trace): string {
  const ys = t.y;
  if (!ys || ys.length === 0) return "";
  for (let i = ys.length - 1; i >= 0; i--) {
    const y = ys[i];
    if (typeof y === "number" && Number.isFinite(y)) {
      const x = t.x?.[i];
      return `, last ${num(y)}${x === undefined ? "" : ` at ${typeof x === "number" ? num(x) : String(x)}`}`;
    }
  }
  return "";
}

function traceLine(t: Trace, index: number): string {
  const type = typeof t.type === "string" ? t.type : "scatter";
  const name = typeof t.name === "string" && t.name !== "" ? plainTitle(t.name) : `trace ${index}`;
  if (type === "heatmap") {
    const z = (t.z ?? []) as ArrayLike<ArrayLike<unknown>>;
    const rows = z.length;
    const cols = rows > 0 ? (z[0]?.length ?? 0) : 0;
    const all: number[] = [];
    for (let i = 0; i < rows; i++) all.push(...numbers(z[i]));
    return `${name} (heatmap ${rows}×${cols}): ${range(all)}`;
  }
  const ys = numbers(t.y);
  const xs = numbers(t.x);
  const n = t.y?.length ?? t.x?.length ?? 0;
  if (type === "bar" && n <= 12 && t.x && t.y) {
    const cells: string[] = [];
    for (let i = 0; i < n; i++) {
      const x = t.x[i];
      const y = t.y[i];
      cells.push(`${typeof x === "number" ? num(x) : String(x)}: ${typeof y === "number" ? num(y) : String(y)}`);
    }
    return `${name} (bar): ${cells.join(", ")}`;
  }
  const xPart = xs.length > 0 ? `x ${range(xs)}, ` : "";
  return `${name} (${type}, ${n} point${n === 1 ? "" : "s"}): ${xPart}y ${range(ys)}${lastPoint(t)}`;
}

function axisLines(layout: Layout): string[] {
  const out: string[] = [];
  for (const key of Object.keys(layout).sort()) {
    if (!/^[xy]axis\d*$/.test(key)) continue;
    const axis = layout[key] as { title?: unknown; type?: unknown } | undefined;
    const title = titleOf(axis?.title);
    if (!title) continue;
    const type = typeof axis?.type === "string" && axis.type !== "linear" && axis.type !== "-" ? ` (${axis.type})` : "";
    out.push(`${key.replace("axis", "")}: ${title}${type}`);
  }
  return out;
}

export function figureText(fig: FigureJson): string {
  const title = titleOf(fig.layout.title);
  const lines = [title ? `Figure: ${title}` : "Figure"];
  const shown = fig.data;
  shown.slice(0, 24).forEach((t, i) => lines.push(`  ${traceLine(t, i)}`));
  if (shown.length > 24) lines.push(`  … ${shown.length - 24} more series`);
  const axes = axisLines(fig.layout);
  if (axes.length > 0) lines.push(`  axes: ${axes.join("; ")}`);
  return lines.join("\n");
}
