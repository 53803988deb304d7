// A live training view (DESIGN.md section 6): loss and metric curves, progress with rate and ETA,
// and the loss scale with its overflow events, for one run or several overlaid (amp.compare).
//
// In the kernel it is one output updated in place through a display id, at most once per
// `interval` ms plus the final state, so a fast loop sends a few messages per second however many
// steps it makes, and the saved notebook keeps the complete last figure. Outside Jupyter it draws
// a progress bar on stderr and prints a text summary at the end.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { systemClock, type Clock } from "./clock.js";
import { Figure, PLOTLY_MIME } from "./figure.js";
import { kernelServices, type KernelDisplayHandle } from "./kernel-link.js";
import { plotlyIncluded, takePlotlyLoader } from "./plotly-js.js";
import { RateMeter, progressHtml, progressLine, type ProgressState } from "./progress.js";
import { TerminalProgress, type TextStream } from "./terminal-progress.js";
import { num, pow2Text, textTable } from "./text.js";
import { seriesColor } from "./theme.js";
import { trainingFigure } from "./training-figure.js";
import { RunRecord, isLossName, type StepMetrics } from "./training-runs.js";

export type { StepMetrics } from "./training-runs.js";

export interface TrainingViewOptions {
  /** Steps expected in all (every run together): gives the percentage and the ETA. */
  total?: number;
  title?: string;
  /** Names of the runs to come, in order (for amp.compare): fixes their colors and legend order. */
  runs?: string[];
  /** Least time between two updates of the output, in ms (default 400). */
  interval?: number;
  /** Samples per step when the metrics do not say (gives samples/s). */
  batchSize?: number;
  /** Points per curve in the figure (default 600); long runs are thinned to this, shape kept. */
  maxPoints?: number;
  /** Moving-average weight drawn over noisy step curves, 0 to 1 (default 0.6; 0 turns it off). */
  smoothing?: number;
  /** Loss axis type (default linear). */
  lossAxis?: "linear" | "log";
  /** "auto" (default): the kernel's display when there is one, else the terminal. */
  output?: "auto" | "jupyter" | "terminal" | "none";
  /** Where the terminal progress goes (default process.stderr). */
  stream?: TextStream;
  /** For tests: the time source. */
  clock?: Clock;
}

/** The callbacks a training loop takes, bound to one run. */
export interface RunCallbacks {
  onStep(metrics: StepMetrics): void;
  onStep(step: number, metrics?: StepMetrics): void;
  onEpochEnd(epoch?: number | Record<string, unknown>, logs?: Record<string, unknown>): void;
  finish(): void;
}

const DEFAULT_RUN = "run";
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

function stepArgs(a: unknown, b: unknown): StepMetrics {
  if (typeof a === "number") return { ...(typeof b === "object" && b !== null ? (b as StepMetrics) : {}), step: a };
  return typeof a === "object" && a !== null ? (a as StepMetrics) : {};
}

function epochArgs(a: unknown, b: unknown): { epoch: number | null; logs: Record<string, unknown> } {
  if (typeof a === "number") return { epoch: a, logs: typeof b === "object" && b !== null ? (b as Record<string, unknown>) : {} };
  const logs = typeof a === "object" && a !== null ? (a as Record<string, unknown>) : {};
  return { epoch: typeof logs.epoch === "number" ? logs.epoch : null, logs };
}

export class TrainingView {
  readonly title: string;
  readonly total: number | null;
  readonly #interval: number;
  readonly #clock: Clock;
  readonly #mode: "jupyter" | "terminal" | "none";
  readonly #opts: TrainingViewOptions;
  readonly #runs: RunRecord[] = [];
  readonly #rates = new RateMeter();
  readonly #terminal: TerminalProgress | null;
  #done = 0;
  #samples = 0;
  /** The run that got the latest step (what the terminal line talks about). */
  #current: RunRecord | null = null;
  #finished = false;
  #handle: KernelDisplayHandle | null = null;
  #lastRender = -Infinity;
  #timer: unknown = null;
  #renders = 0;

  constructor(options: TrainingViewOptions = {}) {
    const o = options ?? {};
    if (o.total !== undefined && !(Number.isInteger(o.total) && o.total > 0)) {
      throw new RangeError(`viz.trainingView: total must be a positive integer (steps in all), got ${String(o.total)}`);
    }
    this.#opts = o;
    this.title = o.title ?? "training";
    this.total = o.total ?? null;
    this.#interval = Math.max(0, o.interval ?? 400);
    this.#clock = o.clock ?? systemClock;
    const output = o.output ?? "auto";
    this.#mode = output === "auto" ? (kernelServices() ? "jupyter" : "terminal") : output;
    this.#terminal =
      this.#mode === "terminal" ? new TerminalProgress(o.stream ?? (process.stderr as TextStream), this.#clock, this.title) : null;
    for (const name of o.runs ?? []) this.#run(name);
  }

