// Loss scaling (DESIGN.md section 4): amp.lossScale.none() | .static(scale) | .dynamic(options).
// The dynamic scaler is PyTorch's GradScaler state machine, written out from its definition
// (aten/src/ATen/native/cpu/AmpGradScalerKernels.cpp, _amp_update_scale_cpu_kernel; the CUDA kernel
// is the same), with the scale held in float32 as PyTorch holds it:
//
//   if found_inf:
//       scale = float32(scale * backoff_factor)      # and, with jmp's min_loss_scale: max(that, minScale)
//       growth_tracker = 0
//   else:
//       successful = growth_tracker + 1
//       if successful == growth_interval:
//           new_scale = float32(scale * growth_factor)
//           if isfinite(new_scale): scale = new_scale   # never grow past float32 max into inf
//           growth_tracker = 0
//       else:
//           growth_tracker = successful
//
// maxScale (tsamp's) caps a growth at that value. The trainer skips the optimizer step when
// foundInf; update(foundInf) records the step either way.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import * as tf from "../tf.js";
import { scalerHtml, scalerText } from "./loss-scale-display.js";
import { checkKeys } from "./suggest.js";

export type ScalerKind = "none" | "static" | "dynamic";

export interface DynamicLossScaleOptions {
  /** Starting scale; PyTorch's 2^16. */
  init?: number;
  /** Multiplies the scale after growthInterval finite steps in a row; > 1. PyTorch: 2. */
  growthFactor?: number;
  /** Multiplies the scale on a step with inf/NaN gradients; in (0, 1). PyTorch: 0.5. */
  backoffFactor?: number;
  /** Finite steps in a row before a growth; a positive integer. PyTorch: 2000. */
  growthInterval?: number;
  /** The scale never backs off below this (jmp's min_loss_scale). Default: no floor, as PyTorch. */
  minScale?: number;
  /** Growth stops at this value. Default: none (only float32's own range). */
  maxScale?: number;
  /** Keep at most this many latest events in state.history (default: all). */
  historyLimit?: number;
}

/** One optimizer step as the scaler saw it. */
export interface ScaleEvent {
  /** 0 for the first update(). */
  readonly step: number;
  /** The scale the step's loss was multiplied by (before this update changed it). */
  readonly scale: number;
  readonly foundInf: boolean;
  /** Whether the optimizer step was skipped (by default: exactly when foundInf). */
  readonly skipped: boolean;
}

/** Gradients as a list or keyed by name; unscale returns the same shape of container. */
export type Grads = readonly tf.Tensor[] | Readonly<Record<string, tf.Tensor>>;

/** A snapshot of a scaler; renders as a summary (a figure comes from lib/viz). */
export class ScalerState {
  readonly kind: ScalerKind;
  readonly scale: number;
  readonly growthTracker: number;
  readonly growthInterval: number | null;
  /** update() calls so far. */
  readonly steps: number;
  readonly skippedSteps: number;
  readonly history: readonly ScaleEvent[];

  constructor(fields: Omit<ScalerState, typeof DISPLAY | "toString">) {
    this.kind = fields.kind;
    this.scale = fields.scale;
    this.growthTracker = fields.growthTracker;
    this.growthInterval = fields.growthInterval;
    this.steps = fields.steps;
    this.skippedSteps = fields.skippedSteps;
    this.history = Object.freeze([...fields.history]);
    Object.freeze(this);
  }

  toString(): string {
    return scalerText(this);
  }

  [DISPLAY](): MimeBundle {
    return { "text/plain": scalerText(this), "text/html": scalerHtml(this) };
  }
}

interface ResolvedOptions {
  init: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
  minScale: number | null;
  maxScale: number | null;
  historyLimit: number;
}

export class LossScaler {
  readonly kind: ScalerKind;
  /** The options in effect (dynamic: with PyTorch's defaults filled in). */
  readonly options: Readonly<ResolvedOptions>;
  #scale: number;
  #tracker = 0;
  #steps = 0;
  #skipped = 0;
  #history: ScaleEvent[] = [];

  /** Use amp.lossScale.none(), .static(scale) or .dynamic(options). */
  constructor(kind: ScalerKind, options: ResolvedOptions) {
    this.kind = kind;
    this.options = Object.freeze({ ...options });
    this.#scale = options.init;
  }

  /** The current scale (a float32 value). */
  get lossScale(): number {
    return this.#scale;
  }

