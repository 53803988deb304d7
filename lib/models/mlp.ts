// A multilayer perceptron: dense layers with an activation, then a dense layer of `classes` logits.
// Image inputs are flattened first.
import * as tf from "../tf.js";
import { checkKeys, initializer, positiveInt } from "./options.js";

export interface MlpOptions {
  /** Features per sample (784), or a shape ([28, 28, 1]) that is flattened. */
  inputSize: number | readonly number[];
  /** Units of each hidden layer; default [128]. */
  hidden?: readonly number[];
  classes?: number;
  activation?: "relu" | "tanh" | "gelu" | "sigmoid" | "elu";
  softmax?: boolean;
  /** Seeds the weight initializers: the same seed, the same initial weights. */
  seed?: number;
  name?: string;
}

export function mlp(opts: MlpOptions): tf.Sequential {
  if (typeof opts !== "object" || opts === null) throw new TypeError("models.mlp expects { inputSize, hidden?, classes? }");
  checkKeys("models.mlp", opts, ["inputSize", "hidden", "classes", "activation", "softmax", "seed", "name"]);
  const shape = typeof opts.inputSize === "number" ? [positiveInt("models.mlp: inputSize", opts.inputSize)] : [...opts.inputSize];
  if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) throw new TypeError(`models.mlp: inputSize must be a positive integer or shape, got ${JSON.stringify(opts.inputSize)}`);
  const hidden = opts.hidden ?? [128];
  if (!Array.isArray(hidden)) throw new TypeError("models.mlp: hidden is an array of layer widths, e.g. [256, 128]");
  hidden.forEach((u, i) => positiveInt(`models.mlp: hidden[${i}]`, u));
  const classes = positiveInt("models.mlp: classes", opts.classes ?? 10);
  const activation = opts.activation ?? "relu";
  const model = tf.sequential({ name: opts.name ?? "mlp" });
  if (shape.length > 1) model.add(tf.layers.flatten({ inputShape: shape }));
  hidden.forEach((units, i) => {
    const first = i === 0 && shape.length === 1 ? { inputShape: shape } : {};
    model.add(tf.layers.dense({ ...first, units, activation, kernelInitializer: initializer(activation === "relu" ? "heNormal" : "glorotUniform", opts.seed, i), name: `dense${i + 1}` }));
  });
  model.add(tf.layers.dense({ ...(hidden.length === 0 && shape.length === 1 ? { inputShape: shape } : {}), units: classes, activation: opts.softmax ? "softmax" : "linear", kernelInitializer: initializer("glorotUniform", opts.seed, hidden.length), name: "logits" }));
  return model;
}