  // Arrow properties: the methods work detached, as fit({ onStep: view.onStep }) passes them.

  /** Records one optimizer step: onStep({ loss, accuracy, scale, foundInf, samples, ... }) or onStep(step, metrics). */
  readonly onStep = (a: StepMetrics | number, b?: StepMetrics): void => {
    const m = stepArgs(a, b);
    this.#stepFor(typeof m.run === "string" ? m.run : null, m);
  };

  /** Marks an epoch's end, with its metrics (validation loss, accuracy, ...). */
  readonly onEpochEnd = (a?: number | Record<string, unknown>, b?: Record<string, unknown>): void => {
    const { epoch, logs } = epochArgs(a, b);
    this.#epochFor(typeof logs.run === "string" ? logs.run : null, epoch, logs);
  };

  /** Shows the final state now: complete figure, "done" and the totals. */
  readonly finish = (): void => {
    for (const r of this.#runs) r.done = true;
    this.#finished = true;
    this.#flush(true);
  };

  /** amp.Trainer's end of fit: the final state (so `callbacks: view` is all fit needs). */
  readonly onTrainEnd = (): void => this.finish();

  /** { onStep, onEpochEnd } for a training loop's callbacks. */
  get callbacks(): { onStep: TrainingView["onStep"]; onEpochEnd: TrainingView["onEpochEnd"] } {
    return { onStep: this.onStep, onEpochEnd: this.onEpochEnd };
  }

  /** Callbacks bound to one named run, for overlaying runs (each amp.compare candidate). */
  run(name: string): RunCallbacks {
    this.#run(name);
    const onStep = ((a: StepMetrics | number, b?: StepMetrics) => this.#stepFor(name, stepArgs(a, b))) as RunCallbacks["onStep"];
    return {
      onStep,
      onEpochEnd: (a, b) => {
        const { epoch, logs } = epochArgs(a, b);
        this.#epochFor(name, epoch, logs);
      },
      finish: () => {
        const r = this.#run(name);
        r.done = true;
        const declared = this.#opts.runs ?? [];
        if (declared.length > 0 && declared.every((n) => this.#runs.find((x) => x.name === n)?.done)) this.finish();
        else this.#flush(true);
      },
    };
  }

  /** Update messages sent to the notebook so far (the first display not counted). */
  get updates(): number {
    return Math.max(0, this.#renders - 1);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Steps recorded, all runs together. */
  get steps(): number {
    return this.#done;
  }

  progress(): ProgressState {
    const recent = this.#rates.rates(this.#finished);
    const elapsed = this.#rates.elapsed();
    const left = this.total === null ? null : Math.max(0, this.total - this.#done);
    return {
      done: this.#done,
      total: this.total,
      elapsed,
      stepsPerSec: recent.steps,
      samplesPerSec: recent.samples,
      eta: left === null || recent.steps === null || recent.steps <= 0 ? null : left / recent.steps,
      finished: this.#finished,
    };
  }

  /** The current state as a figure. */
  figure(): Figure {
    const p = this.progress();
    const spec = trainingFigure(this.#runs.length > 0 ? this.#runs : [new RunRecord(DEFAULT_RUN, 0)], p, {
      title: this.title,
      maxPoints: this.#opts.maxPoints ?? 600,
      smoothing: this.#opts.smoothing ?? 0.6,
      lossAxis: this.#opts.lossAxis ?? "linear",
      lastStep: this.#lastStepExpected(),
    });
    const color = this.#runs.length > 1 ? seriesColor(this.#runs[this.#runs.length - 1]!.name, this.#runs.length - 1) : "#4c78a8";
    return new Figure(spec, {
      text: () => this.toString(),
      htmlBefore: `<div class="tsamp-live" data-state="${this.#finished ? "done" : "running"}" data-steps="${this.#done}">` + progressHtml(p, color),
      htmlAfter: `</div>`,
    });
  }

  /** The title, progress, and a table of each run's last and best values. */
  toString(): string {
    const p = this.progress();
    const lines = [`${this.title} — ${progressLine(p)}`];
    if (this.#runs.length === 0) return lines.join("\n");
    const metricNames = [...new Set(this.#runs.flatMap((r) => [...r.series.keys()]))].sort(
      (a, b) => Number(isLossName(b)) - Number(isLossName(a)),
    );
    const epochNames = [...new Set(this.#runs.flatMap((r) => [...r.epochSeries.keys()]))];
    const hasScale = this.#runs.some((r) => r.hasScale());
    const header = ["run", "steps"];
    for (const m of metricNames) header.push(`${m} (last)`, ...(isLossName(m) ? [`${m} (min)`] : []));
    for (const m of epochNames) header.push(`${m} (last epoch)`);
    if (hasScale) header.push("loss scale", "overflows", "skipped");
    const rows = this.#runs.map((r) => {
      const row = [r.name, String(r.steps)];
      for (const m of metricNames) row.push(num(r.last(m)), ...(isLossName(m) ? [num(r.min(m))] : []));
      for (const m of epochNames) {
        const s = r.epochSeries.get(m);
        row.push(num(s && s.y.length ? s.y[s.y.length - 1]! : null));
      }
      if (hasScale) row.push(r.lastScale === null ? "-" : pow2Text(r.lastScale), String(r.overflows.x.length), String(r.overflows.x.length + r.skipped.x.length));
      return row;
    });
    lines.push(textTable(header, rows));
    return lines.join("\n");
  }

  [DISPLAY](): MimeBundle {
    return this.figure()[DISPLAY]();
  }

  [INSPECT](): string {
    return this.toString();
  }

  // ---- internals ----

  /** total spread over the declared runs (or the one run), as a last step number; null if unknown. */
  #lastStepExpected(): number | null {
    if (this.total === null) return null;
    const declared = this.#opts.runs?.length ?? 0;
    if (declared > 0) return Math.ceil(this.total / declared) - 1;
    return this.#runs.length <= 1 ? this.total - 1 : null;
  }

  #run(name: string): RunRecord {
    let r = this.#runs.find((x) => x.name === name);
    if (!r) this.#runs.push((r = new RunRecord(name, this.#runs.length)));
    return r;
  }

  #stepFor(name: string | null, m: StepMetrics): void {
    const run = this.#run(name ?? this.#current?.name ?? this.#runs[0]?.name ?? DEFAULT_RUN);
    const before = run.samples;
    run.addStep(m, this.#opts.batchSize ?? null);
    this.#current = run;
    this.#done += 1;
    this.#samples += run.samples - before;
    this.#finished = false;
    this.#rates.mark(this.#clock.now(), this.#done, this.#samples);
    this.#flush(false);
  }

  #epochFor(name: string | null, epoch: number | null, logs: Record<string, unknown>): void {
    const run = this.#run(name ?? this.#current?.name ?? this.#runs[0]?.name ?? DEFAULT_RUN);
    run.addEpoch(epoch, logs);
    this.#flush(false);
  }

  /** A short "loss 0.3412 · scale 2^15" for the terminal line. */
  #extra(): string {
    const r = this.#current ?? this.#runs[this.#runs.length - 1];
    if (!r) return "";
    const parts: string[] = [];
    if (this.#runs.length > 1) parts.push(r.name);
    const loss = r.last("loss");
    if (loss !== null) parts.push(`loss ${num(loss)}`);
    if (r.lastScale !== null) parts.push(`scale ${pow2Text(r.lastScale)}`);
    return parts.join(" · ");
  }

  #flush(force: boolean): void {
    if (this.#mode === "none") return;
    if (this.#mode === "terminal") {
      const p = this.progress();
      if (force && this.#finished) this.#terminal!.finish(p, this.#extra(), this.toString());
      else this.#terminal!.update(p, this.#extra());
      return;
    }
    const now = this.#clock.now();
    if (force || this.#handle === null || now - this.#lastRender >= this.#interval) {
      this.#render();
      return;
    }
    if (this.#timer === null) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = null;
        this.#render();
      }, this.#interval - (now - this.#lastRender));
    }
  }

  #render(): void {
    if (this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    const kernel = kernelServices();
    if (kernel === null) return;
    const fig = this.figure();
    // The figure's own HTML never carries plotly.js: an update would drop it from the notebook.
    const bundle = { [PLOTLY_MIME]: fig.toJSON(), "text/html": fig.toHtml({ includePlotly: false }), "text/plain": fig.toString() };
    const snapshot = { [DISPLAY]: () => bundle };
    this.#lastRender = this.#clock.now();
    this.#renders += 1;
    if (this.#handle === null) {
      // plotly.js goes in an output of its own, before the view, which updates never replace.
      if (!plotlyIncluded()) kernel.display({ [DISPLAY]: () => ({ "text/html": takePlotlyLoader(), "text/plain": "" }) });
      this.#handle = kernel.display(snapshot, { id: true });
    } else {
      this.#handle.update(snapshot);
    }
  }
}

/** A live training view; pass view.onStep / view.onEpochEnd to a training loop, then view.finish(). */
export function trainingView(options?: TrainingViewOptions): TrainingView {
  return new TrainingView(options);
}
