// SGD with momentum, dampening, Nesterov and (L2) weight decay: torch.optim.SGD's update rule
// (torch/optim/sgd.py, _single_tensor_sgd), per weight p with gradient g:
//
//   if weight_decay != 0:  g = g + weight_decay * p
//   if momentum != 0:
//       if first step:     buf = clone(g)
//       else:              buf = momentum * buf + (1 - dampening) * g
//       if nesterov:       g = g + momentum * buf
//       else:              g = buf
//   p = p - lr * g
//
// PyTorch's checks: nesterov needs momentum > 0 and dampening == 0.
import * as tf from "../../tf.js";
import { Optimizer, type CommonOptions, type RuleInput } from "./optimizer.js";

export interface SgdOptions extends CommonOptions {
  momentum?: number;
  nesterov?: boolean;
  dampening?: number;
}

export class Sgd extends Optimizer {
  readonly kind = "sgd";
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly dampening: number;

  constructor(opts: SgdOptions) {
    super("amp.optim.sgd", opts, ["momentum", "nesterov", "dampening"]);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.dampening = opts.dampening ?? 0;
    if (!Number.isFinite(this.momentum) || this.momentum < 0) throw new RangeError(`amp.optim.sgd: momentum must be >= 0, got ${this.momentum}`);
    if (!Number.isFinite(this.dampening)) throw new RangeError(`amp.optim.sgd: dampening must be a finite number, got ${this.dampening}`);
    if (typeof this.nesterov !== "boolean") throw new TypeError("amp.optim.sgd: nesterov must be a boolean");
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError("amp.optim.sgd: Nesterov momentum requires a momentum > 0 and zero dampening (as in PyTorch)");
    }
  }

  protected hyperparameters(): Record<string, unknown> {
    return { lr: this.baseLr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected rule({ weight, grad, slot, lr, weightDecay }: RuleInput): tf.Tensor {
    let g = grad;
    if (weightDecay !== 0) g = tf.add(g, tf.mul(weight, tf.scalar(weightDecay)));
    if (this.momentum !== 0) {
      const prev = slot.buffers.get("momentumBuffer");
      const buf =
        prev === undefined
          ? tf.clone(g)
          : tf.add(tf.mul(prev, tf.scalar(this.momentum)), tf.mul(g, tf.scalar(1 - this.dampening)));
      this.setBuffer(slot, "momentumBuffer", buf);
      g = this.nesterov ? tf.add(g, tf.mul(buf, tf.scalar(this.momentum))) : buf;
    }
    return tf.sub(weight, tf.mul(g, tf.scalar(lr)));
  }
}

export function sgd(opts: SgdOptions): Sgd {
  return new Sgd(opts);
}
