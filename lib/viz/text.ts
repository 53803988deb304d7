// Numbers, durations and rates as short text, for figure summaries, titles and progress lines.
export { escapeHtml, textTable } from "../formats/text.js";

/** x to `digits` significant digits; exponent notation when very small or large. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return "-";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e");
  return String(Number(x.toPrecision(digits)));
}

/** 1234567 -> "1.23M"; below 10k, the number itself (rounded to 3 significant digits when fractional). */
export function compact(x: number): string {
  const a = Math.abs(x);
  if (!Number.isFinite(x)) return String(x);
  if (a >= 1e9) return `${Number((x / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((x / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((x / 1e3).toPrecision(3))}k`;
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3)));
}

/** Seconds as "4.2 s", "3:07" or "1:02:03". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A scale as "2^16" when it is a power of two, otherwise its value. */
export function pow2Text(x: number): string {
  if (x > 0 && Number.isFinite(x)) {
    const e = Math.log2(x);
    if (Number.isInteger(e)) return `2^${e}`;
  }
  return num(x);
}

/** A share in [0, 1] as a percentage, with more digits for small nonzero shares. */
export function percent(share: number): string {
  if (share === 0) return "0%";
  if (share === 1) return "100%";
  const p = share * 100;
  if (p < 0.01) return "<0.01%";
  if (p > 99.99) return ">99.99%";
  return `${p < 1 ? p.toFixed(2) : p.toFixed(1)}%`;
}

/** JSON for inside a <script> element: nothing in it can close the element or break the JS. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
