// amp.compare's figure: every run's curves overlaid on the live training view's panels (loss,
// metrics, loss scale with overflows), one color per run, drawn from the runs' histories after the
// fact. Imports viz's figure modules directly, not viz/index (which imports amp for the scaler panel).
import { Figure, type FigureOptions } from "../viz/figure.js";
import type { ProgressState } from "../viz/progress.js";
import { trainingFigure } from "../viz/training-figure.js";
import { RunRecord, type StepMetrics } from "../viz/training-runs.js";
import type { History } from "./trainer-history.js";

export interface FigureRun {
  readonly name: string;
  readonly history: History;
  readonly seconds: number;
  /** The scaler's kind: a run without loss scaling ("none") draws no scale line. */
  readonly lossScale: string;
}

/**
 * One RunRecord per run, replaying its steps as a live view would have seen them. Epochs mark their
 * ends only: their means repeat the smoothed step curves, and per-run epoch traces crowd the legend.
 */
function records(runs: readonly FigureRun[]): RunRecord[] {
  return runs.map((run, i) => {
    const r = new RunRecord(run.name, i);
    const epochs = run.history.epochs;
    let next = 0; // the next epoch record to place, at its last step
    for (const step of run.history.steps) {
      for (; next < epochs.length && epochs[next]!.epoch < step.epoch; next++) r.addEpoch(epochs[next]!.epoch, {});
      r.addStep((run.lossScale === "none" ? { ...step, scale: undefined } : step) as unknown as StepMetrics, null);
    }
    for (; next < epochs.length; next++) r.addEpoch(epochs[next]!.epoch, {});
    r.done = true;
    return r;
  });
}

/** The totals of all runs, as a finished progress line ("done · 600 steps in 12 s · ..."). */
function progressOf(runs: readonly FigureRun[]): ProgressState {
  const done = runs.reduce((n, r) => n + r.history.steps.length, 0);
  const samples = runs.reduce((n, r) => n + r.history.steps.reduce((m, s) => m + s.samples, 0), 0);
  const elapsed = runs.reduce((t, r) => t + r.seconds, 0);
  return {
    done,
    total: null,
    elapsed,
    stepsPerSec: elapsed > 0 ? done / elapsed : null,
    samplesPerSec: elapsed > 0 && samples > 0 ? samples / elapsed : null,
    eta: null,
    finished: true,
  };
}

export interface ComparisonFigureOptions extends FigureOptions {
  title?: string;
  /** Weight of the moving average over step curves (0: raw curves only); default 0.6. */
  smoothing?: number;
  lossAxis?: "linear" | "log";
  maxPoints?: number;
}

export function comparisonFigure(runs: readonly FigureRun[], o: ComparisonFigureOptions = {}): Figure {
  const spec = trainingFigure(records(runs), progressOf(runs), {
    title: o.title ?? "amp.compare",
    maxPoints: o.maxPoints ?? 600,
    smoothing: o.smoothing ?? 0.6,
    lossAxis: o.lossAxis ?? "linear",
    lastStep: null,
  });
  const { title: _t, smoothing: _s, lossAxis: _l, maxPoints: _m, ...figureOptions } = o;
  return new Figure(spec, figureOptions);
}