  /** loss * scale, as a new float32 tensor (the caller's tensor is left alone). */
  scale(loss: tf.Tensor): tf.Tensor {
    if (this.kind === "none") return loss.dtype === "float32" ? tf.clone(loss) : tf.cast(loss, "float32");
    return tf.tidy(() => tf.mul(asFloat32(loss), tf.scalar(this.#scale, "float32")));
  }

  /**
   * Gradients divided by the scale, in float32, as new tensors in a container of the same shape.
   * Like PyTorch, it multiplies by the float32 reciprocal of the scale. Disposes nothing given.
   */
  unscale<G extends Grads>(grads: G): G {
    const inv = Math.fround(1 / this.#scale);
    const one = (g: tf.Tensor): tf.Tensor =>
      tf.tidy(() => (inv === 1 ? tf.clone(asFloat32(g)) : tf.mul(asFloat32(g), tf.scalar(inv, "float32"))));
    return mapGrads(grads, one) as G;
  }

  /**
   * Whether any gradient holds an inf or NaN: isFinite over every gradient, reduced on the device
   * into one scalar, read once (one sync per optimizer step).
   */
  findInf(grads: Grads): boolean {
    const allFinite = allFiniteScalar(grads);
    if (allFinite === null) return false;
    try {
      return allFinite.dataSync()[0] === 0;
    } finally {
      allFinite.dispose();
    }
  }

  /**
   * findInf with an asynchronous read, for backends that cannot read synchronously (webgpu in Node)
   * and for training loops that would rather not block.
   */
  async findInfAsync(grads: Grads): Promise<boolean> {
    const allFinite = allFiniteScalar(grads);
    if (allFinite === null) return false;
    try {
      return (await allFinite.data())[0] === 0;
    } finally {
      allFinite.dispose();
    }
  }

  /**
   * Records one optimizer step and advances the state machine (see the top of this file); none
   * and static scalers only record. `skipped` defaults to foundInf. Returns the recorded event.
   */
  update(foundInf: boolean, opts: { skipped?: boolean } = {}): ScaleEvent {
    if (typeof foundInf !== "boolean") {
      throw new TypeError(`scaler.update(foundInf) expects a boolean (from scaler.findInf(grads)), got ${typeof foundInf}`);
    }
    const skipped = opts.skipped ?? foundInf;
    const event: ScaleEvent = Object.freeze({ step: this.#steps, scale: this.#scale, foundInf, skipped });
    if (this.kind === "dynamic") this.#advance(foundInf);
    this.#steps += 1;
    if (skipped) this.#skipped += 1;
    this.#history.push(event);
    if (this.#history.length > this.options.historyLimit) this.#history.shift();
    return event;
  }

  #advance(foundInf: boolean): void {
    const o = this.options;
    if (foundInf) {
      let next = Math.fround(this.#scale * o.backoffFactor);
      if (o.minScale !== null) next = Math.max(next, o.minScale);
      this.#scale = next;
      this.#tracker = 0;
      return;
    }
    const successful = this.#tracker + 1;
    if (successful === o.growthInterval) {
      let next = Math.fround(this.#scale * o.growthFactor);
      if (o.maxScale !== null) next = Math.min(next, o.maxScale);
      if (Number.isFinite(next)) this.#scale = next;
      this.#tracker = 0;
    } else {
      this.#tracker = successful;
    }
  }

  get state(): ScalerState {
    return new ScalerState({
      kind: this.kind,
      scale: this.#scale,
      growthTracker: this.#tracker,
      growthInterval: this.kind === "dynamic" ? this.options.growthInterval : null,
      steps: this.#steps,
      skippedSteps: this.#skipped,
      history: this.#history,
    });
  }

  toString(): string {
    return scalerText(this.state);
  }

  [DISPLAY](): MimeBundle {
    return this.state[DISPLAY]();
  }
}

/** One bool scalar: every element of every gradient is finite (null for no gradients). */
function allFiniteScalar(grads: Grads): tf.Tensor | null {
  const list = Array.isArray(grads) ? (grads as readonly tf.Tensor[]) : Object.values(grads);
  if (list.length === 0) return null;
  return tf.tidy(() => {
    const perGrad = list.map((g) => tf.all(tf.isFinite(asFloat32(g))));
    return perGrad.length === 1 ? perGrad[0]! : tf.all(tf.stack(perGrad));
  });
}

function asFloat32(t: tf.Tensor): tf.Tensor {
  return t.dtype === "float32" ? t : tf.cast(t, "float32");
}

function mapGrads(grads: Grads, f: (g: tf.Tensor) => tf.Tensor): Grads {
  if (Array.isArray(grads)) return (grads as readonly tf.Tensor[]).map(f);
  if (typeof grads !== "object" || grads === null) throw new TypeError("expected gradients as an array of tensors or { name: tensor }");
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) out[k] = f(g);
  return out;
}

// ---- constructors and their validation ----

const DYNAMIC_KEYS = ["init", "growthFactor", "backoffFactor", "growthInterval", "minScale", "maxScale", "historyLimit"];

function fail(msg: string): never {
  throw new RangeError(`amp.lossScale.${msg}`);
}

/** A positive float32 scale (rounded to float32 as PyTorch stores it). */
function float32Scale(where: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) fail(`${where} must be a finite number > 0, got ${String(x)}`);
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) fail(`${where} = ${x} is outside float32's range`);
  return f;
}

function historyLimit(where: string, x: unknown): number {
  if (x === undefined) return Infinity;
  if (typeof x !== "number" || !(x === Infinity || (Number.isInteger(x) && x >= 0))) {
    fail(`${where}: historyLimit must be a non-negative integer or Infinity, got ${String(x)}`);
  }
  return x;
}

/** No scaling: scale 1, never changes (jmp's NoOpLossScale). */
export function none(opts: { historyLimit?: number } = {}): LossScaler {
  checkKeys("amp.lossScale.none", opts, ["historyLimit"]);
  return new LossScaler("none", { ...FIXED, init: 1, historyLimit: historyLimit("none()", opts.historyLimit) });
}

/** A fixed scale (jmp's StaticLossScale); steps with inf/NaN are still reported as skipped. */
function staticScale(scale: number, opts: { historyLimit?: number } = {}): LossScaler {
  checkKeys("amp.lossScale.static", opts, ["historyLimit"]);
  return new LossScaler("static", {
    ...FIXED,
    init: float32Scale("static(scale): scale", scale),
    historyLimit: historyLimit("static()", opts.historyLimit),
  });
}

const FIXED = { growthFactor: 1, backoffFactor: 1, growthInterval: 0, minScale: null, maxScale: null };

/** PyTorch's GradScaler (defaults 2^16, x2, x0.5, every 2000 steps), with jmp's minScale. */
export function dynamic(opts: DynamicLossScaleOptions = {}): LossScaler {
  if (typeof opts !== "object" || opts === null) fail("dynamic expects an options object");
  checkKeys("amp.lossScale.dynamic", opts, DYNAMIC_KEYS);
  const init = float32Scale("dynamic: init", opts.init ?? 2 ** 16);
  const growthFactor = opts.growthFactor ?? 2;
  if (typeof growthFactor !== "number" || !Number.isFinite(growthFactor) || !(growthFactor > 1)) {
    fail(`dynamic: growthFactor must be a finite number > 1, got ${String(growthFactor)}`);
  }
  const backoffFactor = opts.backoffFactor ?? 0.5;
  if (typeof backoffFactor !== "number" || !(backoffFactor > 0 && backoffFactor < 1)) {
    fail(`dynamic: backoffFactor must be in (0, 1), got ${String(backoffFactor)}`);
  }
  const growthInterval = opts.growthInterval ?? 2000;
  if (typeof growthInterval !== "number" || !Number.isSafeInteger(growthInterval) || growthInterval < 1) {
    fail(`dynamic: growthInterval must be a positive integer, got ${String(growthInterval)}`);
  }
  const minScale = opts.minScale === undefined ? null : float32Scale("dynamic: minScale", opts.minScale);
  const maxScale = opts.maxScale === undefined ? null : float32Scale("dynamic: maxScale", opts.maxScale);
  if (minScale !== null && init < minScale) fail(`dynamic: init (${init}) is below minScale (${minScale})`);
  if (maxScale !== null && init > maxScale) fail(`dynamic: init (${init}) is above maxScale (${maxScale})`);
  return new LossScaler("dynamic", {
    init,
    growthFactor,
    backoffFactor,
    growthInterval,
    minScale,
    maxScale,
    historyLimit: historyLimit("dynamic", opts.historyLimit),
  });
}

export const lossScale = Object.freeze({ none, static: staticScale, dynamic });
