// LeNet-5 (LeCun et al. 1998) as a tf.layers model, NHWC: conv 5x5 (6) - pool - conv 5x5 (16) -
// pool - dense 120 - dense 84 - dense classes. On 32x32 inputs the convolutions are "valid" as in
// the paper (32 -> 28 -> 14 -> 10 -> 5); on 28x28 (MNIST, Fashion-MNIST) the first one pads
// ("same"), the usual way to keep the paper's 5x5x16 feature map.
import * as tf from "../tf.js";
import { checkKeys, initializer, positiveInt, shapeOf } from "./options.js";

export interface LenetOptions {
  /** [height, width, channels]; default [32, 32, 3]. [28, 28, 1] for (Fashion-)MNIST. */
  inputShape?: readonly number[];
  classes?: number;
  /** relu (default, the modern choice) or tanh (the paper's squashing). */
  activation?: "relu" | "tanh";
  /** max (default) or avg (the paper's subsampling). */
  pooling?: "max" | "avg";
  /** Ends in a softmax; default false: the model outputs logits (use the trainer's "crossEntropy"). */
  softmax?: boolean;
  /** Seeds the weight initializers: the same seed, the same initial weights. */
  seed?: number;
  name?: string;
}

export function lenet(opts: LenetOptions = {}): tf.Sequential {
  checkKeys("models.lenet", opts, ["inputShape", "classes", "activation", "pooling", "softmax", "seed", "name"]);
  const inputShape = shapeOf("models.lenet", opts.inputShape ?? [32, 32, 3], 3);
  const classes = positiveInt("models.lenet: classes", opts.classes ?? 10);
  const activation = opts.activation ?? "relu";
  if (activation !== "relu" && activation !== "tanh") throw new Error(`models.lenet: activation is "relu" or "tanh", got "${String(activation)}"`);
  const pooling = opts.pooling ?? "max";
  if (pooling !== "max" && pooling !== "avg") throw new Error(`models.lenet: pooling is "max" or "avg", got "${String(pooling)}"`);
  const [h, w] = inputShape;
  const firstPadding = h! < 32 || w! < 32 ? "same" : "valid";
  const pool = () => (pooling === "max" ? tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }) : tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  const kind = activation === "relu" ? "heNormal" : "glorotUniform";
  const init = (i: number) => initializer(kind, opts.seed, i);
  const model = tf.sequential({ name: opts.name ?? "lenet" });
  model.add(tf.layers.conv2d({ inputShape: [...inputShape], filters: 6, kernelSize: 5, padding: firstPadding, activation, kernelInitializer: init(0), name: "conv1" }));
  model.add(pool());
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: "valid", activation, kernelInitializer: init(1), name: "conv2" }));
  model.add(pool());
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 120, activation, kernelInitializer: init(2), name: "fc1" }));
  model.add(tf.layers.dense({ units: 84, activation, kernelInitializer: init(3), name: "fc2" }));
  model.add(tf.layers.dense({ units: classes, activation: opts.softmax ? "softmax" : "linear", kernelInitializer: initializer("glorotUniform", opts.seed, 4), name: "logits" }));
  return model;
}
