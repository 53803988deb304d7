// What sgd, adam and adamw share: the weights they step ({ name, value, grad }), float32 state kept
// per weight in tf.Variables, the lr schedule, weight-decay filtering, and writing the result into
// the weight through the params format (apply-update.ts). A subclass writes only its update rule.
import { DISPLAY, type MimeBundle } from "../../display-symbol.js";
import type { Format, QuantizeOptions } from "../../formats/index.js";
import { escapeHtml, measure } from "../../formats/text.js";
import * as tf from "../../tf.js";
import { policyFormat, type FormatLike } from "../policy-grammar.js";
import { constant, toSchedule, type Schedule, type ScheduleLike } from "../schedule.js";
import { checkKeys } from "../suggest.js";
import { commit } from "./apply-update.js";
import { toDecayFilter, type DecayFilter } from "./decay-filter.js";

/** A weight to step: a float32 tf.Variable (the master copy) and its gradient (null: not stepped). */
export interface Param {
  readonly name: string;
  readonly value: tf.Variable;
  readonly grad: tf.Tensor | null | undefined;
}

export interface CommonOptions {
  /** The base learning rate (a schedule scales it per step). */
  lr: number;
  /** Default constant. */
  schedule?: ScheduleLike;
  weightDecay?: number;
  /** Which weights decay: default skips rank-1 weights and bias/norm/bn names; "all" is PyTorch's. */
  decayFilter?: DecayFilter | "all" | "default";
  /**
   * The format weights are stored in (a pure policy's params); the float32 result of each update
   * is rounded to it. Default float32: master weights, no rounding.
   */
  paramsFormat?: FormatLike;
  /** How that rounding is done (rounding, saturate, seed); a seed is varied per step and weight. */
  paramsRounding?: QuantizeOptions;
}

export const COMMON_KEYS = ["lr", "schedule", "weightDecay", "decayFilter", "paramsFormat", "paramsRounding"];

/** Per-weight state: float32 buffers (momentum, exp_avg, ...) and the weight's own step count. */
export interface Slot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly decay: boolean;
  step: number;
  readonly buffers: Map<string, tf.Variable>;
}

/** What a rule gets for one weight; it returns the new float32 value (before params rounding). */
export interface RuleInput {
  readonly weight: tf.Tensor;
  readonly grad: tf.Tensor;
  readonly slot: Slot;
  readonly lr: number;
  /** The weight decay for this weight: the option, or 0 where the filter skips it. */
  readonly weightDecay: number;
}

export class OptimizerState {
  readonly kind: string;
  /** Optimizer steps taken. */
  readonly step: number;
  /** The lr the next step uses. */
  readonly lr: number;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** Per weight: its step count, whether it decays, and its buffers (live variables owned by the optimizer: do not dispose). */
  readonly params: ReadonlyArray<{ name: string; shape: readonly number[]; step: number; decay: boolean; buffers: Readonly<Record<string, tf.Variable>> }>;

  constructor(fields: Omit<OptimizerState, typeof DISPLAY | "toString" | "bytes">) {
    this.kind = fields.kind;
    this.step = fields.step;
    this.lr = fields.lr;
    this.hyperparameters = fields.hyperparameters;
    this.params = Object.freeze(fields.params.map((p) => Object.freeze({ ...p, buffers: Object.freeze({ ...p.buffers }) })));
    Object.freeze(this);
  }

  /** Bytes the state buffers hold (float32). */
  get bytes(): number {
    return this.params.reduce((n, p) => n + Object.values(p.buffers).reduce((m, b) => m + 4 * b.size, 0), 0);
  }

  private header(): string {
    const hp = Object.entries(this.hyperparameters)
      .map(([k, v]) => `${k}=${typeof v === "number" ? measure(v) : String(v)}`)
      .join(", ");
    return `${this.kind}(${hp}): step ${this.step}, lr ${measure(this.lr)}, state ${this.params.length} weights, ${this.bytes} bytes`;
  }

