// The trainer's metrics by name: top-5 accuracy (ImageNet's second number) against a hand count,
// for class indices and one-hot labels, with ties at the boundary counted as hits (in_top_k's
// rule), and through fit and evaluate under a mixed policy.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { amp, models } from "../../lib/index.js";
import { METRICS, topKAccuracy } from "../../lib/amp/trainer-losses.js";

beforeAll(async () => {
  await backends.use("wasm");
});

const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe("top-k accuracy", () => {
  // 7 classes; label ranks: row 0 rank 1, row 1 rank 5, row 2 rank 6, row 3 rank 7 (last).
  const logits = [
    [9, 1, 2, 3, 4, 5, 6],
    [6, 5, 4, 3, 2, 1, 0],
    [1, 6, 5, 4, 3, 2, 0],
    [0, 1, 2, 3, 4, 5, 6],
  ];
  const labels = [0, 4, 0, 0];

  it("counts rows whose label is among the k largest, for class indices and one-hot labels", () => {
    const yPred = tf.tensor2d(logits);
    const yTrue = tf.tensor1d(labels, "int32");
    const hot = tf.oneHot(yTrue, 7);
    expect(value(METRICS["top5"]!(yTrue, yPred))).toBeCloseTo(0.5, 6);
    expect(value(METRICS["top5"]!(hot, yPred))).toBeCloseTo(0.5, 6);
    expect(value(topKAccuracy(1)(yTrue, yPred))).toBeCloseTo(0.25, 6);
    expect(value(METRICS["accuracy"]!(yTrue, yPred))).toBeCloseTo(0.25, 6);
    expect(value(topKAccuracy(6)(yTrue, yPred))).toBeCloseTo(0.75, 6);
    expect(value(topKAccuracy(7)(yTrue, yPred))).toBeCloseTo(1, 6);
    tf.dispose([yPred, yTrue, hot]);
  });

  it("counts a tie at the boundary as a hit (tf.math.in_top_k's rule)", () => {
    // Label 5 ties with classes 4..6 at 1; four classes score above: rank 5 counts for top-5.
    const yPred = tf.tensor2d([[4, 3, 2, 2, 1, 1, 1]]);
    const yTrue = tf.tensor1d([5], "int32");
    expect(value(METRICS["top5"]!(yTrue, yPred))).toBe(1);
    expect(value(topKAccuracy(4)(yTrue, yPred))).toBe(0);
    tf.dispose([yPred, yTrue]);
  });

  it("rejects a bad k", () => {
    expect(() => topKAccuracy(0)).toThrow(/positive integer/);
    expect(() => topKAccuracy(2.5)).toThrow(/positive integer/);
  });

  it("is a metric name for the trainer: top5 in step records and evaluate, without leaks", async () => {
    const x = tf.randomNormal([16, 8, 8, 3], 0, 1, "float32", 1);
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32");
    const model = models.resnet({ inputShape: [8, 8, 3], blocks: [1], width: 4, seed: 3 });
    const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.05 }), policy: "mixed_float16", metrics: ["accuracy", "top5Accuracy"] });
    await t.fit({ x, y }, { epochs: 1, batchSize: 8, verbose: 0 });
    const before = tf.memory().numTensors;
    await t.fit({ x, y }, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const step = t.history.last!;
    expect(Object.keys(step.metrics)).toEqual(["accuracy", "top5"]);
    expect(step.metrics["top5"]).toBeGreaterThanOrEqual(step.metrics["accuracy"]!);
    const val = await t.evaluate(x, y);
    const direct = tf.tidy(() => topKAccuracy(5)(y, t.predict(x)));
    expect(val["top5"]).toBeCloseTo(value(direct), 6);
    model.dispose();
    t.optimizer.dispose();
    tf.dispose([x, y]);
  });

  it("an unknown metric lists the known names", () => {
    const model = models.mlp({ inputSize: 4, hidden: [4], classes: 3 });
    expect(() => amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }), metrics: ["top3" as "top5"] })).toThrow(/Metrics: accuracy, acc, top5/);
    model.dispose();
  });
});
