// Small text helpers shared by the displays of formats (tables, bit diagrams).
import { float32Bits } from "./bits.js";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The shortest decimal that reads back as the same float32 (like numpy's repr of a float32), so
 * 65504 prints as 65504 and float32 max as 3.4028235e+38 instead of a 17-digit double.
 */
export function float32String(x: number): string {
  if (!Number.isFinite(x) || x === 0 || Number.isInteger(x) && Math.abs(x) < 1e16) {
    return Object.is(x, -0) ? "-0" : String(x);
  }
  for (let p = 1; p <= 9; p++) {
    if (Math.fround(Number(x.toPrecision(p))) === x) return compactNumber(x, p);
  }
  return String(x);
}

/** x with p significant digits, in exponent notation when very small or large (numpy's switch). */
function compactNumber(x: number, p: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) return x.toExponential(p - 1).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(p)));
}

/** An error or other measured quantity, to 6 significant digits. */
export function measure(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return compactNumber(x, 6);
}

/** "2^-14" when x is an exact power of two (read from its float32 bits), otherwise null. */
export function pow2Label(x: number): string | null {
  if (!(x > 0) || !Number.isFinite(x) || Math.fround(x) !== x) return null;
  const b = float32Bits(x);
  const ef = b >>> 23;
  const mant = b & 0x7fffff;
  if (ef === 0) {
    // Subnormal float32: a power of two when exactly one mantissa bit is set.
    if ((mant & (mant - 1)) !== 0) return null;
    return `2^${31 - Math.clz32(mant) - 149}`;
  }
  return mant === 0 ? `2^${ef - 127}` : null;
}

/** A value with its power-of-two form when it has one: "6.1035156e-05 (2^-14)". */
export function valueLabel(x: number): string {
  const p = pow2Label(x);
  const s = float32String(x);
  return p === null || s === p ? s : `${s} (${p})`;
}

/** Pads columns of a text table to equal width. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
