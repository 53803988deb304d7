// amp.advise: per-layer underflow/subnormal/overflow shares from one float32 step, a recommended
// policy with float32 overrides where the format fails, and an initial loss scale.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, formats, models } from "../../lib/index.js";
import { overflowThreshold, lossScaleFor } from "../../lib/amp/advise.js";

beforeAll(async () => {
  await backends.use("wasm");
});

/** "wide" computes activations up to ~1e5 (past float16's 65504); "head" brings them back down. */
function overflowing(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, kernelInitializer: tf.initializers.constant({ value: 3e4 }), useBias: false, name: "wide" }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.constant({ value: 1e-5 }), name: "head" }),
    ],
  });
}

describe("amp.advise", () => {
  const x = () => tf.randomUniform([32, 8], 0.2, 1, "float32", 31);
  const y = () => tf.randomUniformInt([32], 0, 3, { seed: 32 });

  it("keeps a layer whose activations overflow float16 in float32, or picks bfloat16", async () => {
    const model = overflowing();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const [xs, ys] = [x(), y()];
    const n = tf.memory().numTensors;
    const advice = await amp.advise(model, { x: xs, y: ys });
    expect(tf.memory().numTensors).toBe(n);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(advice.layers.map((l) => l.layer)).toEqual(["wide", "head"]);
    const wide = advice.layers[0]!.tensors["activations"]!;
    expect(wide.amax).toBeGreaterThan(65504);
    expect(wide.shares[0]!.overflow).toBeGreaterThan(0.5); // float16
    expect(wide.shares[1]!.overflow).toBe(0); // bfloat16
    const f16 = advice.verdicts.find((v) => v.format.name === "float16")!;
    expect(f16.keepFloat32.map((k) => k.layer)).toContain("wide");
    expect(f16.keepFloat32.find((k) => k.layer === "wide")!.reasons.join()).toMatch(/activations overflow/);
    expect(advice.format.name).toBe("bfloat16");
    expect(advice.policy.compute.name).toBe("bfloat16");
    expect(advice.initialLossScale).toBeNull();
    expect(advice.lossScale().kind).toBe("none");
    // With float16 as the only candidate: float16 with an override for "wide", and a loss scale.
    const only16 = await amp.advise(model, [xs, ys], { formats: ["float16"] });
    expect(only16.format.name).toBe("float16");
    expect(only16.policy.overrides.map(String)).toContain('layer "wide": float32');
    expect(only16.policy.resolve({ layer: "wide" }).compute.name).toBe("float32");
    expect(Math.log2(only16.initialLossScale!) % 1).toBe(0);
    expect(only16.lossScale().kind).toBe("dynamic");
    const text = String(only16);
    expect(text).toContain("wide");
    expect(text).toContain("float16 under/sub/over %");
    expect(text).toMatch(/keep "wide" in float32/);
    const html = only16[DISPLAY]()["text/html"]!;
    expect(html).toContain("<table");
    expect(html).toContain("tsamp-plot"); // the heatmap comes first
    expect(html.indexOf("tsamp-plot")).toBeLessThan(html.indexOf("<table"));
    // The heatmap: a row per layer and tensor kind, a column per format and way of losing values.
    const map = only16.heatmap();
    expect(map.options.columns).toEqual(["float16 underflow", "float16 subnormal", "float16 overflow"]);
    const wideActs = map.options.rows.indexOf("wide · activations");
    expect(wideActs).toBeGreaterThanOrEqual(0);
    expect(map.options.values[wideActs]![2]).toBeCloseTo(100 * only16.layers.find((l) => l.layer === "wide")!.tensors.activations!.shares[0]!.overflow, 6);
    expect(map.options.values[wideActs]![2]).toBeGreaterThan(0);
    expect(only16.heatmap({ ways: ["overflow"] }).options.columns).toEqual(["float16 overflow"]);
    expect(() => only16.heatmap({ ways: ["overlow" as never] })).toThrow(/underflow", "subnormal" and "overflow"/);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it("recommends float16 without overrides for a well-scaled model, and a loss scale that does not overflow", async () => {
    const model = models.mlp({ inputSize: 8, hidden: [16], classes: 3 });
    const [xs, ys] = [x(), y()];
    const advice = await amp.advise(model, { x: xs, y: ys });
    expect(advice.format.name).toBe("float16");
    expect(advice.policy.overrides.length).toBe(0);
    expect(advice.layers.map((l) => Object.keys(l.tensors).sort())).toEqual([
      ["activation grads", "activations", "weight grads", "weights"],
      ["activation grads", "activations", "weight grads", "weights"],
    ]);
    const scale = advice.initialLossScale!;
    const gradAmax = Math.max(...advice.layers.flatMap((l) => [l.tensors["activation grads"]!.amax, l.tensors["weight grads"]!.amax]));
    expect(gradAmax * scale).toBeLessThan(65504);
    expect(gradAmax * scale * 4).toBeGreaterThanOrEqual(65504); // as high as it goes, with 2x headroom
    for (const l of advice.layers) expect(l.tensors["weight grads"]!.shares[0]!.overflow).toBe(0);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it("measures the thresholds of each format", () => {
    expect(overflowThreshold(formats.get("float16"))).toBe(65520);
    expect(overflowThreshold(formats.get("float8_e4m3fn"))).toBe(464);
    expect(lossScaleFor(formats.get("float16"), 1)).toBe(2 ** 14);
    expect(lossScaleFor(formats.get("bfloat16"), 1e-6)).toBe(1);
  });
});
