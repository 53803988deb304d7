// inspect(value, format): what a format does to one number, field by field, with the error it
// makes; renders as a bit diagram (DESIGN.md section 6: "bit layout of a value").
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { INF_BITS, float32Bits, float32FromBits } from "./bits.js";
import { fieldsOfGridValue, packFields } from "./codec.js";
import { Mode, modeOf, planFor, roundBits } from "./round.js";
import { get } from "./registry.js";
import type { Format } from "./spec.js";
import { escapeHtml, measure } from "./text.js";

export type ValueClass = "zero" | "subnormal" | "normal" | "overflow" | "nan";

export interface InspectOptions {
  rounding?: "nearest-even" | "toward-zero";
  saturate?: boolean;
}

export class Inspection {
  readonly format: Format;
  /** The number as given. It is rounded to float32 first, as tensors are (see `float32`). */
  readonly value: number;
  readonly float32: number;
  /** The value the format stores (as a number: ±inf and NaN where the format gives those). */
  readonly stored: number;
  /** Sign bit, exponent field (biased) and mantissa field of the stored encoding; null where the format has none (NaN in fin formats). */
  readonly sign: number | null;
  readonly exponent: number | null;
  readonly mantissa: number | null;
  /** The encoding as a string of 0/1, sign first, 1 + E + M characters; null where there is none. */
  readonly bits: string | null;
  /** The encoding as an integer. */
  readonly code: number | null;
  /** |stored - value| and that over |value| (0 when both are 0). */
  readonly absError: number;
  readonly relError: number;
  /** zero / subnormal / normal as stored; overflow when the value is past max (or infinite); nan for NaN input. */
  readonly class: ValueClass;

  constructor(value: number, format: Format, opts: InspectOptions = {}) {
    const mode = modeOf(opts.rounding ?? "nearest-even");
    if (mode === Mode.Stochastic) throw new Error("inspect shows deterministic rounding: use nearest-even or toward-zero");
    this.format = format;
    this.value = value;
    const inBits = float32Bits(value);
    this.float32 = float32FromBits(inBits);
    const storedBits = roundBits(inBits, planFor(format, opts.saturate ?? false), mode, 0);
    this.stored = float32FromBits(storedBits);

    // Past max is judged on the unbounded grid (rule 2), before any overflow rule replaced it.
    const unbounded = { ...planFor(format, false), maxBits: INF_BITS };
    const onGrid = float32FromBits(roundBits(inBits, unbounded, Mode.NearestEven, 0));
    const fields = fieldsOfGridValue(storedBits, format);
    this.sign = fields?.sign ?? null;
    this.exponent = fields?.exponent ?? null;
    this.mantissa = fields?.mantissa ?? null;
    this.code = fields === null ? null : packFields(fields, format);
    this.bits = this.code === null ? null : this.code.toString(2).padStart(format.bits, "0");

    const a = Math.abs(this.stored);
    if (Number.isNaN(value)) this.class = "nan";
    else if (!Number.isFinite(value) || Math.abs(onGrid) > format.max) this.class = "overflow";
    else if (a === 0) this.class = "zero";
    else if (a < format.minNormal) this.class = "subnormal";
    else this.class = "normal";

    this.absError = Math.abs(this.stored - value);
    this.relError = this.absError === 0 ? 0 : this.absError / Math.abs(value);
    Object.freeze(this);
  }

  /** How the fields read as a value: "2^(13-15) × 1.3330078125". */
  private reading(): string {
    const f = this.format;
    if (this.exponent === null || this.mantissa === null || !Number.isFinite(this.stored)) return "";
    const sub = this.exponent === 0;
    const e = sub ? 1 - f.bias : this.exponent - f.bias;
    const significand = (sub ? 0 : 1) + this.mantissa / 2 ** f.mantissaBits;
    const expText = sub ? `2^(1-${f.bias})` : `2^(${this.exponent}-${f.bias})`;
    return `${this.sign === 1 ? "-" : ""}${expText} × ${significand}  (2^${e} × ${significand})`;
  }

  private groups(): [string, string, string] | null {
    if (this.bits === null) return null;
    const E = this.format.exponentBits;
    return [this.bits.slice(0, 1), this.bits.slice(1, 1 + E), this.bits.slice(1 + E)];
  }

  toString(): string {
    const f = this.format;
    const g = this.groups();
    const lines = [
      `${String(this.value)} in ${f.name} (e${f.exponentBits}m${f.mantissaBits}, bias ${f.bias}, ${f.rule})`,
      `  bits      ${g === null ? "(no encoding)" : `${g[0]} ${g[1]} ${g[2]}`.trimEnd()}` +
        (this.code === null ? "" : `  (0x${this.code.toString(16)})`),
      `  sign      ${this.sign ?? "-"}`,
      `  exponent  ${this.exponent ?? "-"}`,
      `  mantissa  ${this.mantissa ?? "-"}`,
    ];
    const reading = this.reading();
    if (reading) lines.push(`  reads     ${reading}`);
    lines.push(
      `  stored    ${String(this.stored)}`,
      `  error     abs ${measure(this.absError)}, rel ${measure(this.relError)}`,
      `  class     ${this.class}`,
    );
    return lines.join("\n");
  }

  [DISPLAY](): MimeBundle {
    const f = this.format;
    const g = this.groups();
    const box = (bit: string, color: string) =>
      `<span style="display:inline-block;width:1.3em;text-align:center;margin:0 1px;` +
      `background:${color};color:#1a1a1a;border:1px solid #666;font-family:monospace">${bit}</span>`; // pastel box: dark digits on any theme
    const group = (label: string, bitsText: string, color: string) =>
      bitsText.length === 0
        ? ""
        : `<span style="display:inline-block;margin-right:6px;text-align:center">` +
          `${[...bitsText].map((b) => box(b, color)).join("")}` +
          `<br><small>${escapeHtml(label)}</small></span>`;
    const diagram =
      g === null
        ? `<em>${escapeHtml(f.name)} has no encoding for this value</em>`
        : group(`sign ${this.sign}`, g[0], "#f2b8b5") +
          group(`exponent ${this.exponent}`, g[1], "#b5d8f2") +
          group(`mantissa ${this.mantissa}`, g[2], "#c5e8b7");
    const row = (k: string, v: string) =>
      `<tr><td style="padding:1px 8px 1px 0;color:#555">${escapeHtml(k)}</td>` +
      `<td style="font-family:monospace">${escapeHtml(v)}</td></tr>`;
    const reading = this.reading();
    const html =
      `<div class="tsamp-inspect">` +
      `<div><b>${escapeHtml(String(this.value))}</b> in <b>${escapeHtml(f.name)}</b> ` +
      `<small>(e${f.exponentBits}m${f.mantissaBits}, bias ${f.bias}, ${f.rule})</small></div>` +
      `<div style="margin:4px 0">${diagram}</div>` +
      `<table>` +
      (reading ? row("reads", reading) : "") +
      row("stored", String(this.stored)) +
      row("abs error", measure(this.absError)) +
      row("rel error", measure(this.relError)) +
      row("class", this.class) +
      `</table></div>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}

/** What `format` stores for `value`, field by field, and the error; displays as a bit diagram. */
export function inspect(value: number, format: Format | string, opts?: InspectOptions): Inspection {
  return new Inspection(value, get(format), opts);
}
