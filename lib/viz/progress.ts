// Progress of long work: steps done of a total, the rate over a recent window (so the ETA follows a
// change of speed), samples per second, and the line and bar that show them.
import { compact, duration, escapeHtml } from "./text.js";

export interface ProgressState {
  done: number;
  total: number | null;
  /** Seconds from the first to the latest step. */
  elapsed: number;
  stepsPerSec: number | null;
  samplesPerSec: number | null;
  /** Seconds left at the recent rate; null without a total or a rate. */
  eta: number | null;
  finished: boolean;
}

/** Rates over the last few seconds of (time, steps, samples) marks. */
export class RateMeter {
  readonly #window: number;
  #marks: Array<{ t: number; steps: number; samples: number }> = [];
  #first: { t: number; steps: number; samples: number } | null = null;

  constructor(windowMs = 5000) {
    this.#window = windowMs;
  }

  mark(t: number, steps: number, samples: number): void {
    const m = { t, steps, samples };
    if (this.#first === null) this.#first = m;
    this.#marks.push(m);
    while (this.#marks.length > 2 && t - this.#marks[1]!.t >= this.#window) this.#marks.shift();
    if (this.#marks.length > 512) this.#marks.splice(0, this.#marks.length - 512);
  }

  /** Steps and samples per second: over the recent window, or over the whole run. */
  rates(overall = false): { steps: number | null; samples: number | null } {
    const last = this.#marks[this.#marks.length - 1];
    const from = overall ? this.#first : this.#marks[0];
    if (!last || !from || last.t <= from.t) return { steps: null, samples: null };
    const dt = (last.t - from.t) / 1000;
    const samples = last.samples - from.samples;
    return { steps: (last.steps - from.steps) / dt, samples: samples > 0 ? samples / dt : null };
  }

  elapsed(): number {
    const last = this.#marks[this.#marks.length - 1];
    return last && this.#first ? (last.t - this.#first.t) / 1000 : 0;
  }
}

/** "step 150/200 (75%) · 52.1 steps/s · 3.3k samples/s · ETA 1.0 s", or "done · 200/200 steps in 4.0 s · ...". */
export function progressLine(p: ProgressState): string {
  const rate = [
    p.stepsPerSec === null ? null : `${compact(p.stepsPerSec)} steps/s`,
    p.samplesPerSec === null ? null : `${compact(p.samplesPerSec)} samples/s`,
  ].filter((s) => s !== null);
  if (p.finished) {
    const count = p.total === null ? `${p.done} steps` : `${p.done}/${p.total} steps`;
    return [`done · ${count} in ${duration(p.elapsed)}`, ...rate].join(" · ");
  }
  const of = p.total === null ? `step ${p.done}` : `step ${p.done}/${p.total} (${Math.floor((100 * p.done) / Math.max(p.total, 1))}%)`;
  const eta = p.eta === null ? [] : [`ETA ${duration(p.eta)}`];
  return [of, ...rate, ...eta].join(" · ");
}

/** A text bar: [=========>          ]. */
export function textBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  const head = f >= 1 ? "" : ">";
  return `[${"=".repeat(full)}${head}${" ".repeat(Math.max(0, width - full - head.length))}]`;
}

/**
 * The bar above a live figure in its HTML. The words (step, rate, ETA) are in the figure's title,
 * which every renderer shows; the bar carries them as a tooltip.
 */
export function progressHtml(p: ProgressState, color: string): string {
  const fraction = p.total ? Math.min(1, p.done / p.total) : p.finished ? 1 : 0;
  const width = (100 * fraction).toFixed(1);
  if (p.total === null && !p.finished) return "";
  return (
    `<div class="tsamp-progress" title="${escapeHtml(progressLine(p))}" role="progressbar" aria-valuemin="0" ` +
    `aria-valuemax="${p.total ?? p.done}" aria-valuenow="${p.done}" ` +
    `style="height:5px;border-radius:3px;background:rgba(128,128,128,0.22);overflow:hidden;margin:2px 0 0">` +
    `<div class="tsamp-progress-fill" style="height:100%;width:${width}%;background:${p.finished ? "#54a24b" : color};` +
    `transition:width 0.3s"></div></div>`
  );
}
