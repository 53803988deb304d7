// Training on tfjs-backend-wasm: tf.grad through every op a convnet (or a classifier on top of one)
// uses runs on wasm (no "kernel not registered") and gives what tfjs-backend-cpu gives; a small
// LeNet's gradients, and a tf.layers convnet's training step, are the same on both; nothing leaks.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { rng } from "./kernel-check.js";

function normal(seed: number, shape: number[], scale = 1): Float32Array {
  const rand = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) * scale;
  return data;
}

/** A seeded tensor on the active backend. */
const T = (seed: number, shape: number[], scale = 1) => tf.tensor(normal(seed, shape, scale), shape);

interface Result {
  shape: number[];
  data: Float32Array;
}

/** Runs `f` (which makes its own inputs) on `backend` and reads back every tensor it returns. */
async function on(backend: "wasm" | "cpu", f: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const read = list.map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
  tf.dispose(list);
  return read;
}

function expectClose(actual: Result[], expected: Result[], what: string, rtol = 5e-5): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(a.shape, `${what} [${i}]`).toEqual(e.shape);
    let scale = 0;
    for (const v of e.data) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let j = 0; j < e.data.length; j++) worst = Math.max(worst, Math.abs(a.data[j]! - e.data[j]!));
    expect(worst <= rtol * scale + 1e-6, `${what} [${i}]: |diff| ${worst}, scale ${scale}`).toBe(true);
  });
}

type G = () => tf.Tensor | tf.Tensor[];
const S = tf.sum;
const grads = (f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]) => tf.grads(f)(xs);
const x4 = (t: tf.Tensor) => t as tf.Tensor4D;

