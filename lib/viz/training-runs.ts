// What a live training view remembers of each run: every step's metrics, the loss scale as change
// points, overflow events, skipped steps and epoch ends. Figures and text are built from this.
import type { Series } from "./decimate.js";

/**
 * One optimizer step as a training loop reports it. Any other numeric field is a metric: names
 * containing "loss" go on the loss panel, the rest (accuracy, grad norm, ...) on the metrics panel.
 */
export interface StepMetrics {
  /** Step number (default: a count of onStep calls for the run). */
  step?: number;
  epoch?: number;
  /** Which run the step belongs to, when one view overlays several (amp.compare). */
  run?: string;
  loss?: number;
  /** The loss scale this step used (also read from lossScale, or scaleEvent/event.scale). */
  scale?: number;
  lossScale?: number;
  /** Gradients held inf/NaN (the step was skipped and the scale backed off). */
  foundInf?: boolean;
  skipped?: boolean;
  /** Examples in this step (or batchSize): gives samples/s. */
  samples?: number;
  batchSize?: number;
  /** The scaler's record of this step ({ step, scale, foundInf, skipped }). */
  scaleEvent?: { scale?: number; foundInf?: boolean; skipped?: boolean };
  [metric: string]: unknown;
}

const RESERVED = new Set([
  "step",
  "epoch",
  "run",
  "name",
  "scale",
  "lossScale",
  "foundInf",
  "skipped",
  "samples",
  "batchSize",
  "time",
  "lr",
  "learningRate",
  "scaleEvent",
  "event",
  "scaler",
  // amp.Trainer's records: counts and nested groups, not curves (metrics and validation are read below).
  "steps",
  "metrics",
  "validation",
]);

export function isLossName(name: string): boolean {
  return /loss/i.test(name);
}

/**
 * The numeric metrics of a step or epoch record, reserved fields and non-numbers left out. The
 * nested groups of amp.Trainer's records count too: `metrics: { accuracy }` as accuracy, and
 * `validation: { loss }` as val_loss (unless the record spreads it as val_loss itself).
 */
export function metricEntries(m: Record<string, unknown>): Array<[string, number]> {
  const out = new Map<string, number>();
  const take = (k: string, v: unknown) => {
    if (typeof v === "number") out.set(k, v);
    else if (typeof v === "bigint") out.set(k, Number(v));
  };
  for (const [k, v] of Object.entries(m)) if (!RESERVED.has(k)) take(k, v);
  const nested = (group: unknown, prefix: string) => {
    if (typeof group !== "object" || group === null) return;
    for (const [k, v] of Object.entries(group)) if (!out.has(prefix + k)) take(prefix + k, v);
  };
  nested(m.metrics, "");
  nested(m.validation, "val_");
  return [...out];
}

function numberOr(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export class RunRecord {
  readonly name: string;
  readonly index: number;
  /** onStep calls. */
  steps = 0;
  lastStep = -1;
  samples = 0;
  /** Per-step metric series, in first-seen order. */
  readonly series = new Map<string, Series>();
  /** Per-epoch metrics (onEpochEnd), at the step the epoch ended. */
  readonly epochSeries = new Map<string, Series>();
  /** The scale at each step where it changed, plus the latest. */
  readonly scale: Series = { x: [], y: [] };
  lastScale: number | null = null;
  readonly overflows: Series = { x: [], y: [] };
  readonly skipped: Series = { x: [], y: [] };
  /** Steps at which epochs ended. */
  readonly epochEnds: number[] = [];
  epoch: number | null = null;
  lr: number | null = null;
  done = false;

  constructor(name: string, index: number) {
    this.name = name;
    this.index = index;
  }

  addStep(m: StepMetrics, defaultSamples: number | null): void {
    const step = numberOr(m.step) ?? this.lastStep + 1;
    this.steps += 1;
    this.lastStep = step;
    this.done = false;
    const epoch = numberOr(m.epoch);
    if (epoch !== null) this.epoch = epoch;
    const lr = numberOr(m.lr) ?? numberOr(m.learningRate);
    if (lr !== null) this.lr = lr;
    this.samples += numberOr(m.samples) ?? numberOr(m.batchSize) ?? defaultSamples ?? 0;

    for (const [k, v] of metricEntries(m)) {
      let s = this.series.get(k);
      if (!s) this.series.set(k, (s = { x: [], y: [] }));
      s.x.push(step);
      s.y.push(v);
    }

    const event = (typeof m.scaleEvent === "object" && m.scaleEvent) || (typeof m.event === "object" && m.event) || null;
    const ev = event as { scale?: unknown; foundInf?: unknown; skipped?: unknown } | null;
    const scale = numberOr(m.scale) ?? numberOr(m.lossScale) ?? numberOr(ev?.scale);
    const foundInf = m.foundInf === true || ev?.foundInf === true;
    const skipped = m.skipped === true || ev?.skipped === true || (m.skipped === undefined && ev?.skipped === undefined && foundInf);
    if (scale !== null && scale > 0) {
      if (this.lastScale !== scale) {
        this.scale.x.push(step);
        this.scale.y.push(scale);
      }
      this.lastScale = scale;
    }
    const at = scale ?? this.lastScale;
    if (foundInf) {
      this.overflows.x.push(step);
      this.overflows.y.push(at ?? NaN);
    } else if (skipped) {
      this.skipped.x.push(step);
      this.skipped.y.push(at ?? NaN);
    }
  }

  addEpoch(epoch: number | null, logs: Record<string, unknown>): void {
    if (epoch !== null) this.epoch = epoch;
    const at = Math.max(this.lastStep, 0);
    if (this.epochEnds[this.epochEnds.length - 1] !== at) this.epochEnds.push(at);
    for (const [k, v] of metricEntries(logs)) {
      let s = this.epochSeries.get(k);
      if (!s) this.epochSeries.set(k, (s = { x: [], y: [] }));
      s.x.push(at);
      s.y.push(v);
    }
  }

  /** The scale series as a step function that reaches the latest step. */
  scaleSteps(): Series {
    const s = { x: this.scale.x.slice(), y: this.scale.y.slice() };
    if (s.x.length > 0 && s.x[s.x.length - 1] !== this.lastStep && this.lastScale !== null) {
      s.x.push(this.lastStep);
      s.y.push(this.lastScale);
    }
    return s;
  }

  last(name: string): number | null {
    const s = this.series.get(name);
    return s && s.y.length > 0 ? s.y[s.y.length - 1]! : null;
  }

  min(name: string): number | null {
    const s = this.series.get(name);
    if (!s) return null;
    let m = Infinity;
    for (const v of s.y) if (v < m) m = v;
    return m === Infinity ? null : m;
  }

  hasScale(): boolean {
    return this.scale.x.length > 0 || this.overflows.x.length > 0 || this.skipped.x.length > 0;
  }
}
