// A backend without a TsampQuantize kernel (as webgl, webgpu and tensorflow are today) gets the
// composite of tf ops automatically, with the same results and the straight-through gradient.
// "cpu-plain" is the cpu backend under another name, with every cpu kernel but ours.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import * as tf from "../../lib/tf.js";
import { quantize } from "../../lib/index.js";
import { QUANTIZE_KERNEL } from "../../lib/formats/kernels/attrs.js";
import { COLUMNS, COLUMN_OPTIONS, loadVectors, mismatches } from "./vectors.js";

const NAME = "cpu-plain";

beforeAll(async () => {
  tf.registerBackend(NAME, () => new MathBackendCPU());
  for (const k of tf.getKernelsForBackend("cpu")) {
    if (k.kernelName !== QUANTIZE_KERNEL) tf.registerKernel({ ...k, backendName: NAME });
  }
  expect(await tf.setBackend(NAME)).toBe(true);
});

afterAll(() => {
  tf.removeBackend(NAME);
});

describe("quantize without a kernel", () => {
  it("is dispatched to the composite", async () => {
    expect(tf.getKernel(QUANTIZE_KERNEL, NAME)).toBeUndefined();
    const x = tf.tensor1d([1, 2, 3]);
    const info = await tf.profile(() => quantize(x, "fp16"));
    const names = info.kernels.map((k) => k.name);
    expect(names).not.toContain(QUANTIZE_KERNEL);
    expect(names).toContain("GatherV2");
    x.dispose();
  });

  it.each(["float16", "float8_e4m3fnuz", "float4_e2m1fn"])("matches every row of %s", (name) => {
    const v = loadVectors(name);
    for (const column of COLUMNS) {
      const x = tf.tensor1d(new Float32Array(v.inputs.slice().buffer));
      const y = quantize(x, name, COLUMN_OPTIONS[column]);
      const got = new Uint32Array((y.dataSync() as Float32Array).slice().buffer);
      tf.dispose([x, y]);
      expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
    }
  });

  it("has the straight-through gradient and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([0.1, 500, -1e-12]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(quantize(t, "e4m3", { rounding: "stochastic", seed: 3 }), 2)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 2]);
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