// Each case builds its inputs from seeds, so both backends see the same numbers. Non-linear ops are
// probed with a random weighting (sum of w * f(x)) so that every element's gradient matters.
const CASES: Record<string, G> = {
  "conv2d strides 1 same": () => grads((x, f) => S(tf.mul(tf.conv2d(x4(x), x4(f), 1, "same"), T(3, [2, 9, 8, 4]))), [T(1, [2, 9, 8, 3]), T(2, [3, 3, 3, 4])]),
  "conv2d strides 2 valid": () => grads((x, f) => S(tf.mul(tf.conv2d(x4(x), x4(f), 2, "valid"), T(3, [3, 4, 4, 5]))), [T(1, [3, 10, 9, 2]), T(2, [3, 2, 2, 5])]),
  "conv2d strides 2 explicit": () =>
    grads((x, f) => S(tf.mul(tf.conv2d(x4(x), x4(f), 2, [[0, 0], [1, 2], [2, 0], [0, 0]]), T(3, [2, 5, 4, 4]))), [T(1, [2, 9, 8, 3]), T(2, [3, 3, 3, 4])]),
  conv2dTranspose: () => grads((x, f) => S(tf.mul(tf.conv2dTranspose(x4(x), x4(f), [2, 8, 8, 3], 2, "same"), T(3, [2, 8, 8, 3]))), [T(1, [2, 4, 4, 4]), T(2, [3, 3, 3, 4])]),
  "depthwiseConv2d strides 1 same": () =>
    grads((x, f) => S(tf.mul(tf.depthwiseConv2d(x4(x), x4(f), 1, "same"), T(3, [2, 8, 8, 6]))), [T(1, [2, 8, 8, 3]), T(2, [3, 3, 3, 2])]),
  "depthwiseConv2d strides 2 valid": () =>
    grads((x, f) => S(tf.mul(tf.depthwiseConv2d(x4(x), x4(f), 2, "valid"), T(3, [2, 4, 3, 4]))), [T(1, [2, 9, 8, 4]), T(2, [3, 3, 4, 1])]),
  separableConv2d: () =>
    grads((x, f, p) => S(tf.mul(tf.separableConv2d(x4(x), x4(f), x4(p), 1, "same"), T(4, [2, 8, 8, 5]))), [T(1, [2, 8, 8, 3]), T(2, [3, 3, 3, 2]), T(3, [1, 1, 6, 5])]),
  "fused conv2d bias relu": () =>
    grads((x, f, b) => S(tf.mul(tf.fused.conv2d({ x: x4(x), filter: x4(f), bias: b, strides: 2, pad: "same", activation: "relu" }), T(4, [2, 4, 4, 4]))), [
      T(1, [2, 8, 8, 3]),
      T(2, [3, 3, 3, 4]),
      T(3, [4]),
    ]),
  "fused depthwise bias relu6": () =>
    grads((x, f, b) => S(tf.mul(tf.fused.depthwiseConv2d({ x: x4(x), filter: x4(f), bias: b, strides: 1, pad: "same", activation: "relu6" }), T(4, [2, 8, 8, 6]))), [
      T(1, [2, 8, 8, 3]),
      T(2, [3, 3, 3, 2]),
      T(3, [6]),
    ]),
  "maxPool 2 valid": () => grads((x) => S(tf.mul(tf.maxPool(x4(x), 2, 2, "valid"), T(2, [2, 4, 4, 3]))), [T(1, [2, 8, 8, 3])]),
  "maxPool 3 same": () => grads((x) => S(tf.mul(tf.maxPool(x4(x), 3, 2, "same"), T(2, [2, 4, 4, 3]))), [T(1, [2, 7, 7, 3])]),
  "maxPool before relu (negative windows)": () => grads((x) => S(tf.relu(tf.maxPool(x4(tf.sub(x, 2)), 2, 2, "valid"))), [T(1, [2, 8, 8, 3])]),
  "avgPool 2 valid": () => grads((x) => S(tf.mul(tf.avgPool(x4(x), 2, 2, "valid"), T(2, [2, 4, 4, 3]))), [T(1, [2, 8, 8, 3])]),
  "avgPool 3 same": () => grads((x) => S(tf.mul(tf.avgPool(x4(x), 3, 2, "same"), T(2, [2, 4, 4, 3]))), [T(1, [2, 7, 7, 3])]),
  batchNorm: () =>
    grads((x, m, v, o, s) => S(tf.mul(tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), o, s, 1e-3), T(6, [2, 4, 4, 3]))), [
      T(1, [2, 4, 4, 3]),
      T(2, [3]),
      T(3, [3]),
      T(4, [3]),
      T(5, [3]),
    ]),
  "moments (training-mode batch norm)": () =>
    grads((x) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return S(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3))), T(2, [2, 4, 4, 3])));
    }, [T(1, [2, 4, 4, 3])]),
  activations: () =>
    grads((x, a) => {
      const w = (i: number) => T(10 + i, [4, 6]);
      return S(
        tf.addN([
          tf.mul(tf.relu(x), w(0)),
          tf.mul(tf.relu6(tf.mul(x, 4)), w(1)),
          tf.mul(tf.elu(x), w(2)),
          tf.mul(tf.leakyRelu(x, 0.1), w(3)),
          tf.mul(tf.prelu(x, a), w(4)),
          tf.mul(tf.selu(x), w(5)),
          tf.mul(tf.sigmoid(x), w(6)),
          tf.mul(tf.tanh(x), w(7)),
          tf.mul(tf.softplus(x), w(8)),
        ]),
      );
    }, [T(1, [4, 6]), T(2, [6])]),
  "softmax cross entropy": () => grads((x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 2, 0, 3], "int32"), 5), x), [T(1, [4, 5])]),
  "logSoftmax (NLL)": () => grads((x) => S(tf.mul(tf.logSoftmax(x), T(2, [4, 5]))), [T(1, [4, 5])]),
  "sigmoid cross entropy": () => grads((x) => tf.losses.sigmoidCrossEntropy(tf.tensor2d([[1, 0, 1], [0, 0, 1]]), x), [T(1, [2, 3])]),
  "matMul, every transpose": () =>
    grads((a, b, c, d) => S(tf.addN([tf.matMul(a, b), tf.matMul(a, c, false, true), tf.matMul(d, b, true, false), tf.matMul(d, c, true, true)])), [
      T(1, [6, 5]),
      T(2, [5, 4]),
      T(3, [4, 5]),
      T(4, [5, 6]),
    ]),
  "batched matMul": () => grads((a, b) => S(tf.mul(tf.matMul(a, b), T(3, [3, 4, 2]))), [T(1, [3, 4, 5]), T(2, [3, 5, 2])]),
  "fused matMul bias relu (batched)": () =>
    grads((a, b, c) => S(tf.mul(tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias: c, activation: "relu" }), T(4, [3, 4, 2]))), [
      T(1, [3, 4, 5]),
      T(2, [3, 5, 2]),
      T(3, [2]),
    ]),
  "add sub mul div with broadcasting": () =>
    grads((a, b, c) => S(tf.div(tf.sub(tf.add(a, b), tf.mul(b, c)), tf.add(tf.square(c), 1))), [T(1, [2, 3, 4]), T(2, [3, 1]), T(3, [4])]),
  "mean and sum": () => grads((x) => tf.addN([S(tf.mean(x, [1, 2])), S(tf.mul(tf.sum(x, 0), T(2, [3, 4]))), tf.mean(tf.square(x))]), [T(1, [2, 3, 4])]),
  "reshape and transpose": () => grads((x) => S(tf.mul(tf.transpose(tf.reshape(x, [4, 6]), [1, 0]), T(2, [6, 4]))), [T(1, [2, 3, 4])]),
  concat: () => grads((a, b) => S(tf.mul(tf.concat([a, b], 3), T(3, [2, 3, 3, 7]))), [T(1, [2, 3, 3, 3]), T(2, [2, 3, 3, 4])]),
  pad: () => grads((x) => S(tf.mul(tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]]), T(2, [2, 6, 6, 2]))), [T(1, [2, 3, 3, 2])]),
  "resizeBilinear (square)": () => grads((x) => S(tf.mul(tf.image.resizeBilinear(x4(x), [7, 7]), T(2, [2, 7, 7, 3]))), [T(1, [2, 4, 4, 3])]),
  "resizeBilinear alignCorners (square)": () => grads((x) => S(tf.mul(tf.image.resizeBilinear(x4(x), [9, 9], true), T(2, [2, 9, 9, 3]))), [T(1, [2, 5, 5, 3])]),
  "gather (embedding lookup)": () => grads((e) => S(tf.mul(tf.gather(e, tf.tensor1d([3, 0, 3, 5, 1], "int32")), T(2, [5, 4]))), [T(1, [6, 4])]),
  "slice, stack, tile, clip": () =>
    grads((x) => S(tf.mul(tf.stack([tf.tile(tf.slice(x, [0, 1], [2, 2]), [1, 2]), tf.clipByValue(tf.slice(x, [0, 0], [2, 4]), -0.5, 0.5)]), T(2, [2, 2, 4]))), [T(1, [2, 5])]),
};

