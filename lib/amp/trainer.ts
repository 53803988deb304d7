// amp.trainer({ model, loss, optimizer, policy, lossScale, accumulate, clipNorm, metrics }): the
// mixed-precision training loop of DESIGN.md section 4, written out once so notebooks need not.
//
// One optimizer step (trainer.step(x, y), or each step of fit):
//   for each of `accumulate` micro-batches, under autocast(policy):
//     forward (the model's variables stay float32: master weights; a pure policy's are rounded)
//     loss in float32 (autocast's "loss" region), times the micro-batch's share of the samples,
//     times the loss scale (the same scale for every micro-batch of the step)
//     backward in the policy's backward format; gradients of weights that a lower-precision op
//     used are rounded to that format (they are the gradients of its narrow copy), then summed
//     into float32 accumulators
//   unscale in float32; one inf/NaN check for the whole step (findInfAsync where reads are async)
//   clip by global norm (after unscaling), unless the step is skipped
//   commit, in one synchronous block: optimizer step (skipped on inf/NaN), rounding of weights to
//   a pure policy's params format, scaler.update(foundInf), fp8 amax updates, history.
// Everything before the commit only makes new tensors, so an error (or an interrupt landing there)
// leaves the model, the optimizer and the scaler as they were; batch norm's running statistics,
// which a forward pass assigns, are put back. fit awaits between steps, where an interrupt lands.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { quantize, type Format } from "../formats/index.js";
import { escapeHtml, measure } from "../formats/text.js";
import * as tf from "../tf.js";
import { autocast, canReadSync, closeSession, openSession, region, usesDelayedScaling, scalingFor } from "./autocast.js";
import { isFloat32, setFormatOfData } from "./autocast-formats.js";
import { discardFailedTape } from "./autocast-install.js";
import { resolveSite } from "./autocast-state.js";
import type { DelayedScaling } from "./delayed-scaling.js";
import { lossScale as lossScales, LossScaler } from "./loss-scale.js";
import { Optimizer } from "./optim/index.js";
import { policy as toPolicy, type Policy, type PolicyLike } from "./policy.js";
import { checkKeys } from "./suggest.js";
import { adaptModel, type AdaptedModel, type ModelLike, type ModelParam } from "./trainer-model.js";
import { epochSource, toBatch, type DataLike, type SourceBatch, type TensorData } from "./trainer-data.js";
import { History, num, type EpochRecord, type StepRecord } from "./trainer-history.js";
import { toLoss, toMetrics, toScalar, type LossFn, type LossLike, type MetricFn, type MetricsLike } from "./trainer-losses.js";

export type LossScaleLike = LossScaler | "dynamic" | "none" | number;

export interface TrainerOptions {
  model: ModelLike;
  loss: LossLike;
  optimizer: Optimizer;
  /** Default "float32". */
  policy?: PolicyLike;
  /**
   * Default: dynamic (PyTorch's GradScaler) when the backward format has float16's narrow exponent
   * range (5 bits or fewer) and no fp8 delayed scaling; none otherwise (bfloat16, float32).
   */
  lossScale?: LossScaleLike;
  /** Micro-batches per optimizer step (gradient accumulation); default 1. */
  accumulate?: number;
  /** Clip gradients to this global norm, after unscaling. */
  clipNorm?: number;
  metrics?: MetricsLike;
  /** fp8 delayed-scaling state (default: autocast's per-policy state, for fp8_hybrid). */
  scaling?: DelayedScaling;
}

/**
 * What fit calls as it goes; a live view (lib/viz's trainingView) is one. Each gets one record
 * (steps and epochs carry their metrics at the top level); close over the trainer to reach it
 * (trainer.stop() ends fit after the current step).
 */
export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onStep?(record: StepRecord): void | Promise<void>;
  onEpochEnd?(record: EpochRecord): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
}

export interface FitOptions {
  epochs?: number;
  /** Optimizer steps (each of `accumulate` batches); with epochs, whichever ends first. */
  steps?: number;
  /** Samples per micro-batch for { x, y } data (default 32). */
  batchSize?: number;
  /** Shuffle { x, y } data each epoch (default true), from `seed` (default 0) and the epoch number. */
  shuffle?: boolean;
  seed?: number;
  /** Evaluated at the end of each epoch. */
  validation?: TensorData | readonly [tf.Tensor, tf.Tensor];
  validationBatchSize?: number;
  callbacks?: Callbacks | readonly Callbacks[];
  /** 1 (default): a line per epoch; 0: silent. */
  verbose?: 0 | 1;
}

