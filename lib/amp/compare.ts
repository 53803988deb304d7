// amp.compare({ name: config, ... }, { data, steps, model }): the same model trained from the same
// initial weights on the same data in the same order under each config, one after the other; the
// result keeps every run's history and renders every run's curves overlaid (loss, metrics, loss
// scale with overflows) above a summary table. A viz.trainingView can also watch the runs live:
// callbacks get each record with `run` set to the config name.
//
//   const r = await amp.compare(
//     { float32: "float32", mixed: "mixed_float16", bf16: { policy: "mixed_bfloat16" } },
//     { data: { x, y }, steps: 200, model: () => models.lenet({ inputShape: [28, 28, 1] }) },
//   );
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import type { Figure } from "../viz/figure.js";
import { pow2Text } from "../viz/text.js";
import * as tf from "../tf.js";
import type { DelayedScaling } from "./delayed-scaling.js";
import { comparisonFigure, type ComparisonFigureOptions } from "./compare-figure.js";
import { CompareProgress } from "./compare-progress.js";
import { Optimizer, sgd } from "./optim/index.js";
import { Policy, policy as toPolicy, type PolicyLike } from "./policy.js";
import { checkKeys } from "./suggest.js";
import { Trainer, type Callbacks, type LossScaleLike } from "./trainer.js";
import { isTensorData, toBatch, type DataLike, type TensorData } from "./trainer-data.js";
import { History, htmlTable, num, textTable, type EpochRecord, type StepRecord } from "./trainer-history.js";
import type { LossLike, MetricsLike } from "./trainer-losses.js";
import { isLayersModel, type FunctionModel, type ModelLike } from "./trainer-model.js";

/** One arm of a comparison: a policy, or a policy with its own training options. */
export type CompareConfig =
  | PolicyLike
  | {
      policy?: PolicyLike;
      lossScale?: LossScaleLike | (() => LossScaleLike);
      accumulate?: number;
      clipNorm?: number;
      /** This arm's optimizer (a factory: each run needs fresh state). */
      optimizer?: () => Optimizer;
      scaling?: DelayedScaling;
    };

export interface CompareOptions {
  data: DataLike;
  /** Builds the model; called once per config, then every copy gets the first one's weights. */
  model: () => ModelLike;
  steps?: number;
  epochs?: number;
  /** Default "crossEntropy" (logits against class indices or one-hot labels). */
  loss?: LossLike;
  /** A factory for each run's optimizer; default amp.optim.sgd({ lr: 0.01 }). */
  optimizer?: () => Optimizer;
  /** Default ["accuracy"]. */
  metrics?: MetricsLike;
  batchSize?: number;
  /** Shuffle seed, the same for every run (same data order). */
  seed?: number;
  validation?: TensorData | readonly [tf.Tensor, tf.Tensor];
  /** Given every run's records, with `run` set to the config's name. */
  callbacks?: Callbacks;
  /** 1 (default): a line per run, and in Jupyter the running one's step, loss and rate; 0: silent. */
  verbose?: 0 | 1;
  /** Keep each run's trainer (and model) in the result; default false: models are disposed. */
  keep?: boolean;
}

export interface CompareRun {
  readonly name: string;
  readonly policy: Policy;
  readonly lossScale: string;
  readonly history: History;
  /** Mean loss and metrics over the last 10 steps (or fewer). */
  readonly final: Readonly<Record<string, number>>;
  /** Validation results at the end, when validation data was given. */
  readonly validation: Readonly<Record<string, number>> | null;
  readonly skipped: number;
  readonly finalScale: number;
  readonly seconds: number;
  /** With { keep: true }: the run's trainer (its model, optimizer, scaler). */
  readonly trainer: Trainer | null;
}

const OPTION_KEYS = ["data", "model", "steps", "epochs", "loss", "optimizer", "metrics", "batchSize", "seed", "validation", "callbacks", "verbose", "keep"];
const CONFIG_KEYS = ["policy", "lossScale", "accumulate", "clipNorm", "optimizer", "scaling"];

export class Comparison {
  readonly runs: Readonly<Record<string, CompareRun>>;

  constructor(runs: Record<string, CompareRun>) {
    this.runs = Object.freeze({ ...runs });
    Object.freeze(this);
  }

  get names(): string[] {
    return Object.keys(this.runs);
  }

  /** One column of every run's step records: { run: [values per step] }. */
  series(name: string): Record<string, number[]> {
    return Object.fromEntries(Object.entries(this.runs).map(([k, r]) => [k, r.history.series(name)]));
  }

  /** Every run's curves overlaid: loss, metrics and the loss scale (overflows marked), one color per run. */
  figure(options: ComparisonFigureOptions = {}): Figure {
    return comparisonFigure(Object.values(this.runs), { title: `amp.compare: ${this.names.join(" vs ")}`, ...options });
  }

