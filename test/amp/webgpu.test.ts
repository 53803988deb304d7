// The tensor side of amp on the webgpu backend (WGSL on Dawn; Mesa's lavapipe in CI): loss-scale
// unscale and findInfAsync, optimizer steps and their rounding into float16 weights, and no leaks.
// webgpu cannot read synchronously in Node, so everything is read with `await data()`.
// Where webgpu does not start the suite is skipped (TSAMP_REQUIRE_WEBGPU=1 makes that a failure).
import { describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { useWebgpu, REQUIRE_WEBGPU } from "../helpers/webgpu.js";
import { amp } from "../../lib/index.js";

const unavailable = await useWebgpu("test/amp/webgpu.test.ts");

const read = async (t: tf.Tensor) => Array.from(await t.data());

describe.skipIf(unavailable !== null && !REQUIRE_WEBGPU)("amp on webgpu", () => {
  it("runs on webgpu", () => {
    if (unavailable !== null) throw new Error(`TSAMP_REQUIRE_WEBGPU=1 but webgpu could not start: ${unavailable}`);
    expect(tf.getBackend()).toBe("webgpu");
  });

  it("unscales and finds inf/NaN", async () => {
    const s = amp.lossScale.dynamic();
    const g = tf.tensor1d([65536, -131072]);
    const bad = tf.tensor1d([1, Infinity]);
    const before = tf.memory().numTensors;
    const [u] = s.unscale([g]);
    expect(await read(u!)).toEqual([1, -2]);
    u!.dispose();
    expect(await s.findInfAsync([g])).toBe(false);
    expect(await s.findInfAsync([g, bad])).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([g, bad]);
  });

  it("steps sgd with momentum as PyTorch, without leaks", async () => {
    const opt = amp.optim.sgd({ lr: 0.1, momentum: 0.9 });
    const value = tf.variable(tf.tensor2d([[1, -2]]));
    const grads = [[0.5, -1], [0.25, 0.5], [-1, 2]].map((g) => tf.tensor2d([g]));
    opt.step([{ name: "w", value, grad: grads[0]! }]);
    const after1 = tf.memory().numTensors;
    opt.step([{ name: "w", value, grad: grads[1]! }]);
    opt.step([{ name: "w", value, grad: grads[2]! }]);
    expect(tf.memory().numTensors).toBe(after1);
    const [a, b] = await read(value);
    expect(Math.abs(a! - 0.917)).toBeLessThan(1e-6);
    expect(Math.abs(b! + 2.024)).toBeLessThan(1e-6);
    opt.dispose();
    tf.dispose([value, ...grads]);
  });

  it("rounds updates into float16 weights (stagnation)", async () => {
    const w = tf.variable(tf.tensor1d([1]));
    const g = tf.ones([1]);
    const opt = amp.optim.sgd({ lr: 1e-4, paramsFormat: "float16" });
    for (let i = 0; i < 20; i++) opt.step([{ name: "w", value: w, grad: g }]);
    expect(await read(w)).toEqual([1]);
    opt.dispose();
    tf.dispose([w, g]);
  });
});
