// Adam and AdamW: torch.optim.Adam / AdamW's update rules (torch/optim/adam.py, _single_tensor_adam,
// amsgrad off), per weight p with gradient g, per-weight step count t (1 on the first step):
//
//   AdamW only:            p = p * (1 - lr * weight_decay)          (decoupled decay)
//   Adam only, if wd != 0: g = g + weight_decay * p                 (L2 folded into the gradient)
//   m = lerp(m, g, 1 - beta1)              = beta1 * m + (1 - beta1) * g   (m, v start at 0)
//   v = beta2 * v + (1 - beta2) * g * g
//   bias_correction1 = 1 - beta1^t
//   bias_correction2 = 1 - beta2^t
//   step_size = lr / bias_correction1
//   denom = sqrt(v) / sqrt(bias_correction2) + eps
//   p = p - step_size * m / denom
//
// The scalars (bias corrections, step size) are computed in double as PyTorch does in Python, then
// enter the float32 ops as float32 scalars. lerp is ATen's: below weight 0.5 it is
// m + w * (g - m), else g - (g - m) * (1 - w).
import * as tf from "../../tf.js";
import { Optimizer, type CommonOptions, type RuleInput } from "./optimizer.js";

export interface AdamOptions extends CommonOptions {
  betas?: readonly [number, number];
  eps?: number;
}

abstract class AdamFamily extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  protected abstract readonly decoupled: boolean;

  protected constructor(what: string, opts: AdamOptions) {
    super(what, opts, ["betas", "eps"]);
    const betas = opts.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${what}: betas must be [beta1, beta2]`);
    [this.beta1, this.beta2] = betas;
    for (const [i, b] of betas.entries()) {
      if (typeof b !== "number" || !(b >= 0 && b < 1)) throw new RangeError(`${what}: betas[${i}] must be in [0, 1), got ${String(b)}`);
    }
    this.eps = opts.eps ?? 1e-8;
    if (typeof this.eps !== "number" || !(this.eps >= 0) || !Number.isFinite(this.eps)) {
      throw new RangeError(`${what}: eps must be a finite number >= 0, got ${String(this.eps)}`);
    }
  }

  protected hyperparameters(): Record<string, unknown> {
    return { lr: this.baseLr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected rule({ weight, grad, slot, lr, weightDecay }: RuleInput): tf.Tensor {
    let p = weight;
    let g = grad;
    if (weightDecay !== 0) {
      if (this.decoupled) p = tf.mul(p, tf.scalar(1 - lr * weightDecay));
      else g = tf.add(g, tf.mul(p, tf.scalar(weightDecay)));
    }
    const t = slot.step;
    const m0 = slot.buffers.get("expAvg") ?? tf.zerosLike(g);
    const v0 = slot.buffers.get("expAvgSq") ?? tf.zerosLike(g);
    const m = this.setBuffer(slot, "expAvg", lerp(m0, g, 1 - this.beta1));
    const v = this.setBuffer(slot, "expAvgSq", tf.add(tf.mul(v0, tf.scalar(this.beta2)), tf.mul(tf.mul(g, g), tf.scalar(1 - this.beta2))));
    const biasCorrection1 = 1 - this.beta1 ** t;
    const biasCorrection2 = 1 - this.beta2 ** t;
    const stepSize = lr / biasCorrection1;
    const denom = tf.add(tf.div(tf.sqrt(v), tf.scalar(Math.sqrt(biasCorrection2))), tf.scalar(this.eps));
    return tf.sub(p, tf.mul(tf.div(m, denom), tf.scalar(stepSize)));
  }
}

/** ATen's lerp(start, end, w) for a scalar weight. */
function lerp(start: tf.Tensor, end: tf.Tensor, w: number): tf.Tensor {
  const diff = tf.sub(end, start);
  return Math.abs(w) < 0.5 ? tf.add(start, tf.mul(diff, tf.scalar(w))) : tf.sub(end, tf.mul(diff, tf.scalar(1 - w)));
}

export class Adam extends AdamFamily {
  readonly kind = "adam";
  protected readonly decoupled = false;

  constructor(opts: AdamOptions) {
    super("amp.optim.adam", opts);
  }
}

export class AdamW extends AdamFamily {
  readonly kind = "adamw";
  protected readonly decoupled = true;

  constructor(opts: AdamOptions) {
    super("amp.optim.adamw", opts);
  }

  protected override defaultWeightDecay(): number {
    return 0.01; // torch.optim.AdamW's default
  }
}

export function adam(opts: AdamOptions): Adam {
  return new Adam(opts);
}

export function adamw(opts: AdamOptions): AdamW {
  return new AdamW(opts);
}
