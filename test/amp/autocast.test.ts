// Autocast at op dispatch (DESIGN.md section 4), on the cpu and wasm backends: what a matmul
// computes from and hands on, what stays float32, promotion, the backward pass, overrides by layer
// and family, fp8 delayed scaling, and that nothing stays wrapped afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { amp, formats, quantize, type KernelEvent } from "../../lib/index.js";

const f16 = formats.get("float16");
const bf16 = formats.get("bfloat16");

/** Every value of `values` is a value of `fmt` (rounding changes nothing). */
function inFormat(values: Float32Array | null, fmt: string): boolean {
  if (values === null) throw new Error("no values recorded");
  const f = formats.get(fmt);
  return values.every((v) => Object.is(f.round(v), v) || (Number.isNaN(v) && Number.isNaN(f.round(v))));
}

/** Values with more precision than float16 (and bfloat16) holds. */
function fine(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, "float32", seed);
}

interface Snapshot {
  kernels: Map<string, tf.KernelConfig>;
  apply: unknown;
  ownAddTapeNode: boolean;
}

function snapshot(backend: string): Snapshot {
  return {
    kernels: new Map(tf.getKernelsForBackend(backend).map((k) => [k.kernelName, k])),
    apply: (tf.layers.Layer.prototype as unknown as { apply: unknown }).apply,
    ownAddTapeNode: Object.prototype.hasOwnProperty.call(tf.engine(), "addTapeNode"),
  };
}