  /** Disposes the kept trainers' models. */
  dispose(): void {
    for (const r of Object.values(this.runs)) disposeModel(r.trainer?.model);
  }

  private table(): { header: string[]; rows: string[][] } {
    const runs = Object.values(this.runs);
    const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.final).filter((k) => k !== "loss")))];
    const valNames = [...new Set(runs.flatMap((r) => Object.keys(r.validation ?? {})))];
    const header = ["run", "policy", "loss scale", "steps", "skipped", "final scale", "loss", ...metricNames, ...valNames.map((n) => `val_${n}`), "s/step"];
    const rows = runs.map((r) => [
      r.name,
      // A preset's name reads at a glance and keeps the table narrow; other policies spell it out.
      (r.policy.preset ?? r.policy.toString()) + (r.policy.overrides.length ? ` (+${r.policy.overrides.length} overrides)` : ""),
      r.lossScale,
      String(r.history.steps.length),
      String(r.skipped),
      r.lossScale === "none" ? "-" : pow2Text(r.finalScale),
      num(r.final["loss"]),
      ...metricNames.map((n) => num(r.final[n])),
      ...valNames.map((n) => num(r.validation?.[n])),
      r.history.steps.length ? (r.seconds / r.history.steps.length).toFixed(3) : "-",
    ]);
    return { header, rows };
  }

  private caption(): string {
    return `amp.compare: ${this.names.length} runs, same initial weights and data order (loss and metrics: mean of the last 10 steps)`;
  }

  toString(): string {
    const { header, rows } = this.table();
    return `${this.caption()}\n${textTable(header, rows)}`;
  }

  /**
   * The overlaid curves with the summary table under them, as one HTML output (no plotly JSON: a
   * frontend that prefers it would drop the table); text/plain is the table.
   */
  [DISPLAY](): MimeBundle {
    const { header, rows } = this.table();
    const table = htmlTable(this.caption(), header, rows, "tsamp-compare");
    return { "text/html": this.figure().toHtml() + table, "text/plain": this.toString() };
  }
}

function disposeModel(m: ModelLike | undefined): void {
  if (m === undefined) return;
  if (isLayersModel(m)) m.dispose();
  else for (const v of (m as FunctionModel).variables) v.dispose();
}

/** Copies of a model's weights (taken before it trains: every run starts from them). */
function weightsOf(m: ModelLike): tf.Tensor[] {
  return isLayersModel(m) ? m.getWeights().map((w) => tf.clone(w)) : (m as FunctionModel).variables.map((v) => tf.clone(v));
}

function copyWeights(src: readonly tf.Tensor[], to: ModelLike): void {
  if (isLayersModel(to)) {
    to.setWeights([...src]);
    return;
  }
  const dst = (to as FunctionModel).variables;
  if (dst.length !== src.length) throw new Error("amp.compare: model() built models with different numbers of weights");
  dst.forEach((v, i) => v.assign(src[i]!));
}

function normalizeConfig(name: string, c: CompareConfig): Exclude<CompareConfig, PolicyLike> & { policy: Policy } {
  if (typeof c === "string" || c instanceof Policy || (typeof c === "object" && c !== null && ("params" in c || "compute" in c || "output" in c) && !("policy" in c))) {
    return { policy: toPolicy(c as PolicyLike) };
  }
  if (typeof c !== "object" || c === null) throw new TypeError(`amp.compare: config "${name}" is a policy or { policy, lossScale, ... }`);
  checkKeys(`amp.compare, config "${name}"`, c, CONFIG_KEYS);
  const o = c as Exclude<CompareConfig, PolicyLike>;
  return { ...o, policy: toPolicy(o.policy ?? "float32") };
}

/** Iterators (generators) that a second run would find exhausted. */
function isOneShot(d: DataLike): boolean {
  if (typeof d === "function" || Array.isArray(d)) return false;
  if (typeof (d as { iterator?: unknown }).iterator === "function") return false;
  const o = d as { next?: unknown; [Symbol.iterator]?: () => unknown; [Symbol.asyncIterator]?: () => unknown };
  if (typeof o.next === "function") return true;
  if (typeof o[Symbol.iterator] === "function") return o[Symbol.iterator]!() === o;
  if (typeof o[Symbol.asyncIterator] === "function") return o[Symbol.asyncIterator]!() === o;
  return false;
}

