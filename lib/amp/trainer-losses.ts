// Losses and metrics the trainer understands by name, or any function (yTrue, yPred) => tensor.
// Each returns the mean over the batch as a float32 scalar. The trainer runs them in autocast's
// "loss" region, where every op is float32 (PyTorch's autocast lists every loss as float32).
import * as tf from "../tf.js";
import { didYouMean } from "./suggest.js";

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Labels as class indices (int, shape [N]) or one-hot/probabilities ([N, C]) against predictions [N, C]. */
function oneHotLike(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.shape.length - 1]!;
  if (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === classes) return tf.cast(yTrue, "float32");
  const idx = tf.cast(yTrue.rank === yPred.rank ? tf.squeeze(yTrue, [-1]) : yTrue, "int32");
  return tf.oneHot(idx.flatten(), classes).reshape(yPred.shape).toFloat();
}

function labelsOf(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.shape.length - 1]!;
  if (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === classes && classes > 1) return tf.argMax(yTrue, -1);
  return tf.cast(yTrue.rank === yPred.rank ? tf.squeeze(yTrue, [-1]) : yTrue, "int32");
}

const EPS = 1e-7; // Keras' epsilon() for clipping probabilities

export const LOSSES: Readonly<Record<string, LossFn>> = Object.freeze({
  /** Softmax cross-entropy from logits; labels one-hot or class indices (PyTorch's CrossEntropyLoss). */
  crossEntropy: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(oneHotLike(yTrue, yPred), yPred),
  /** Cross-entropy of probabilities (a model ending in softmax); labels one-hot or class indices. */
  categoricalCrossentropy: (yTrue, yPred) => {
    const p = tf.clipByValue(yPred, EPS, 1 - EPS);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHotLike(yTrue, yPred), tf.log(p)), -1)));
  },
  /** Binary cross-entropy from logits (PyTorch's BCEWithLogitsLoss). */
  sigmoidCrossEntropy: (yTrue, yPred) => tf.losses.sigmoidCrossEntropy(tf.cast(yTrue, "float32").reshape(yPred.shape), yPred),
  /** Binary cross-entropy of probabilities. */
  binaryCrossentropy: (yTrue, yPred) => {
    const p = tf.clipByValue(yPred, EPS, 1 - EPS);
    const y = tf.cast(yTrue, "float32").reshape(yPred.shape);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))));
  },
  meanSquaredError: (yTrue, yPred) => tf.mean(tf.squaredDifference(tf.cast(yTrue, "float32").reshape(yPred.shape), yPred)),
  meanAbsoluteError: (yTrue, yPred) => tf.mean(tf.abs(tf.sub(tf.cast(yTrue, "float32").reshape(yPred.shape), yPred))),
});

const LOSS_ALIASES: Readonly<Record<string, string>> = {
  softmaxCrossEntropy: "crossEntropy",
  sparseCategoricalCrossentropy: "categoricalCrossentropy",
  mse: "meanSquaredError",
  mae: "meanAbsoluteError",
};

export type LossLike = keyof typeof LOSSES | "softmaxCrossEntropy" | "sparseCategoricalCrossentropy" | "mse" | "mae" | LossFn;

export function toLoss(loss: LossLike): { name: string; fn: LossFn } {
  if (typeof loss === "function") return { name: loss.name || "loss", fn: loss };
  if (typeof loss === "string") {
    const name = LOSS_ALIASES[loss] ?? loss;
    const fn = LOSSES[name];
    if (fn !== undefined) return { name: loss, fn };
    const known = [...Object.keys(LOSSES), ...Object.keys(LOSS_ALIASES)];
    throw new Error(`amp.trainer: unknown loss "${loss}".${didYouMean(loss, known)} Losses: ${known.join(", ")}, or a function (yTrue, yPred) => scalar.`);
  }
  throw new TypeError("amp.trainer: loss is a name (crossEntropy, categoricalCrossentropy, meanSquaredError, ...) or a function (yTrue, yPred) => scalar");
}

/** Share of rows whose argmax matches the label (class indices or one-hot); 0.5 threshold for one output. */
export const accuracy: MetricFn = (yTrue, yPred) => {
  const classes = yPred.shape[yPred.shape.length - 1]!;
  if (classes === 1 || yPred.rank === 1) {
    const pred = tf.cast(tf.greater(yPred.flatten(), 0.5), "float32");
    return tf.mean(tf.cast(tf.equal(pred, tf.cast(yTrue, "float32").flatten()), "float32"));
  }
  return tf.mean(tf.cast(tf.equal(tf.argMax(yPred, -1), labelsOf(yTrue, yPred)), "float32"));
};

/**
 * Top-k accuracy: share of rows whose label is among the k largest predictions (class indices or
 * one-hot labels). A row counts when fewer than k classes score strictly above the label's class,
 * so ties at the boundary count as hits, as tf.math.in_top_k does. Built from comparisons and sums
 * rather than a top-k kernel, so it runs on every backend.
 */
export function topKAccuracy(k: number): MetricFn {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`topKAccuracy: k must be a positive integer, got ${String(k)}`);
  const fn: MetricFn = (yTrue, yPred) => {
    const classes = yPred.shape[yPred.shape.length - 1]!;
    const logits = tf.reshape(tf.cast(yPred, "float32"), [-1, classes]);
    const hot = tf.reshape(tf.oneHot(tf.reshape(labelsOf(yTrue, yPred), [-1]), classes), [-1, classes]);
    const target = tf.sum(tf.mul(logits, hot), -1, true);
    const above = tf.sum(tf.cast(tf.greater(logits, target), "float32"), -1);
    return tf.mean(tf.cast(tf.less(above, k), "float32"));
  };
  Object.defineProperty(fn, "name", { value: `top${k}` });
  return fn;
}

/** Top-5 accuracy, ImageNet's second number. */
export const top5 = topKAccuracy(5);

export const METRICS: Readonly<Record<string, MetricFn>> = Object.freeze({ accuracy, acc: accuracy, top5, top5Accuracy: top5 });

export type MetricsLike = ReadonlyArray<"accuracy" | "acc" | "top5" | "top5Accuracy" | MetricFn> | Readonly<Record<string, MetricFn>>;

export function toMetrics(metrics: MetricsLike | undefined): Array<{ name: string; fn: MetricFn }> {
  if (metrics === undefined) return [];
  if (Array.isArray(metrics)) {
    return metrics.map((m, i) => {
      if (typeof m === "function") return { name: m.name || `metric${i}`, fn: m };
      const fn = METRICS[m];
      if (fn === undefined) throw new Error(`amp.trainer: unknown metric "${String(m)}".${didYouMean(String(m), Object.keys(METRICS))} Metrics: ${Object.keys(METRICS).join(", ")}, or functions.`);
      return { name: m === "acc" ? "accuracy" : m === "top5Accuracy" ? "top5" : m, fn };
    });
  }
  if (typeof metrics === "object" && metrics !== null) {
    return Object.entries(metrics as Record<string, MetricFn>).map(([name, fn]) => {
      if (typeof fn !== "function") throw new TypeError(`amp.trainer: metric "${name}" must be a function (yTrue, yPred) => scalar`);
      return { name, fn };
    });
  }
  throw new TypeError('amp.trainer: metrics is ["accuracy", fn, ...] or { name: fn }');
}

/** The mean of a loss or metric result, as a float32 scalar. */
export function toScalar(t: tf.Tensor): tf.Tensor {
  const f = t.dtype === "float32" ? t : tf.cast(t, "float32");
  return f.rank === 0 ? f : tf.mean(f);
}