  /** RMS of each buffer (reads the buffers: one sync per buffer). */
  private rows(): string[][] {
    return this.params.map((p) => [
      p.name,
      `[${p.shape.join(",")}]`,
      String(p.step),
      p.decay ? "yes" : "no",
      Object.entries(p.buffers)
        .map(([k, b]) => `${k} rms ${measure(rms(b))}`)
        .join(", "),
    ]);
  }

  toString(): string {
    const rows = this.rows();
    const head = ["weight", "shape", "step", "decay", "buffers"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i]!)).join("  ").trimEnd();
    return [this.header(), line(head), ...rows.map(line)].join("\n");
  }

  [DISPLAY](): MimeBundle {
    const head = ["weight", "shape", "step", "decay", "buffers"];
    const th = head.map((h) => `<th style="text-align:left;padding:2px 8px">${h}</th>`).join("");
    const body = this.rows()
      .map((r) => `<tr>${r.map((c) => `<td style="padding:2px 8px;font-family:monospace">${escapeHtml(c)}</td>`).join("")}</tr>`)
      .join("");
    const html =
      `<div class="tsamp-optimizer"><div><b>${escapeHtml(this.header())}</b></div>` +
      `<table style="border-collapse:collapse"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}

/** Root mean square of a buffer; NaN where the backend cannot read synchronously (webgpu in Node). */
function rms(t: tf.Tensor): number {
  if (t.size === 0) return 0;
  const r = tf.tidy(() => tf.sqrt(tf.mean(tf.square(t))));
  try {
    return r.dataSync()[0]!;
  } catch {
    return NaN;
  } finally {
    r.dispose();
  }
}

export abstract class Optimizer {
  abstract readonly kind: string;
  readonly baseLr: number;
  readonly schedule: Schedule;
  readonly weightDecay: number;
  readonly paramsFormat: Format;
  readonly #decayFilter: DecayFilter;
  readonly #rounding: QuantizeOptions;
  readonly #slots = new Map<string, Slot>();
  #steps = 0;

  protected constructor(what: string, opts: CommonOptions, extraKeys: readonly string[]) {
    if (typeof opts !== "object" || opts === null) throw new TypeError(`${what} expects an options object with at least { lr }`);
    checkKeys(what, opts, [...COMMON_KEYS, ...extraKeys]);
    this.baseLr = nonNegative(`${what}: lr`, opts.lr);
    this.schedule = toSchedule(opts.schedule ?? constant());
    this.weightDecay = nonNegative(`${what}: weightDecay`, opts.weightDecay ?? this.defaultWeightDecay());
    this.#decayFilter = toDecayFilter(opts.decayFilter);
    this.paramsFormat = policyFormat(opts.paramsFormat ?? "float32", `${what}: paramsFormat`);
    this.#rounding = { ...(opts.paramsRounding ?? {}) };
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  /** The hyperparameters, for the state display. */
  protected abstract hyperparameters(): Record<string, unknown>;

  /** The update rule for one weight, run inside a tf.tidy. */
  protected abstract rule(input: RuleInput): tf.Tensor;

  /** The lr the next step uses: schedule(step, baseLr). */
  get lr(): number {
    return this.schedule.lr(this.#steps, this.baseLr);
  }

  /** Optimizer steps taken. */
  get steps(): number {
    return this.#steps;
  }

  /**
   * One optimizer step over `params`: each weight with a gradient gets the rule's update, rounded to
   * paramsFormat. All intermediates are disposed; state lives in variables created on first use.
   */
  step(params: readonly Param[]): void {
    checkParams(params);
    const lr = this.lr;
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`schedule gave lr ${lr} at step ${this.#steps}`);
    params.forEach((p, index) => {
      if (p.grad === null || p.grad === undefined) return; // PyTorch skips weights whose .grad is None
      const slot = this.#slot(p);
      slot.step += 1;
      tf.tidy(() => {
        const grad = p.grad!.dtype === "float32" ? p.grad! : tf.cast(p.grad!, "float32");
        const next = this.rule({ weight: p.value, grad, slot, lr, weightDecay: slot.decay ? this.weightDecay : 0 });
        commit(p.value, next, this.paramsFormat, this.#roundingFor(index));
      });
    });
    this.#steps += 1;
  }

  /** Sets a state buffer, creating its variable on first use (call inside the rule). */
  protected setBuffer(slot: Slot, key: string, value: tf.Tensor): tf.Tensor {
    const v = slot.buffers.get(key);
    if (v === undefined) slot.buffers.set(key, tf.variable(value, false));
    else v.assign(value);
    return value;
  }

  get state(): OptimizerState {
    return new OptimizerState({
      kind: this.kind,
      step: this.#steps,
      lr: this.lr,
      hyperparameters: this.hyperparameters(),
      params: [...this.#slots.values()].map((s) => ({
        name: s.name,
        shape: s.shape,
        step: s.step,
        decay: s.decay,
        buffers: Object.fromEntries(s.buffers),
      })),
    });
  }

  /** Frees the state buffers; the next step starts from fresh state. */
  dispose(): void {
    for (const s of this.#slots.values()) for (const b of s.buffers.values()) b.dispose();
    this.#slots.clear();
  }

  toString(): string {
    return this.state.toString();
  }

  [DISPLAY](): MimeBundle {
    return this.state[DISPLAY]();
  }

  #slot(p: Param): Slot {
    const existing = this.#slots.get(p.name);
    if (existing !== undefined) {
      if (!tf.util.arraysEqual(existing.shape as number[], p.value.shape)) {
        throw new Error(`optimizer: weight "${p.name}" has shape [${p.value.shape}], its state [${existing.shape}]`);
      }
      return existing;
    }
    const slot: Slot = {
      name: p.name,
      shape: Object.freeze([...p.value.shape]),
      decay: this.#decayFilter({ name: p.name, shape: p.value.shape }),
      step: 0,
      buffers: new Map(),
    };
    this.#slots.set(p.name, slot);
    return slot;
  }

  #roundingFor(index: number): QuantizeOptions {
    const r = this.#rounding;
    if (r.rounding !== "stochastic" || r.seed === undefined) return r;
    // One seed reused for every weight and step would correlate the roundings (see quantize).
    return { ...r, seed: r.seed + this.#steps * 65536 + index };
  }
}

