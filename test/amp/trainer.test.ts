// The trainer against issue 4's acceptance: stagnation under a pure float16 policy and master
// weights under mixed_float16; gradient underflow without loss scaling; overflow backed off and
// skipped; gradients of weights rounded to float16 before the float32 optimizer; accumulation equal
// to one big batch; no tensor leaks; a failing step leaves everything as it was; fit over tensors,
// datasets and iterables, with callbacks, validation and resumption.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, formats, models, type DataLike, type Optimizer, type Param } from "../../lib/index.js";

beforeAll(async () => {
  await backends.use("wasm");
});

/** y = x . w with one weight w (a [1, 1] dense kernel, no bias), starting at `w0`. */
function oneWeight(w0 = 1): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [1], units: 1, useBias: false, kernelInitializer: tf.initializers.constant({ value: w0 }), name: "w" })],
  });
}

const weight = (m: tf.LayersModel) => m.getWeights()[0]!.dataSync()[0]!;

/** loss = sum(yPred): with x = 1 the gradient of w is exactly 1. */
const sumLoss = (_y: tf.Tensor, yPred: tf.Tensor) => tf.sum(yPred);

/** Wraps an optimizer's step to see the gradients it is given. */
function spy(opt: Optimizer): { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  const step = opt.step.bind(opt);
  opt.step = (params: readonly Param[]) => {
    for (const p of params) if (p.grad) seen.push(p.grad.dataSync() as Float32Array);
    step(params);
  };
  return { seen };
}

describe("stagnation and master weights (w = 1, SGD lr 1e-4, gradient 1, 100 steps)", () => {
  const run = async (policy: string) => {
    const model = oneWeight(1);
    const t = amp.trainer({ model, loss: sumLoss, optimizer: amp.optim.sgd({ lr: 1e-4 }), policy, lossScale: amp.lossScale.none() });
    const x = tf.ones([1, 1]);
    for (let i = 0; i < 100; i++) await t.step(x, x);
    x.dispose();
    const w = weight(model);
    model.dispose();
    return w;
  };

  it("pure float16 leaves w at 1: each update is below half of float16's spacing at 1", async () => {
    expect(await run("float16")).toBe(1);
  });

  it("mixed_float16 moves it by 0.01, to float32 precision (float32 master weights)", async () => {
    expect(Math.abs((await run("mixed_float16")) - 0.99)).toBeLessThan(1e-5);
  });
});