beforeAll(async () => {
  await backends.use("cpu");
  await backends.use("wasm");
});

describe("gradients on wasm equal those on cpu", () => {
  it.each(Object.keys(CASES))("%s", async (name) => {
    const wasm = await on("wasm", CASES[name]!);
    const cpu = await on("cpu", CASES[name]!);
    expectClose(wasm, cpu, name);
  });

  // tfjs-backend-cpu's ResizeBilinearGrad swaps height and width (wrong shape) when they differ, so
  // there the reference is the adjoint identity: for linear R, <dy, R(x)> = <R'(dy), x>.
  it.each([false, true])("resizeBilinear on non-square images is the adjoint of the forward (alignCorners %s)", async (alignCorners) => {
    await tf.setBackend("wasm");
    const [lhs, rhs] = tf.tidy(() => {
      const x = T(1, [2, 4, 6, 3]);
      const dy = T(2, [2, 7, 9, 3]);
      const resize = (t: tf.Tensor) => tf.image.resizeBilinear(x4(t), [7, 9], alignCorners);
      const g = tf.grad((t: tf.Tensor) => S(tf.mul(resize(t), dy)))(x);
      return [S(tf.mul(dy, resize(x))).dataSync()[0]!, S(tf.mul(g, x)).dataSync()[0]!];
    });
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
  });
});

