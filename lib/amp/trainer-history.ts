// The trainer's record of what happened: one row per optimizer step and one per epoch. The figures
// (loss curves, scaler state) come from lib/viz; this renders a table through the display symbol.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { escapeHtml, measure } from "../formats/text.js";

/**
 * One optimizer step. Metrics are also spread at the top level (record.accuracy), so the record
 * can go straight to a live view's onStep (lib/viz reads every other numeric field as a metric).
 */
export interface StepRecord {
  /** Optimizer steps before this one (0 for the first). */
  readonly step: number;
  readonly epoch: number;
  /** The mean loss over the step's samples (unscaled). */
  readonly loss: number;
  /** The metrics asked for (accuracy, ...), means over the step's samples. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly accuracy?: number;
  /** The learning rate the step used. */
  readonly lr: number;
  /** The loss scale the step used. */
  readonly scale: number;
  /** Whether gradients held an inf or NaN, and so the optimizer step was skipped. */
  readonly skipped: boolean;
  readonly foundInf: boolean;
  /** Global gradient norm after unscaling, before clipping (only with clipNorm). */
  readonly gradNorm?: number;
  readonly samples: number;
  /** Wall time of the step, seconds. */
  readonly time: number;
  readonly [metric: string]: unknown;
}

/** One epoch: sample-weighted means of its steps; validation results spread as val_<name>. */
export interface EpochRecord {
  readonly epoch: number;
  readonly steps: number;
  readonly skipped: number;
  readonly samples: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly accuracy?: number;
  /** Validation results when fit was given validation data ({ loss, accuracy, ... }). */
  readonly validation: Readonly<Record<string, number>> | null;
  /** Loss scale at the end of the epoch. */
  readonly scale: number;
  readonly lr: number;
  /** Wall time of the epoch, seconds. */
  readonly time: number;
  readonly [metric: string]: unknown;
}

export class History {
  readonly steps: StepRecord[] = [];
  readonly epochs: EpochRecord[] = [];

  /** One column of the step records: "loss", "lr", "scale", "skipped" (0/1), or a metric. */
  series(name: string): number[] {
    return this.steps.map((s) => {
      if (name === "skipped") return s.skipped ? 1 : 0;
      const v = (s as unknown as Record<string, unknown>)[name];
      if (typeof v === "number") return v;
      return s.metrics[name] ?? NaN;
    });
  }

  get skippedSteps(): number {
    return this.steps.reduce((n, s) => n + (s.skipped ? 1 : 0), 0);
  }

  /** The last step record, or undefined. */
  get last(): StepRecord | undefined {
    return this.steps[this.steps.length - 1];
  }

  private table(): { header: string[]; rows: string[][] } {
    if (this.epochs.length > 0) {
      const metricNames = [...new Set(this.epochs.flatMap((e) => Object.keys(e.metrics)))];
      const valNames = [...new Set(this.epochs.flatMap((e) => Object.keys(e.validation ?? {})))];
      const header = ["epoch", "steps", "loss", ...metricNames, ...valNames.map((n) => `val_${n}`), "lr", "scale", "skipped", "time"];
      const rows = this.epochs.map((e) => [
        String(e.epoch + 1),
        String(e.steps),
        num(e.loss),
        ...metricNames.map((n) => num(e.metrics[n])),
        ...valNames.map((n) => num(e.validation?.[n])),
        measure(e.lr),
        measure(e.scale),
        String(e.skipped),
        `${e.time.toFixed(1)}s`,
      ]);
      return { header, rows };
    }
    const metricNames = [...new Set(this.steps.flatMap((s) => Object.keys(s.metrics)))];
    const header = ["step", "loss", ...metricNames, "lr", "scale", "skipped"];
    const shown = this.steps.slice(-20);
    const rows = shown.map((s) => [
      String(s.step + 1),
      num(s.loss),
      ...metricNames.map((n) => num(s.metrics[n])),
      measure(s.lr),
      measure(s.scale),
      s.skipped ? "yes" : "",
    ]);
    return { header, rows };
  }

  private caption(): string {
    return `history: ${this.steps.length} steps (${this.skippedSteps} skipped), ${this.epochs.length} epochs`;
  }

  toString(): string {
    const { header, rows } = this.table();
    return [this.caption(), textTable(header, rows)].join("\n");
  }

  [DISPLAY](): MimeBundle {
    const { header, rows } = this.table();
    return { "text/plain": this.toString(), "text/html": htmlTable(this.caption(), header, rows, "tsamp-history") };
  }
}

export function num(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "-";
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toFixed(4) : measure(x);
}

export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function htmlTable(caption: string, header: string[], rows: string[][], cls: string): string {
  const th = header.map((h) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td style="padding:2px 8px;font-family:monospace">${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return (
    `<table class="${cls}" style="border-collapse:collapse"><caption style="text-align:left">${escapeHtml(caption)}</caption>` +
    `<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`
  );
}