describe("loss scaling", () => {
  // A linear model whose loss is multiplied by 1e-8: every gradient is around 1e-8, below half of
  // float16's smallest subnormal (2^-25 ~ 3e-8), so float16 backward kernels flush them to zero.
  const data = () => {
    const x = tf.randomNormal([16, 4], 0, 1, "float32", 3);
    const y = tf.matMul(x, tf.tensor2d([[1], [-2], [0.5], [3]]));
    return { x, y };
  };
  const tiny = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mul(tf.mean(tf.squaredDifference(yTrue, yPred)), 1e-8);
  const train = async (lossScale: ReturnType<typeof amp.lossScale.none>) => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1, useBias: false, kernelInitializer: "zeros", name: "lin" })] });
    const opt = amp.optim.adam({ lr: 0.05, eps: 1e-30 }); // scale-free steps, so 1e-8 gradients still move it
    const seen = spy(opt);
    const t = amp.trainer({ model, loss: tiny, optimizer: opt, policy: "mixed_float16", lossScale });
    const { x, y } = data();
    for (let i = 0; i < 20; i++) await t.step(x, y);
    const w = Array.from(model.getWeights()[0]!.dataSync());
    tf.dispose([x, y]);
    model.dispose();
    return { w, seen: seen.seen, t };
  };

  it("gradients of ~1e-8 are zero under mixed_float16 without scaling: nothing is learned", async () => {
    const { w, seen, t } = await train(amp.lossScale.none());
    expect(w).toEqual([0, 0, 0, 0]);
    expect(new Set(t.history.series("loss")).size).toBe(1);
    expect(seen.length).toBe(20);
    expect(seen.every((g) => g.every((v) => v === 0))).toBe(true);
  });

  it("with dynamic loss scaling the same model learns", async () => {
    const { w, seen, t } = await train(amp.lossScale.dynamic());
    expect(seen.every((g) => g.some((v) => v !== 0))).toBe(true);
    expect(w.every((v) => v !== 0)).toBe(true);
    const losses = t.history.series("loss");
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    expect(t.history.skippedSteps).toBe(0);
    expect(t.scaler.state.scale).toBe(2 ** 16);
  });

  it("a scale that overflows is backed off, the step skipped and the weights untouched", async () => {
    const model = oneWeight(0.5);
    const t = amp.trainer({
      model,
      loss: (_y, yPred) => tf.mul(tf.sum(yPred), 4), // gradient 4 * scale: 2^30 * 4 is past float16's max
      optimizer: amp.optim.sgd({ lr: 0.1 }),
      policy: "mixed_float16",
      lossScale: amp.lossScale.dynamic({ init: 2 ** 30 }),
    });
    const x = tf.ones([1, 1]);
    const rec = await t.step(x, x);
    expect(rec.skipped).toBe(true);
    expect(rec.scale).toBe(2 ** 30);
    expect(weight(model)).toBe(0.5);
    expect(t.scaler.state.scale).toBe(2 ** 29);
    expect(t.scaler.state.skippedSteps).toBe(1);
    expect(t.optimizer.steps).toBe(0);
    // It keeps backing off until the scaled gradient fits (4 * 2^13 < 65504), then trains.
    for (let i = 0; i < 20; i++) await t.step(x, x);
    expect(t.scaler.state.scale).toBe(2 ** 13);
    expect(t.history.skippedSteps).toBe(17);
    expect(weight(model)).toBeCloseTo(0.5 - 4 * 0.1 * 4, 5);
    x.dispose();
    model.dispose();
  });
});

describe("gradients reaching the optimizer", () => {
  it("are float16 values under mixed_float16 for weights that float16 ops used (and not under float32)", async () => {
    const run = async (policy: string) => {
      const model = models.mlp({ inputSize: 12, hidden: [10], classes: 3 });
      const opt = amp.optim.sgd({ lr: 0.1 });
      const seen = spy(opt);
      const t = amp.trainer({ model, loss: "crossEntropy", optimizer: opt, policy, lossScale: amp.lossScale.none() });
      const x = tf.randomNormal([8, 12], 0, 1, "float32", 5);
      const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32");
      await t.step(x, y);
      tf.dispose([x, y]);
      model.dispose();
      return seen.seen;
    };
    const f16 = formats.get("float16");
    const isF16 = (g: Float32Array) => g.every((v) => f16.round(v) === v);
    // dense1/kernel, dense1/bias, logits/kernel, logits/bias. While taping gradients tfjs fuses
    // only linear activations, so dense1 runs matMul (float16) + bias add + relu: its bias meets a
    // float16 activation in an add, which promotes to float32 as in PyTorch, and its gradient is
    // float32. logits' bias is part of the fused matmul and cast to float16 with it.
    const [k1, b1, k2, b2] = await run("mixed_float16");
    expect([k1, k2, b2].every((g) => isF16(g!))).toBe(true);
    expect(isF16(b1!)).toBe(false);
    const full = await run("float32");
    expect(full.some((g) => !isF16(g))).toBe(true);
  });
});