function tail(steps: readonly StepRecord[]): Record<string, number> {
  const last = steps.slice(-10);
  if (last.length === 0) return {};
  const out: Record<string, number> = { loss: mean(last.map((s) => s.loss)) };
  for (const k of Object.keys(last[0]!.metrics)) out[k] = mean(last.map((s) => s.metrics[k] ?? NaN));
  return out;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function compare(configs: Readonly<Record<string, CompareConfig>>, opts: CompareOptions): Promise<Comparison> {
  if (typeof configs !== "object" || configs === null || Object.keys(configs).length === 0) {
    throw new TypeError('amp.compare expects { name: policy or config, ... }, e.g. { f32: "float32", mixed: "mixed_float16" }');
  }
  if (typeof opts !== "object" || opts === null) throw new TypeError("amp.compare(configs, { data, model, steps | epochs, ... })");
  checkKeys("amp.compare", opts, OPTION_KEYS);
  if (typeof opts.model !== "function") throw new TypeError("amp.compare: model is a function that builds the model (called once per config)");
  if (opts.optimizer !== undefined && typeof opts.optimizer !== "function") {
    throw new TypeError("amp.compare: optimizer is a factory, () => amp.optim.sgd({ lr }): each run needs its own optimizer state");
  }
  if (opts.steps === undefined && opts.epochs === undefined) throw new Error("amp.compare: give steps or epochs");
  const normalized = Object.entries(configs).map(([name, c]) => [name, normalizeConfig(name, c)] as const);
  const validation = opts.validation === undefined ? null : toBatch(opts.validation, "amp.compare: validation");
  if (!isTensorData(opts.data) && normalized.length > 1 && isOneShot(opts.data)) {
    throw new Error("amp.compare: an iterator runs out after the first run; pass { x, y } tensors, a dataset (iterator()), an array, or a function returning a fresh iterable");
  }
  let first: ModelLike | null = null;
  let initial: tf.Tensor[] = [];
  const runs: Record<string, CompareRun> = {};
  const progress = opts.verbose === 0 ? null : new CompareProgress();
  try {
    for (const [name, c] of normalized) {
      const model = opts.model();
      if (first === null) {
        first = model;
        initial = weightsOf(model);
      } else copyWeights(initial, model);
      const lossScale = typeof c.lossScale === "function" ? c.lossScale() : c.lossScale;
      const trainer = new Trainer({
        model,
        loss: opts.loss ?? "crossEntropy",
        optimizer: (c.optimizer ?? opts.optimizer ?? (() => sgd({ lr: 0.01 })))(),
        policy: c.policy,
        ...(lossScale !== undefined ? { lossScale } : {}),
        ...(c.accumulate !== undefined ? { accumulate: c.accumulate } : {}),
        ...(c.clipNorm !== undefined ? { clipNorm: c.clipNorm } : {}),
        ...(c.scaling !== undefined ? { scaling: c.scaling } : {}),
        metrics: opts.metrics ?? ["accuracy"],
      });
      const user = opts.callbacks;
      const t0 = performance.now();
      const callbacks: Callbacks = {
        onStep: (r: StepRecord) => {
          progress?.step(name, r.step, opts.steps ?? null, r.loss, t0);
          user?.onStep?.({ ...r, run: name });
        },
        onEpochEnd: (r: EpochRecord) => user?.onEpochEnd?.({ ...r, run: name }),
      };
      await trainer.fit(opts.data, {
        ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
        ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
        batchSize: opts.batchSize ?? 32,
        seed: opts.seed ?? 0,
        callbacks,
        verbose: 0,
      });
      const seconds = (performance.now() - t0) / 1000;
      const val = validation === null ? null : await trainer.evaluate(validation.x, validation.y);
      const state = trainer.scaler.state;
      const run: CompareRun = Object.freeze({
        name,
        policy: c.policy,
        lossScale: trainer.scaler.kind,
        history: trainer.history,
        final: Object.freeze(tail(trainer.history.steps)),
        validation: val === null ? null : Object.freeze(val),
        skipped: trainer.history.skippedSteps,
        finalScale: state.scale,
        seconds,
        trainer: opts.keep ? trainer : null,
      });
      runs[name] = run;
      if (progress !== null) {
        const f = run.final;
        const parts = [`${name}: ${run.history.steps.length} steps`, `loss ${num(f["loss"])}`];
        for (const [k, v] of Object.entries(f)) if (k !== "loss") parts.push(`${k} ${num(v)}`);
        for (const [k, v] of Object.entries(run.validation ?? {})) parts.push(`val_${k} ${num(v)}`);
        parts.push(`skipped ${run.skipped}`, `${seconds.toFixed(1)}s`);
        progress.done(parts.join(" - "));
      }
      if (!opts.keep) {
        trainer.optimizer.dispose();
        if (model !== first) disposeModel(model);
      }
    }
  } finally {
    tf.dispose(initial);
    if (!opts.keep && first !== null) disposeModel(first);
  }
  return new Comparison(runs);
}