// ---- a LeNet-like convnet -----------------------------------------------------------------------

interface LeNet {
  params: tf.Variable[];
  loss: () => tf.Scalar;
}

/** conv 5x5 (6) - relu - maxpool - conv 3x3 (16) - relu - maxpool - dense (10) - softmax cross entropy. */
function lenet(batch: number): LeNet {
  const v = (seed: number, shape: number[], scale: number) => tf.variable(T(seed, shape, scale));
  const [c1, b1, c2, b2, w, b] = [
    v(1, [5, 5, 3, 6], 0.2),
    v(2, [6], 0.1),
    v(3, [3, 3, 6, 16], 0.2),
    v(4, [16], 0.1),
    v(5, [2 * 2 * 16, 10], 0.2),
    v(6, [10], 0.1),
  ] as const;
  const x = T(7, [batch, 16, 16, 3]) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7) % 10), "int32"), 10);
  const loss = () =>
    tf.tidy(() => {
      const block = (t: tf.Tensor4D, f: tf.Variable, bias: tf.Variable) =>
        tf.maxPool(tf.relu(tf.add(tf.conv2d(t, f as tf.Variable<tf.Rank.R4>, 1, "valid"), bias)) as tf.Tensor4D, 2, 2, "valid");
      const h = block(block(x, c1, b1), c2, b2); // 16 -> 12 -> 6 -> 4 -> 2
      const logits = tf.add(tf.matMul(tf.reshape(h, [batch, -1]), w), b);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
  return { params: [c1, b1, c2, b2, w, b], loss };
}

describe("a LeNet-like convnet", () => {
  it("has the same loss and gradients on wasm as on cpu", async () => {
    const run = async (backend: "wasm" | "cpu") => {
      await tf.setBackend(backend);
      const net = lenet(4);
      const { value, grads } = tf.variableGrads(net.loss, net.params);
      const out = [{ shape: [], data: value.dataSync() as Float32Array }, ...net.params.map((p) => ({ shape: grads[p.name]!.shape, data: grads[p.name]!.dataSync() as Float32Array }))];
      tf.dispose([value, ...Object.values(grads), ...net.params]);
      return out;
    };
    expectClose(await run("wasm"), await run("cpu"), "loss and gradients");
  });

  it("trains with SGD on wasm without leaking tensors or wasm buffers", async () => {
    await tf.setBackend("wasm");
    const net = lenet(8);
    const opt = tf.train.sgd(0.05);
    const step = () => {
      const cost = opt.minimize(net.loss, true, net.params)!;
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    };
    const first = step();
    step();
    const wasmBackend = tf.findBackend("wasm") as unknown as { numDataIds(): number };
    const before = [tf.memory().numTensors, wasmBackend.numDataIds()];
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    expect([tf.memory().numTensors, wasmBackend.numDataIds()]).toEqual(before);
    expect(last).toBeLessThan(first); // one fixed batch: the loss must fall
    opt.dispose();
    tf.dispose(net.params);
  });
});

describe("a tf.layers convnet", () => {
  // Conv2D (with bias, fused), MaxPooling2D, DepthwiseConv2D, Flatten, Dense: one fit step from the
  // same weights on each backend must give the same weights.
  it("takes the same training step on wasm as on cpu", async () => {
    const step = async (backend: "wasm" | "cpu") => {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: 3, activation: "relu" }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", activation: "relu" }),
          tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 5, activation: "softmax" }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
      model.setWeights(model.getWeights().map((w, i) => tf.tensor(normal(100 + i, w.shape, 0.3), w.shape)));
      const x = T(1, [6, 12, 12, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], "int32"), 5);
      await model.trainOnBatch(x, y);
      const weights = model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync() as Float32Array }));
      tf.dispose([x, y]);
      model.dispose();
      return weights;
    };
    expectClose(await step("wasm"), await step("cpu"), "weights after one step");
  });
});