describe("accumulation", () => {
  it("k micro-batches equal one big batch for SGD (float32 tolerance)", async () => {
    const x = tf.randomNormal([32, 10], 0, 1, "float32", 7);
    const y = tf.randomUniformInt([32], 0, 4, { seed: 8 });
    const first = models.mlp({ inputSize: 10, hidden: [16], classes: 4 });
    const initial = first.getWeights();
    const after = async (accumulate: number) => {
      const model = models.mlp({ inputSize: 10, hidden: [16], classes: 4 });
      model.setWeights(initial);
      const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.5, momentum: 0.9 }), accumulate, metrics: ["accuracy"] });
      const r1 = await t.step(x, y);
      const r2 = await t.step(x, y);
      const w = model.getWeights().map((v) => Array.from(v.dataSync()));
      model.dispose();
      return { w, r1, r2 };
    };
    const one = await after(1);
    const four = await after(4);
    expect(four.r1.loss).toBeCloseTo(one.r1.loss, 5);
    expect(four.r1.accuracy).toBeCloseTo(one.r1.accuracy!, 6);
    expect(four.r2.loss).toBeCloseTo(one.r2.loss, 5);
    one.w.forEach((layer, i) => layer.forEach((v, j) => expect(Math.abs(v - four.w[i]![j]!)).toBeLessThan(1e-5)));
    // Uneven micro-batches (32 = 11 + 11 + 10) are weighted by their sizes.
    const three = await after(3);
    one.w.forEach((layer, i) => layer.forEach((v, j) => expect(Math.abs(v - three.w[i]![j]!)).toBeLessThan(1e-5)));
    tf.dispose([x, y]);
    first.dispose();
  });

  it("checks for inf once per optimizer step and keeps one scale for the effective batch", async () => {
    const model = models.mlp({ inputSize: 6, hidden: [8], classes: 2 });
    const scaler = amp.lossScale.dynamic({ growthInterval: 2 });
    let checks = 0;
    const findInf = scaler.findInf.bind(scaler);
    scaler.findInf = (g) => {
      checks += 1;
      return findInf(g);
    };
    const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }), policy: "mixed_float16", lossScale: scaler, accumulate: 4 });
    const x = tf.randomNormal([64, 6], 0, 1, "float32", 9);
    const y = tf.randomUniformInt([64], 0, 2, { seed: 10 });
    await t.fit({ x, y }, { epochs: 1, batchSize: 8, verbose: 0 }); // 8 micro-batches: 2 optimizer steps
    expect(t.steps).toBe(2);
    expect(checks).toBe(2);
    expect(t.history.steps.map((s) => s.samples)).toEqual([32, 32]);
    expect(scaler.state.steps).toBe(2);
    expect(scaler.state.scale).toBe(2 ** 17); // grew once after two finite steps
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe("robustness", () => {
  it("leaks no tensors across steps and epochs (mixed_float16, clipping, metrics, validation)", async () => {
    const model = models.lenet({ inputShape: [28, 28, 1] });
    const t = amp.trainer({
      model,
      loss: "crossEntropy",
      optimizer: amp.optim.adamw({ lr: 1e-3 }),
      policy: "mixed_float16",
      clipNorm: 1,
      metrics: ["accuracy"],
      accumulate: 2,
    });
    const x = tf.randomNormal([24, 28, 28, 1], 0, 1, "float32", 11);
    const y = tf.randomUniformInt([24], 0, 10, { seed: 12 });
    await t.fit({ x, y }, { epochs: 1, batchSize: 4, validation: { x, y }, verbose: 0 });
    const n = tf.memory().numTensors;
    await t.fit({ x, y }, { epochs: 2, batchSize: 4, validation: [x, y], verbose: 0 });
    await t.step(x, y);
    expect(tf.memory().numTensors).toBe(n);
    expect(t.history.steps.every((s) => typeof s.gradNorm === "number")).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("a step that throws leaves weights, running statistics, optimizer and scaler as they were", async () => {
    const model = models.resnet({ inputShape: [8, 8, 3], classes: 3, blocks: [1], width: 4 });
    const x = tf.randomNormal([6, 8, 8, 3], 0, 1, "float32", 13);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2], "int32");
    let fail = false;
    const t = amp.trainer({
      model,
      loss: (yTrue, yPred) => {
        const l = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(yTrue, "int32"), 3), yPred);
        if (fail) throw new Error("interrupted inside the step");
        return l;
      },
      optimizer: amp.optim.sgd({ lr: 0.1, momentum: 0.9 }),
      policy: "mixed_float16",
    });
    await t.step(x, y);
    await t.step(x, y);
    const weights = () => model.weights.map((w) => Array.from(w.read().dataSync()));
    const before = weights();
    const momentum = t.optimizer.state.params.map((p) => Array.from(p.buffers["momentumBuffer"]!.dataSync()));
    const scaler = t.scaler.state;
    const n = tf.memory().numTensors;
    fail = true;
    await expect(t.step(x, y)).rejects.toThrow("interrupted inside the step");
    expect(weights()).toEqual(before); // includes batch norm's moving mean and variance
    expect(t.optimizer.steps).toBe(2);
    expect(t.optimizer.state.params.map((p) => Array.from(p.buffers["momentumBuffer"]!.dataSync()))).toEqual(momentum);
    expect(t.scaler.state.steps).toBe(scaler.steps);
    expect(t.scaler.state.scale).toBe(scaler.scale);
    expect(t.history.steps.length).toBe(2);
    expect(tf.memory().numTensors).toBe(n);
    expect(amp.autocast.installed()).toBe(false);
    fail = false;
    const rec = await t.step(x, y);
    expect(rec.step).toBe(2);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe("fit", () => {
  const xy = () => ({ x: tf.randomNormal([40, 5], 0, 1, "float32", 14), y: tf.randomUniformInt([40], 0, 3, { seed: 15 }) });

  it("over tensors, with callbacks, validation, a line per epoch and resumption", async () => {
    const { x, y } = xy();
    const model = models.mlp({ inputSize: 5, hidden: [8], classes: 3 });
    const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }), policy: "mixed_bfloat16", metrics: ["accuracy"] });
    const steps: number[] = [];
    const epochs: number[] = [];
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    try {
      await t.fit(
        { x, y },
        {
          epochs: 3,
          batchSize: 16,
          validation: { x, y },
          callbacks: {
            onStep: (r) => void steps.push(r.step),
            onEpochEnd: (r) => {
              epochs.push(r.epoch);
              if (r.epoch === 1) t.stop(); // as an interrupt would: between steps
            },
          },
        },
      );
    } finally {
      console.log = log;
    }
    expect(steps).toEqual([0, 1, 2, 3, 4, 5]);
    expect(epochs).toEqual([0, 1]);
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^epoch 1 \(1\/3\) - 3 steps - loss [\d.]+ - accuracy [\d.]+ - val_loss [\d.]+ - val_accuracy [\d.]+ - scale 1 - skipped 0/);
    const e = t.history.epochs[1]!;
    expect(e.validation).not.toBeNull();
    expect(e["val_accuracy"]).toBe(e.validation!["accuracy"]);
    // Resume: the epoch count goes on.
    await t.fit({ x, y }, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(t.epoch).toBe(3);
    expect(t.steps).toBe(9);
    expect(t.history.series("loss").length).toBe(9);
    expect(String(t.history)).toContain("epoch");
    expect(t.history[DISPLAY]()["text/html"]).toContain("<table");
    expect(String(t)).toContain("compute=bfloat16");
    tf.dispose([x, y]);
    model.dispose();
  });

  it("over a tf.data-like dataset, an async generator function and an array of batches", async () => {
    const { x, y } = xy();
    const batches = [0, 10, 20, 30].map((at) => ({ xs: tf.slice(x, at, 10), ys: tf.slice(y, at, 10) }));
    const run = async (data: DataLike) => {
      const model = models.mlp({ inputSize: 5, hidden: [8], classes: 3 });
      const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }), policy: "mixed_float16" });
      await t.fit(data, { epochs: 2, verbose: 0 });
      model.dispose();
      return t.steps;
    };
    expect(await run(batches)).toBe(8);
    expect(batches.every((b) => !b.xs.isDisposed)).toBe(true); // arrays belong to the caller
    const n = tf.memory().numTensors;
    const dataset = {
      iterator: async () => {
        let i = 0;
        return { next: async () => (i < 4 ? { value: { xs: tf.slice(x, 10 * i, 10), ys: tf.slice(y, 10 * i++, 10) }, done: false } : { value: undefined, done: true }) };
      },
    };
    expect(await run(dataset)).toBe(8);
    async function* gen() {
      for (let i = 0; i < 4; i++) yield [tf.slice(x, 10 * i, 10), tf.slice(y, 10 * i, 10)] as const;
    }
    expect(await run(() => gen())).toBe(8);
    expect(tf.memory().numTensors).toBe(n); // batches from datasets and generators are disposed
    tf.dispose([x, y, ...batches.flatMap((b) => [b.xs, b.ys])]);
  });

  it("steps stops in the middle of an epoch", async () => {
    const { x, y } = xy();
    const model = models.mlp({ inputSize: 5, hidden: [8], classes: 3 });
    const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }) });
    await t.fit({ x, y }, { steps: 4, batchSize: 16, verbose: 0 });
    expect(t.steps).toBe(4);
    expect(t.history.epochs.map((e) => e.steps)).toEqual([3, 1]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("rounds a pure policy's weights to its params format, and keeps overridden layers float32", async () => {
    const model = models.mlp({ inputSize: 5, hidden: [8], classes: 3 });
    const t = amp.trainer({
      model,
      loss: "crossEntropy",
      optimizer: amp.optim.sgd({ lr: 0.1 }),
      policy: amp.policy("float16").with({ overrides: [{ match: "logits", format: "float32" }] }),
      lossScale: amp.lossScale.none(),
    });
    const f16 = formats.get("float16");
    const check = () => {
      for (const w of model.weights) {
        const v = Array.from(w.read().dataSync());
        const rounded = v.every((a) => f16.round(a) === a);
        if (w.name.startsWith("dense1")) expect(rounded).toBe(true);
      }
    };
    check();
    const { x, y } = xy();
    await t.step(x, y);
    check();
    const logits = model.getLayer("logits").getWeights()[0]!.dataSync();
    expect(Array.from(logits).some((a) => f16.round(a) !== a)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("trains a function model (forward + variables)", async () => {
    const w = tf.variable(tf.zeros([3, 1]));
    const x = tf.randomNormal([20, 3], 0, 1, "float32", 16);
    const y = tf.matMul(x, tf.tensor2d([[1], [2], [-1]]));
    const t = amp.trainer({ model: { forward: (xb) => tf.matMul(xb, w), variables: [w] }, loss: "mse", optimizer: amp.optim.sgd({ lr: 0.1 }), policy: "mixed_bfloat16" });
    for (let i = 0; i < 60; i++) await t.step(x, y);
    const v = w.dataSync();
    expect(v[0]).toBeCloseTo(1, 1);
    expect(v[1]).toBeCloseTo(2, 1);
    expect(v[2]).toBeCloseTo(-1, 1);
    tf.dispose([w, x, y]);
  });

  it("explains bad options", () => {
    const model = oneWeight();
    expect(() => amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 1 }), acumulate: 2 } as never)).toThrow(/Did you mean "accumulate"/);
    expect(() => amp.trainer({ model, loss: "crossentropy" as never, optimizer: amp.optim.sgd({ lr: 1 }) })).toThrow(/Did you mean "crossEntropy"/);
    expect(() => amp.trainer({ model, loss: "crossEntropy", optimizer: {} as never })).toThrow(/optimizer/);
    model.dispose();
  });
});