const OPTION_KEYS = ["model", "loss", "optimizer", "policy", "lossScale", "accumulate", "clipNorm", "metrics", "scaling"];
const FIT_KEYS = ["epochs", "steps", "batchSize", "shuffle", "seed", "validation", "validationBatchSize", "callbacks", "verbose"];

/** The kernel's hook to hold an interrupt off during a commit, when the kernel offers one. */
function protect<T>(fn: () => T): T {
  const k = (globalThis as Record<symbol, unknown>)[Symbol.for("tsamp.kernel")] as { protect?: <U>(f: () => U) => U } | undefined;
  return typeof k?.protect === "function" ? k.protect(fn) : fn();
}

/**
 * After an interrupt the kernel stops waiting for the cell, but an async loop would go on in the
 * background: fit checks the kernel's signal between steps and stops there, with model, optimizer
 * and scaler consistent, so calling fit again resumes.
 */
function cellSignal(): AbortSignal | undefined {
  const k = (globalThis as Record<symbol, unknown>)[Symbol.for("tsamp.kernel")] as { signal?: AbortSignal } | undefined;
  return k?.signal;
}

function throwIfInterrupted(signal: AbortSignal | undefined, done: number): void {
  if (signal?.aborted) {
    throw Object.assign(new Error(`trainer.fit interrupted after ${done} steps; the model, optimizer and scaler are consistent: call fit again to resume`), {
      name: "KeyboardInterrupt",
    });
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

export function defaultLossScale(p: Policy): LossScaler {
  return p.backward.exponentBits <= 5 && !usesDelayedScaling(p) ? lossScales.dynamic() : lossScales.none();
}

function toScaler(s: LossScaleLike | undefined, p: Policy): LossScaler {
  if (s === undefined) return defaultLossScale(p);
  if (s instanceof LossScaler) return s;
  if (s === "dynamic") return lossScales.dynamic();
  if (s === "none") return lossScales.none();
  if (typeof s === "number") return lossScales.static(s);
  throw new TypeError('amp.trainer: lossScale is amp.lossScale.none() | .static(s) | .dynamic({...}), "dynamic", "none" or a number');
}

export class Trainer {
  readonly policy: Policy;
  readonly optimizer: Optimizer;
  readonly scaler: LossScaler;
  readonly accumulate: number;
  readonly clipNorm: number | null;
  /** fp8 delayed-scaling state (per tensor), or null when the policy does not use it. */
  readonly fp8: DelayedScaling | null;
  readonly history = new History();
  readonly model: ModelLike;
  readonly lossName: string;
  readonly #model: AdaptedModel;
  readonly #loss: LossFn;
  readonly #metrics: Array<{ name: string; fn: MetricFn }>;
  #params: ModelParam[] | null = null;
  #epoch = 0;
  #stop = false;

  constructor(opts: TrainerOptions) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("amp.trainer expects { model, loss, optimizer, policy?, lossScale?, ... }");
    checkKeys("amp.trainer", opts, OPTION_KEYS);
    if (!(opts.optimizer instanceof Optimizer)) throw new TypeError("amp.trainer: optimizer must be amp.optim.sgd(...), .adam(...) or .adamw(...)");
    this.model = opts.model;
    this.#model = adaptModel(opts.model);
    const l = toLoss(opts.loss);
    this.lossName = l.name;
    this.#loss = l.fn;
    this.#metrics = toMetrics(opts.metrics);
    this.optimizer = opts.optimizer;
    this.policy = toPolicy(opts.policy ?? "float32");
    this.scaler = toScaler(opts.lossScale, this.policy);
    this.accumulate = opts.accumulate ?? 1;
    if (!Number.isSafeInteger(this.accumulate) || this.accumulate < 1) throw new RangeError(`amp.trainer: accumulate must be a positive integer, got ${String(opts.accumulate)}`);
    this.clipNorm = opts.clipNorm ?? null;
    if (this.clipNorm !== null && !(this.clipNorm > 0)) throw new RangeError(`amp.trainer: clipNorm must be > 0, got ${String(opts.clipNorm)}`);
    this.fp8 = usesDelayedScaling(this.policy) ? (opts.scaling ?? scalingFor(this.policy)) : null;
    const params = this.#model.params();
    if (params.length > 0) this.#setParams(params);
  }

  /** Optimizer steps taken (skipped ones included). */
  get steps(): number {
    return this.history.steps.length;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Asks fit to stop after the current step (from a callback, say). */
  stop(): void {
    this.#stop = true;
  }

  #setParams(params: ModelParam[]): void {
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) throw new Error(`amp.trainer: two weights are named "${p.name}"`);
      seen.add(p.name);
    }
    this.#params = params;
    // A pure policy stores its weights in the params format from the start (model.half()).
    this.#roundParams(true);
  }

  /** The params format of a weight, with the policy's overrides for its layer and family. */
  #paramsFormat(p: ModelParam): Format {
    return resolveSite(this.policy, p.layer, p.family).policy.params;
  }

  #roundParams(all: boolean): void {
    for (const p of this.#params ?? []) {
      const f = this.#paramsFormat(p);
      if (isFloat32(f) || (!all && f.sameAs(this.optimizer.paramsFormat))) continue;
      tf.tidy(() => {
        p.variable.assign(quantize(p.variable, f));
      });
    }
  }

  /** Builds a model that has no weights yet by running it once. */
  #ensureParams(x: tf.Tensor): ModelParam[] {
    if (this.#params === null) {
      tf.tidy(() => {
        this.#model.apply(x, false);
      });
      const params = this.#model.params();
      if (params.length === 0) throw new Error("amp.trainer: the model has no trainable weights");
      this.#setParams(params);
    }
    return this.#params!;
  }

  /**
   * One optimizer step on (x, y), split into `accumulate` micro-batches along the first axis.
   * Resolves to the step's record (also appended to trainer.history.steps).
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<StepRecord> {
    if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor)) throw new TypeError("trainer.step(x, y): x and y must be tensors");
    const n = x.shape[0] ?? 0;
    if ((y.shape[0] ?? 0) !== n) throw new Error(`trainer.step: x has ${n} samples but y has ${y.shape[0]}`);
    const k = Math.min(this.accumulate, Math.max(1, n));
    if (k === 1) return this.#update([{ x, y }], this.#epoch);
    const micro: Array<{ x: tf.Tensor; y: tf.Tensor }> = [];
    try {
      let at = 0;
      for (let i = 0; i < k; i++) {
        const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
        micro.push({ x: tf.slice(x, at, size), y: tf.slice(y, at, size) });
        at += size;
      }
      return await this.#update(micro, this.#epoch);
    } finally {
      for (const m of micro) tf.dispose([m.x, m.y]);
    }
  }

  async #update(micro: ReadonlyArray<{ x: tf.Tensor; y: tf.Tensor }>, epoch: number): Promise<StepRecord> {
    const t0 = performance.now();
    const params = this.#ensureParams(micro[0]!.x);
    const vars = params.map((p) => p.variable);
    const sync = canReadSync();
    const total = micro.reduce((s, m) => s + (m.x.shape[0] ?? 0), 0);
    const session = openSession(this.policy, { model: this.#model.root, ...(this.fp8 ? { scaling: this.fp8 } : {}) });
    // Cheap snapshots (clones share data) to put state back if the step fails before its commit.
    const snapshot = [...vars, ...this.#model.state()].map((v) => [v, tf.clone(v)] as const);
    const grads = new Map<string, tf.Tensor>();
    const temps: tf.Tensor[] = [];
    let unscaled: Record<string, tf.Tensor> | null = null;
    let final: Record<string, tf.Tensor> | null = null;
    let committed = false;
    try {
      for (const p of params) {
        const f = this.#paramsFormat(p);
        if (!isFloat32(f)) setFormatOfData(p.variable.dataId as object, f);
      }
      const lossParts: tf.Tensor[] = [];
      const metricParts: tf.Tensor[][] = this.#metrics.map(() => []);
      for (const mb of micro) {
        session.beginPass();
        const share = (mb.x.shape[0] ?? 0) / total;
        const out = autocast(
          this.policy,
          () =>
            tf.variableGrads(() => {
              const yPred = this.#model.apply(mb.x, true);
              return region("loss", () => {
                const loss = toScalar(this.#loss(mb.y, yPred));
                lossParts.push(tf.keep(tf.mul(loss, share)));
                this.#metrics.forEach((m, i) => metricParts[i]!.push(tf.keep(tf.mul(toScalar(m.fn(mb.y, yPred)), share))));
                const scaled = this.scaler.scale(tf.mul(loss, share));
                return scaled as tf.Scalar;
              });
            }, vars),
          { session },
        );
        temps.push(out.value);
        for (const p of params) {
          const g = out.grads[p.name];
          if (g === undefined) continue;
          const castTo = session.castFormats.get(p.variable.dataId as object);
          let gr = g;
          if (castTo !== undefined && !isFloat32(castTo)) {
            gr = quantize(g, castTo);
            g.dispose();
          }
          const prev = grads.get(p.name);
          if (prev === undefined) grads.set(p.name, gr);
          else {
            grads.set(p.name, tf.add(prev, gr));
            prev.dispose();
            gr.dispose();
          }
        }
      }
      temps.push(...lossParts, ...metricParts.flat());
      unscaled = this.scaler.unscale(Object.fromEntries(grads));
      const foundInf = sync ? this.scaler.findInf(unscaled) : await this.scaler.findInfAsync(unscaled);
      const reads: tf.Tensor[] = [tf.addN(lossParts), ...metricParts.map((parts) => tf.addN(parts))];
      temps.push(...reads);
      final = unscaled;
      if (this.clipNorm !== null) {
        const u = unscaled;
        const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(u).map((g) => tf.sum(tf.square(g))))));
        reads.push(norm);
        temps.push(norm);
        if (!foundInf) {
          const clip = this.clipNorm;
          // PyTorch's clip_grad_norm_: coef = max_norm / (total_norm + 1e-6), clamped to 1.
          final = tf.tidy(() => {
            const coef = tf.minimum(tf.div(tf.scalar(clip), tf.add(norm, tf.scalar(1e-6))), tf.scalar(1));
            return Object.fromEntries(Object.entries(u).map(([k, g]) => [k, tf.mul(g, coef)]));
          });
        }
      }
      const stacked = tf.stack(reads);
      temps.push(stacked);
      const values = sync ? stacked.dataSync() : await stacked.data();
      const amaxes = session.hasPendingAmax ? await session.readScaling(sync) : [];
      const lr = this.optimizer.lr;
      const scale = this.scaler.lossScale;
      const metrics: Record<string, number> = {};
      this.#metrics.forEach((m, i) => (metrics[m.name] = values[1 + i]!));
      const ready = final;
      const record = protect(() => {
        // ---- commit: nothing above changed the model, the optimizer or the scaler ----
        if (!foundInf) {
          this.optimizer.step(params.map((p) => ({ name: p.name, value: p.variable, grad: ready[p.name] ?? null })));
          this.#roundParams(false);
        }
        this.scaler.update(foundInf);
        session.applyScaling(amaxes);
        const rec: StepRecord = Object.freeze({
          ...metrics,
          step: this.history.steps.length,
          epoch,
          loss: values[0]!,
          metrics: Object.freeze(metrics),
          lr,
          scale,
          skipped: foundInf,
          foundInf,
          ...(this.clipNorm !== null ? { gradNorm: values[values.length - 1]! } : {}),
          samples: total,
          time: (performance.now() - t0) / 1000,
        });
        this.history.steps.push(rec);
        committed = true;
        return rec;
      });
      return record;
    } catch (err) {
      discardFailedTape();
      if (!committed) for (const [v, saved] of snapshot) if (v.dataId !== saved.dataId) v.assign(saved);
      throw err;
    } finally {
      for (const [, saved] of snapshot) saved.dispose();
      tf.dispose(temps);
      tf.dispose([...grads.values()]);
      if (unscaled !== null) tf.dispose(Object.values(unscaled));
      if (final !== null && final !== unscaled) tf.dispose(Object.values(final));
      const closing = closeSession(session, committed);
      if (closing instanceof Promise) await closing;
    }
  }

  /**
   * Trains on `data` for `epochs` (default 1) or `steps` optimizer steps. Awaits between steps, so
   * an interrupt lands between them and a later fit resumes from the same state.
   */
  async fit(data: DataLike, opts: FitOptions = {}): Promise<History> {
    checkKeys("trainer.fit", opts, FIT_KEYS);
    const maxSteps = opts.steps ?? Infinity;
    const epochs = opts.epochs ?? (opts.steps !== undefined ? Infinity : 1);
    if (!(maxSteps > 0) || !(epochs > 0)) throw new RangeError("trainer.fit: epochs and steps must be positive");
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`trainer.fit: batchSize must be a positive integer, got ${batchSize}`);
    const callbacks = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks as Callbacks];
    const verbose = opts.verbose ?? 1;
    const validation = opts.validation === undefined ? null : toBatch(opts.validation, "trainer.fit: validation");
    this.#stop = false;
    // The signal of the cell that called fit (captured now: later cells get signals of their own).
    const signal = cellSignal();
    for (const c of callbacks) await c.onTrainBegin?.();
    let done = 0;
    for (let e = 0; e < epochs && done < maxSteps && !this.#stop; e++) {
      const epoch = this.#epoch;
      const t0 = performance.now();
      const src = epochSource(data, { batchSize, shuffle: opts.shuffle ?? true, seed: opts.seed ?? 0, epoch });
      const records: StepRecord[] = [];
      try {
        while (done < maxSteps && !this.#stop) {
          const micro: SourceBatch[] = [];
          try {
            for (let i = 0; i < this.accumulate; i++) {
              const b = await src.next();
              if (b === null) break;
              micro.push(b);
            }
            if (micro.length === 0) break;
            records.push(await this.#update(micro, epoch));
          } finally {
            for (const b of micro) if (b.owned) tf.dispose([b.x, b.y]);
          }
          done += 1;
          for (const c of callbacks) await c.onStep?.(records[records.length - 1]!);
          await nextTurn();
          throwIfInterrupted(signal, done);
        }
      } finally {
        src.close();
      }
      if (records.length === 0) break;
      const val = validation === null ? null : await this.evaluate(validation.x, validation.y, { batchSize: opts.validationBatchSize ?? 256 });
      const rec = epochRecord(epoch, records, val, this.scaler.lossScale, this.optimizer.lr, (performance.now() - t0) / 1000);
      this.history.epochs.push(rec);
      this.#epoch += 1;
      if (verbose) console.log(epochLine(rec, Number.isFinite(epochs) ? epochs : null, e));
      for (const c of callbacks) await c.onEpochEnd?.(rec);
      await nextTurn();
    }
    for (const c of callbacks) await c.onTrainEnd?.(this.history);
    return this.history;
  }

  /** Loss and metrics over (x, y), in inference mode under the policy; sample-weighted means. */
  async evaluate(x: tf.Tensor, y: tf.Tensor, opts: { batchSize?: number } = {}): Promise<Record<string, number>> {
    const n = x.shape[0] ?? 0;
    if (n === 0) throw new Error("trainer.evaluate: no samples");
    const first = tf.slice(x, 0, 1);
    try {
      this.#ensureParams(first);
    } finally {
      first.dispose();
    }
    const bs = opts.batchSize ?? 256;
    const parts: tf.Tensor[] = [];
    // Inference does not feed fp8 amax histories: its session is closed without applying them.
    const session = openSession(this.policy, { model: this.#model.root, ...(this.fp8 ? { scaling: this.fp8 } : {}) });
    try {
      for (let at = 0; at < n; at += bs) {
        const size = Math.min(bs, n - at);
        parts.push(
          autocast(this.policy, () =>
            tf.tidy(() => {
              const xb = tf.slice(x, at, size);
              const yb = tf.slice(y, at, size);
              const yPred = this.#model.apply(xb, false);
              return region("loss", () =>
                tf.mul(tf.stack([toScalar(this.#loss(yb, yPred)), ...this.#metrics.map((m) => toScalar(m.fn(yb, yPred)))]), size / n),
              );
            }),
          { session },
          ),
        );
      }
      const sum = tf.addN(parts);
      parts.push(sum);
      const v = canReadSync() ? sum.dataSync() : await sum.data();
      const out: Record<string, number> = { loss: v[0]! };
      this.#metrics.forEach((m, i) => (out[m.name] = v[1 + i]!));
      return out;
    } finally {
      tf.dispose(parts);
      void closeSession(session, false);
    }
  }

  /** The model's output under the policy, in inference mode (a new tensor). */
  predict(x: tf.Tensor): tf.Tensor {
    const session = openSession(this.policy, { model: this.#model.root, ...(this.fp8 ? { scaling: this.fp8 } : {}) });
    try {
      return autocast(this.policy, () => this.#model.apply(x, false), { session });
    } finally {
      void closeSession(session, false);
    }
  }

  private summaryRows(): string[][] {
    const last = this.history.last;
    return [
      ["policy", this.policy.toString() + (this.policy.overrides.length ? ` + ${this.policy.overrides.length} overrides` : "")],
      ["loss", this.lossName],
      ["optimizer", `${this.optimizer.kind}, lr ${measure(this.optimizer.lr)}`],
      ["loss scale", `${this.scaler.kind}, ${measure(this.scaler.lossScale)}`],
      ["accumulate", String(this.accumulate)],
      ["clip norm", this.clipNorm === null ? "-" : String(this.clipNorm)],
      ["steps", `${this.steps} (${this.history.skippedSteps} skipped), ${this.#epoch} epochs`],
      ["last loss", last === undefined ? "-" : num(last.loss)],
    ];
  }

  toString(): string {
    return ["trainer", ...this.summaryRows().map(([k, v]) => `  ${k!.padEnd(11)} ${v}`)].join("\n");
  }

  [DISPLAY](): MimeBundle {
    const rows = this.summaryRows()
      .map(([k, v]) => `<tr><th style="text-align:left;padding:2px 8px">${escapeHtml(k!)}</th><td style="padding:2px 8px;font-family:monospace">${escapeHtml(v!)}</td></tr>`)
      .join("");
    return { "text/plain": this.toString(), "text/html": `<table class="tsamp-trainer" style="border-collapse:collapse"><caption style="text-align:left">trainer</caption>${rows}</table>` };
  }
}

function epochRecord(
  epoch: number,
  records: readonly StepRecord[],
  validation: Record<string, number> | null,
  scale: number,
  lr: number,
  seconds: number,
): EpochRecord {
  const samples = records.reduce((s, r) => s + r.samples, 0);
  const mean = (f: (r: StepRecord) => number) => records.reduce((s, r) => s + f(r) * r.samples, 0) / samples;
  const metrics: Record<string, number> = {};
  for (const name of Object.keys(records[0]!.metrics)) metrics[name] = mean((r) => r.metrics[name] ?? NaN);
  const val: Record<string, number> = {};
  for (const [k, v] of Object.entries(validation ?? {})) val[`val_${k}`] = v;
  return Object.freeze({
    ...metrics,
    ...val,
    epoch,
    steps: records.length,
    skipped: records.filter((r) => r.skipped).length,
    samples,
    loss: mean((r) => r.loss),
    metrics: Object.freeze(metrics),
    validation: validation === null ? null : Object.freeze({ ...validation }),
    scale,
    lr,
    time: seconds,
  });
}

function epochLine(r: EpochRecord, epochs: number | null, index: number): string {
  const parts = [`epoch ${r.epoch + 1}${epochs !== null ? ` (${index + 1}/${epochs})` : ""}`, `${r.steps} steps`, `loss ${num(r.loss)}`];
  for (const [k, v] of Object.entries(r.metrics)) parts.push(`${k} ${num(v)}`);
  for (const [k, v] of Object.entries(r.validation ?? {})) parts.push(`val_${k} ${num(v)}`);
  parts.push(`scale ${measure(r.scale)}`, `skipped ${r.skipped}`, `${r.time.toFixed(1)}s`);
  return parts.join(" - ");
}

export function trainer(opts: TrainerOptions): Trainer {
  return new Trainer(opts);
}
