// quantize() as an op: kernel dispatch, inputs, options, memory, and its straight-through gradient.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats, quantize } from "../../lib/index.js";
import { QUANTIZE_KERNEL } from "../../lib/formats/kernels/attrs.js";

describe.each(["cpu", "wasm"])("quantize on %s", (backend) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  it("keeps shape, dtype and backend, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor3d([1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8], [2, 2, 2]);
    const y = quantize(x, "fp4");
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.dtype).toBe("float32");
    expect(tf.engine().state.tensorInfo.get(y.dataId)?.backend).toBe(tf.backend());
    // fp4 values: 0, 0.5, 1, 1.5, 2, 3, 4, 6 (max). 1.1->1, 2.2->2, 3.3->3, 4.4->4, 5.5->6, 6.6->6, 7.7->6, 8.8->6.
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 6, 6, 6, 6]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("runs as the TsampQuantize kernel, one kernel call", async () => {
    const x = tf.tensor1d([1, 2]);
    const info = await tf.profile(() => quantize(x, "fp16"));
    expect(info.kernels.map((k) => k.name)).toEqual([QUANTIZE_KERNEL]);
    x.dispose();
  });

  it("accepts scalars, empty tensors, arrays and int32 tensors", () => {
    const s = quantize(tf.scalar(0.1), "bf16");
    expect(s.shape).toEqual([]);
    expect(s.dataSync()[0]).toBe(0.10009765625); // 0.1 = 1.6 * 2^-4; bf16 keeps 1.1001101b = 1.6015625
    const e = quantize(tf.zeros([0, 3]), "fp16");
    expect(e.shape).toEqual([0, 3]);
    const a = quantize([1000, -1000], "e4m3", { saturate: true });
    expect(Array.from(a.dataSync())).toEqual([448, -448]);
    const i = quantize(tf.tensor1d([65519, 65520, 70000], "int32"), "fp16");
    expect(i.dtype).toBe("float32");
    expect(Array.from(i.dataSync())).toEqual([65504, Infinity, Infinity]);
    tf.dispose([s, e, a, i]);
  });

  it("rejects unknown formats and roundings", () => {
    const x = tf.tensor1d([1]);
    expect(() => quantize(x, "fp7")).toThrow(/Unknown float format "fp7"/);
    expect(() => quantize(x, "fp16", { rounding: "nearest" as never })).toThrow(
      /Unknown rounding "nearest": use one of "nearest-even", "toward-zero", "stochastic"/,
    );
    x.dispose();
  });

  // Straight-through estimator: d quantize(x) / dx = 1 everywhere, also where x over- or underflows.
  it.each([false, true])("has a straight-through gradient (composite: %s)", (composite) => {
    const x = tf.tensor1d([0.1, -3.7, 1000, 1e-9, 0]);
    const w = tf.tensor1d([1, 2, 3, 4, 5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(quantize(t, "e4m3", { composite }), w)))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3, 4, 5]);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(quantize(tf.square(t), "fp16", { composite, rounding: "stochastic", seed: 1 })))(x);
    expect(Array.from(g2.dataSync())).toEqual(Array.from(tf.mul(x, 2).dataSync()));
    tf.dispose([x, w, g, g2]);
  });

  it("float32 is the identity (NaN stays NaN)", () => {
    const data = new Float32Array([0.1, -1e-45, 3.4028234663852886e38, -Infinity, NaN, -0]);
    const y = quantize(tf.tensor1d(data), "float32").dataSync();
    expect(Array.from(y.slice(0, 4))).toEqual(Array.from(data.slice(0, 4)));
    expect(y[4]).toBeNaN();
    expect(Object.is(y[5], -0)).toBe(true);
  });

  it("rounds with the format object of a custom format", () => {
    // e3m4 (bias 3): spacing 2^-4 in [1, 2); 1.03 -> 1.0 (0.48 of a spacing), 1.04 -> 1.0625.
    const y = quantize(tf.tensor1d([1.03, 1.04, 100]), formats.custom({ exponentBits: 3, mantissaBits: 4 }));
    expect(Array.from(y.dataSync())).toEqual([1, 1.0625, Infinity]);
  });
});