function nonNegative(where: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new RangeError(`${where} must be a finite number >= 0, got ${String(x)}`);
  return x;
}

function checkParams(params: readonly Param[]): void {
  if (!Array.isArray(params)) throw new TypeError("optimizer.step expects an array of { name, value: tf.Variable, grad }");
  const seen = new Set<string>();
  for (const p of params) {
    if (typeof p !== "object" || p === null || typeof p.name !== "string") {
      throw new TypeError("optimizer.step: each weight is { name: string, value: tf.Variable, grad: tf.Tensor | null }");
    }
    if (seen.has(p.name)) throw new Error(`optimizer.step: two weights are named "${p.name}"; names key the optimizer state`);
    seen.add(p.name);
    if (!(p.value instanceof tf.Variable)) throw new TypeError(`optimizer.step: "${p.name}".value must be a tf.Variable`);
    if (p.value.dtype !== "float32") throw new TypeError(`optimizer.step: "${p.name}" is ${p.value.dtype}; weights are float32 (formats are emulated in float32)`);
    if (p.grad !== null && p.grad !== undefined) {
      if (!(p.grad instanceof tf.Tensor)) throw new TypeError(`optimizer.step: "${p.name}".grad must be a tf.Tensor or null`);
      if (!tf.util.arraysEqual(p.grad.shape, p.value.shape)) {
        throw new Error(`optimizer.step: "${p.name}" has shape [${p.value.shape}] but its gradient [${p.grad.shape}]`);
      }
    }
  }
}