function expectRestored(before: Snapshot, backend: string): void {
  const now = snapshot(backend);
  expect(now.kernels.size).toBe(before.kernels.size);
  for (const [name, config] of before.kernels) expect(now.kernels.get(name), name).toBe(config);
  expect(now.apply).toBe(before.apply);
  expect(now.ownAddTapeNode).toBe(false);
  expect(amp.autocast.installed()).toBe(false);
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`autocast on ${backend}`, () => {
    let before: Snapshot;
    beforeAll(async () => {
      await backends.use(backend);
      before = snapshot(backend);
    });
    afterAll(() => expectRestored(before, backend));

    it("a matmul under mixed_float16 computes from float16 inputs and hands on a float16 output", () => {
      const a = fine([4, 8], 1);
      const b = fine([8, 3], 2);
      const events: KernelEvent[] = [];
      const y = amp.autocast("mixed_float16", () => tf.matMul(a, b), { trace: (e) => events.push(e) });
      const mm = events.find((e) => e.kernel === "BatchMatMul")!;
      expect(mm.kind).toBe("lower");
      expect(mm.format.name).toBe("float16");
      expect(mm.inputs["a"]!.format.name).toBe("float16");
      expect(inFormat(mm.inputs["a"]!.values, "float16")).toBe(true);
      expect(inFormat(mm.inputs["b"]!.values, "float16")).toBe(true);
      // The inputs really were rounded (the originals are not float16 values).
      expect(inFormat(a.dataSync() as Float32Array, "float16")).toBe(false);
      expect(inFormat(mm.outputs[0]!.values, "float16")).toBe(true);
      expect(inFormat(y.dataSync() as Float32Array, "float16")).toBe(true);
      expect(amp.autocast.formatOf(y).name).toBe("float16");
      // float32 accumulation of the rounded inputs, rounded once at the end.
      const expected = tf.tidy(() => quantize(tf.matMul(quantize(a, "float16"), quantize(b, "float16")), "float16"));
      expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([a, b, y, expected]);
    });

    it("a softmax runs in float32: its output is not rounded", () => {
      const a = fine([4, 8], 3);
      const b = fine([8, 16], 4);
      const events: KernelEvent[] = [];
      const p = amp.autocast("mixed_float16", () => tf.softmax(tf.matMul(a, b)), { trace: (e) => events.push(e) });
      const sm = events.find((e) => e.kernel === "Softmax")!;
      expect(sm.kind).toBe("float32");
      expect(sm.inputs["logits"]!.format.name).toBe("float16");
      expect(amp.autocast.formatOf(p).name).toBe("float32");
      expect(inFormat(p.dataSync() as Float32Array, "float16")).toBe(false);
      // Exactly float32 softmax of the float16 logits.
      const expected = tf.tidy(() => tf.softmax(quantize(tf.matMul(quantize(a, "float16"), quantize(b, "float16")), "float16")));
      expect(Array.from(p.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([a, b, p, expected]);
    });

    it("promotes elementwise ops to the widest input format; scalars do not promote", () => {
      const x = fine([16], 5);
      const w = fine([16], 6);
      amp.autocast("float32", () => {
        const h = quantize(x, "float16");
        const g = quantize(w, "bfloat16");
        expect(amp.autocast.formatOf(h).name).toBe("float16");
        const sum = tf.add(h, h);
        expect(amp.autocast.formatOf(sum).name).toBe("float16");
        expect(inFormat(sum.dataSync() as Float32Array, "float16")).toBe(true);
        const div = tf.div(h, tf.scalar(3));
        expect(amp.autocast.formatOf(div).name).toBe("float16");
        expect(inFormat(div.dataSync() as Float32Array, "float16")).toBe(true);
        expect(amp.autocast.formatOf(tf.add(h, x)).name).toBe("float32");
        expect(amp.autocast.formatOf(tf.mul(h, g)).name).toBe("float32"); // float16 * bfloat16 -> float32, as PyTorch
        expect(amp.autocast.formatOf(tf.relu(h)).name).toBe("float16"); // passthrough
        expect(amp.autocast.formatOf(tf.reshape(h, [4, 4])).name).toBe("float16");
        expect(amp.autocast.formatOf(tf.exp(h)).name).toBe("float32"); // float32 list
        expect(amp.autocast.formatOf(tf.sum(h)).name).toBe("float32");
      });
      tf.dispose([x, w]);
    });

    it("runs the backward pass in the backward format and rounds weight gradients to it", () => {
      const x = fine([8, 5], 7);
      const w = tf.variable(fine([5, 3], 8));
      const events: KernelEvent[] = [];
      const { value, grads } = amp.autocast("mixed_float16", () => tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))), [w]), {
        trace: (e) => events.push(e),
      });
      const backward = events.filter((e) => e.phase === "backward" && e.kernel === "BatchMatMul");
      expect(backward.length).toBe(1); // dW = x^T dy (x is not differentiated)
      for (const e of backward) {
        expect(e.format.name).toBe("float16");
        for (const i of Object.values(e.inputs)) expect(inFormat(i.values, "float16")).toBe(true);
        expect(inFormat(e.outputs[0]!.values, "float16")).toBe(true);
      }
      expect(inFormat(grads[w.name]!.dataSync() as Float32Array, "float16")).toBe(true);
      tf.dispose([x, w, value, ...Object.values(grads)]);
    });

    it("differentiates under the forward's policy even when the gradient is taken outside autocast", () => {
      const x = fine([6, 4], 9);
      const w = tf.variable(fine([4, 2], 10));
      const loss = () => tf.sum(tf.matMul(x, w));
      const inside = amp.autocast("mixed_float16", () => tf.variableGrads(loss, [w]));
      // PyTorch's idiom: forward under autocast, backward outside it.
      const outside = tf.variableGrads(() => amp.autocast("mixed_float16", loss), [w]);
      expect(amp.autocast.installed()).toBe(false);
      expect(Array.from(outside.grads[w.name]!.dataSync())).toEqual(Array.from(inside.grads[w.name]!.dataSync()));
      expect(inFormat(outside.grads[w.name]!.dataSync() as Float32Array, "float16")).toBe(true);
      tf.dispose([x, w, inside.value, outside.value, ...Object.values(inside.grads), ...Object.values(outside.grads)]);
    });

    it("keeps overridden layers and families in their format", () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [8], units: 6, name: "first" }), tf.layers.dense({ units: 4, name: "second" })],
      });
      const x = fine([3, 8], 11);
      const run = (p: ReturnType<typeof amp.policy>) => {
        const events: KernelEvent[] = [];
        const y = amp.autocast(p, () => model.predict(x) as tf.Tensor, { trace: (e) => events.push(e) });
        y.dispose();
        return events.filter((e) => e.kernel === "_FusedMatMul" || e.kernel === "BatchMatMul");
      };
      const plain = run(amp.policy("mixed_float16"));
      expect(plain.map((e) => [e.layer, e.format.name])).toEqual([
        ["first", "float16"],
        ["second", "float16"],
      ]);
      const byLayer = run(amp.policy("mixed_float16").with({ overrides: [{ match: "sec*", format: "float32" }] }));
      expect(byLayer.map((e) => [e.layer, e.format.name])).toEqual([
        ["first", "float16"],
        ["second", "float32"],
      ]);
      const byFamily = run(amp.policy("mixed_float16").with({ overrides: [{ match: { family: "matmul" }, compute: "bfloat16" }] }));
      expect(byFamily.map((e) => e.format.name)).toEqual(["bfloat16", "bfloat16"]);
      model.dispose();
      x.dispose();
    });

    it("runs batch normalization layers in float32 (the norm family)", () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [8], units: 6, name: "fc" }), tf.layers.batchNormalization({ name: "bn" })],
      });
      const x = fine([5, 8], 12);
      const events: KernelEvent[] = [];
      const y = amp.autocast("mixed_float16", () => model.apply(x, { training: true }) as tf.Tensor, { trace: (e) => events.push(e) });
      const bn = events.filter((e) => e.layer === "bn");
      expect(bn.length).toBeGreaterThan(0);
      expect(bn.every((e) => e.family === "norm" && e.kind === "float32")).toBe(true);
      expect(amp.autocast.formatOf(y).name).toBe("float32");
      tf.dispose([x, y]);
      model.dispose();
    });

    it("fp8_hybrid scales each tensor by its delayed amax and keeps the state inspectable", () => {
      const p = amp.policy("fp8_hybrid");
      const scaling = amp.delayedScaling();
      const x = tf.mul(fine([8, 16], 13), 1000); // far past e4m3's max (448): scaling is what saves it
      const w = tf.variable(tf.mul(fine([16, 4], 14), 0.01));
      const step = () => {
        const events: KernelEvent[] = [];
        const { value, grads } = amp.autocast(p, () => tf.variableGrads(() => tf.sum(tf.matMul(x, w)), [w]), { scaling, trace: (e) => events.push(e) });
        tf.dispose([value, ...Object.values(grads)]);
        return events;
      };
      const first = step();
      const names = scaling.names.sort();
      expect(names).toEqual(["BatchMatMul/a", "BatchMatMul/b", "BatchMatMul[bwd]/a", "BatchMatMul[bwd]/b"]);
      const xs = scaling.tensor("BatchMatMul/a");
      expect(xs.format.name).toBe("float8_e4m3fn");
      expect(xs.updates).toBe(1);
      const amaxX = tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);
      expect(xs.amax).toBe(amaxX);
      expect(xs.scale).toBe(Math.fround(448 / amaxX));
      // The first step cast with scale 1 (saturating at 448); the second with the new scale.
      const firstIn = first.find((e) => e.kernel === "BatchMatMul" && e.phase === "forward")!.inputs["a"]!.values!;
      expect(Math.max(...firstIn.map(Math.abs))).toBe(448);
      const second = step();
      const secondIn = second.find((e) => e.kernel === "BatchMatMul" && e.phase === "forward")!.inputs["a"]!.values!;
      expect(Math.max(...secondIn.map(Math.abs))).toBeGreaterThan(448);
      expect(scaling.tensor("BatchMatMul/a").updates).toBe(2);
      // Gradients (backward inputs that are gradients: dy of dW = x^T dy) are e5m2; x stays e4m3.
      const gradNames = scaling.state.tensors.filter((t) => t.format.name === "float8_e5m2").map((t) => t.name);
      expect(gradNames).toEqual(["BatchMatMul[bwd]/b"]);
      expect(String(scaling.state)).toContain("BatchMatMul/a");
      tf.dispose([x, w]);
    });

    it("fp8 casts a fused matmul's operands, not its bias (TE adds it in higher precision)", () => {
      const scaling = amp.delayedScaling();
      const x = fine([8, 16], 15);
      const w = tf.variable(fine([16, 4], 16));
      const b = tf.variable(tf.fill([4], 0.3)); // 0.3 is not an e4m3 value: a cast would show
      const events: KernelEvent[] = [];
      const y = amp.autocast("fp8_hybrid", () => tf.fused.matMul({ a: x, b: w, bias: b }), { scaling, trace: (e) => events.push(e) });
      expect(scaling.names.sort()).toEqual(["_FusedMatMul/a", "_FusedMatMul/b"]);
      const fused = events.find((e) => e.kernel === "_FusedMatMul")!;
      expect(fused.inputs["bias"]!.values![0]).toBe(Math.fround(0.3));
      tf.dispose([x, w, b, y]);
    });

    it("works around async functions and nested autocasts, and restores everything after errors", async () => {
      const a = fine([4, 4], 15);
      const y = await amp.autocast("mixed_float16", async () => {
        await new Promise((r) => setTimeout(r, 1));
        const h = tf.matMul(a, a);
        expect(amp.autocast.formatOf(h).name).toBe("float16");
        const inner = amp.autocast("mixed_bfloat16", () => tf.matMul(a, a));
        expect(amp.autocast.formatOf(inner).name).toBe("bfloat16");
        inner.dispose();
        await new Promise((r) => setTimeout(r, 1));
        return h;
      });
      expect(amp.autocast.formatOf(y).name).toBe("float16");
      expect(amp.autocast.installed()).toBe(false);
      expect(() =>
        amp.autocast("mixed_float16", () => {
          tf.matMul(a, a).dispose();
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expectRestored(before, backend);
      await expect(
        amp.autocast("mixed_float16", async () => {
          await Promise.resolve();
          throw new Error("async boom");
        }),
      ).rejects.toThrow("async boom");
      expectRestored(before, backend);
      // Outside autocast, ops are untouched.
      const plain = tf.matMul(a, a);
      expect(inFormat(plain.dataSync() as Float32Array, "float16")).toBe(false);
      tf.dispose([a, y, plain]);
    });

    it("code running outside the autocast while it awaits is not affected", async () => {
      const a = fine([4, 4], 16);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const pending = amp.autocast("mixed_float16", async () => {
        await gate;
      });
      expect(amp.autocast.installed()).toBe(true);
      const outside = tf.matMul(a, a);
      expect(amp.autocast.formatOf(outside).name).toBe("float32");
      expect(inFormat(outside.dataSync() as Float32Array, "float16")).toBe(false);
      release();
      await pending;
      expect(amp.autocast.installed()).toBe(false);
      tf.dispose([a, outside]);
    });

    it("reset() unwraps what an interrupted autocast left behind", async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const pending = amp.autocast("mixed_float16", () => gate); // as if terminated while inside
      expect(amp.autocast.installed()).toBe(true);
      amp.autocast.reset();
      expectRestored(before, backend);
      release();
      await pending;
      expectRestored(before, backend);
    });

    it("leaks no tensors", () => {
      const x = fine([8, 8], 17);
      const w = tf.variable(fine([8, 8], 18));
      const once = () => {
        const { value, grads } = amp.autocast("mixed_float16", () => tf.variableGrads(() => tf.mean(tf.relu(tf.matMul(tf.matMul(x, w), w))), [w]));
        tf.dispose([value, ...Object.values(grads)]);
      };
      once();
      const n = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) once();
      expect(tf.memory().numTensors).toBe(n);
      tf.dispose([x, w]);
    });
  });
}

describe("op lists", () => {
  it("are data, beside PyTorch's lists", () => {
    expect(amp.opLists["BatchMatMul"]).toEqual({ kind: "lower", family: "matmul" });
    expect(amp.opLists["Conv2DBackpropFilter"]).toEqual({ kind: "lower", family: "conv" });
    expect(amp.opLists["Softmax"]).toEqual({ kind: "float32", family: "softmax" });
    expect(amp.opLists["FusedBatchNorm"]).toEqual({ kind: "float32", family: "norm" });
    expect(amp.opLists["Exp"]!.kind).toBe("float32");
    expect(amp.opLists["Add"]).toBeUndefined(); // promote, the default
  });

  it("formats of autocast follow the policy's compute format", () => {
    expect(f16.name).toBe("float16");
    expect(bf16.name).toBe("bfloat16");
  });
});
