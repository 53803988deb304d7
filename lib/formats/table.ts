// The format comparison table (DESIGN.md section 6: bits, bias, range, epsilon, decimal digits),
// as data plus a display: notebooks render the HTML, scripts print the text.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import type { Format } from "./spec.js";
import { escapeHtml, float32String, textTable, valueLabel } from "./text.js";

export interface FormatRow {
  name: string;
  aliases: readonly string[];
  bits: number;
  exponentBits: number;
  mantissaBits: number;
  bias: number;
  rule: string;
  max: number;
  minNormal: number;
  minSubnormal: number;
  epsilon: number;
  decimalDigits: number;
}

const HEADER = ["format", "bits", "E", "M", "bias", "rule", "max", "min normal", "min subnormal", "epsilon", "digits"];

export class FormatTable {
  readonly rows: readonly FormatRow[];

  constructor(formats: readonly Format[]) {
    this.rows = Object.freeze(
      formats.map((f) =>
        Object.freeze({
          name: f.name,
          aliases: f.aliases,
          bits: f.bits,
          exponentBits: f.exponentBits,
          mantissaBits: f.mantissaBits,
          bias: f.bias,
          rule: f.rule,
          max: f.max,
          minNormal: f.minNormal,
          minSubnormal: f.minSubnormal,
          epsilon: f.epsilon,
          decimalDigits: f.decimalDigits,
        }),
      ),
    );
    Object.freeze(this);
  }

  private cells(r: FormatRow): string[] {
    return [
      r.name,
      String(r.bits),
      String(r.exponentBits),
      String(r.mantissaBits),
      String(r.bias),
      r.rule,
      float32String(r.max),
      valueLabel(r.minNormal),
      valueLabel(r.minSubnormal),
      valueLabel(r.epsilon),
      r.decimalDigits.toFixed(2),
    ];
  }

  toString(): string {
    return textTable(HEADER, this.rows.map((r) => this.cells(r)));
  }

  [DISPLAY](): MimeBundle {
    const th = HEADER.map((h) => `<th style="text-align:right;padding:2px 8px">${escapeHtml(h)}</th>`).join("");
    const body = this.rows
      .map((r) => {
        const tds = this.cells(r).map((c, i) => {
          const title = i === 0 && r.aliases.length > 0 ? ` title="aliases: ${escapeHtml(r.aliases.join(", "))}"` : "";
          const align = i === 0 ? "left" : "right";
          return `<td style="text-align:${align};padding:2px 8px;font-family:monospace"${title}>${escapeHtml(c)}</td>`;
        });
        return `<tr>${tds.join("")}</tr>`;
      })
      .join("");
    const html =
      `<table class="tsamp-format-table" style="border-collapse:collapse">` +
      `<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}

export function formatTable(formats: readonly Format[]): FormatTable {
  return new FormatTable(formats);
}
