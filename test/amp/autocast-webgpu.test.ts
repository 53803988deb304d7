// Autocast and the trainer on the webgpu backend (WGSL on Dawn; Mesa's lavapipe in CI), where
// tensors can only be read asynchronously: the trainer checks for inf with findInfAsync and reads
// with data(), fp8 amaxes are read after the step. Skipped where webgpu does not start
// (TSAMP_REQUIRE_WEBGPU=1 makes that a failure).
import { describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { useWebgpu, REQUIRE_WEBGPU } from "../helpers/webgpu.js";
import { amp, formats, models } from "../../lib/index.js";

const unavailable = await useWebgpu("test/amp/autocast-webgpu.test.ts");

const f16 = formats.get("float16");
const isF16 = (v: ArrayLike<number>) => Array.from(v).every((x) => f16.round(x) === x);

describe.skipIf(unavailable !== null && !REQUIRE_WEBGPU)("autocast on webgpu", () => {
  it("runs on webgpu", () => {
    if (unavailable !== null) throw new Error(`TSAMP_REQUIRE_WEBGPU=1 but webgpu could not start: ${unavailable}`);
    expect(tf.getBackend()).toBe("webgpu");
  });

  it("computes a matmul from float16 inputs into a float16 output, and unwraps after", async () => {
    const kernel = tf.getKernel("BatchMatMul", "webgpu");
    const a = tf.randomNormal([16, 32], 0, 1, "float32", 1);
    const b = tf.randomNormal([32, 8], 0, 1, "float32", 2);
    const y = amp.autocast("mixed_float16", () => tf.matMul(a, b));
    expect(amp.autocast.formatOf(y).name).toBe("float16");
    expect(isF16(await y.data())).toBe(true);
    expect(isF16(await tf.matMul(a, b).data())).toBe(false);
    expect(tf.getKernel("BatchMatMul", "webgpu")).toBe(kernel);
    expect(amp.autocast.installed()).toBe(false);
    tf.dispose([a, b, y]);
  });

  it("trains a step under mixed_float16 with dynamic loss scaling, without leaks", async () => {
    const model = models.mlp({ inputSize: 16, hidden: [32], classes: 4 });
    const t = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1 }), policy: "mixed_float16", metrics: ["accuracy"] });
    const x = tf.randomNormal([32, 16], 0, 1, "float32", 3);
    const y = tf.randomUniformInt([32], 0, 4, { seed: 4 });
    const w0 = Array.from(await model.getWeights()[0]!.data());
    const r0 = await t.step(x, y);
    const n = tf.memory().numTensors;
    let r = r0;
    for (let i = 0; i < 5; i++) r = await t.step(x, y);
    expect(tf.memory().numTensors).toBe(n);
    expect(r.skipped).toBe(false);
    expect(r.scale).toBe(2 ** 16);
    expect(r.loss).toBeLessThan(r0.loss);
    expect(Array.from(await model.getWeights()[0]!.data())).not.toEqual(w0);
    const val = await t.evaluate(x, y);
    expect(val["accuracy"]).toBeGreaterThan(0);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("updates fp8 delayed scaling after an async autocast", async () => {
    const scaling = amp.delayedScaling();
    const x = tf.mul(tf.randomNormal([8, 16], 0, 1, "float32", 5), 1000);
    const w = tf.variable(tf.randomNormal([16, 4], 0, 0.01, "float32", 6));
    const out = await amp.autocast(
      "fp8_hybrid",
      async () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(x, w)), [w]);
        await value.data();
        return [value, ...Object.values(grads)];
      },
      { scaling },
    );
    const amax = (await tf.max(tf.abs(x)).data())[0]!;
    expect(scaling.tensor("BatchMatMul/a").amax).toBe(amax);
    expect(scaling.tensor("BatchMatMul[bwd]/b").format.name).toBe("float8_e5m2");
    tf.dispose([x, w, ...out]);
  });
});
