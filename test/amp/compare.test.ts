// amp.compare: same initial weights and data order for every config, histories kept, a summary
// figure of overlaid curves and a summary table through the display symbol.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, models, type StepRecord } from "../../lib/index.js";

beforeAll(async () => {
  await backends.use("wasm");
});

describe("amp.compare", () => {
  const data = () => ({ x: tf.randomNormal([96, 6], 0, 1, "float32", 21), y: tf.randomUniformInt([96], 0, 3, { seed: 22 }) });

  it("trains every config from the same weights on the same batches", async () => {
    const { x, y } = data();
    const seen: Array<StepRecord & { run?: string }> = [];
    const n = tf.memory().numTensors;
    const r = await amp.compare(
      {
        a: "float32",
        b: { policy: "float32" },
        mixed: { policy: "mixed_float16", lossScale: () => amp.lossScale.dynamic({ init: 2 ** 10 }) },
        pure: amp.policy("bfloat16"),
      },
      {
        data: { x, y },
        steps: 6,
        batchSize: 16,
        model: () => models.mlp({ inputSize: 6, hidden: [12], classes: 3 }),
        optimizer: () => amp.optim.sgd({ lr: 0.2, momentum: 0.5 }),
        validation: { x, y },
        callbacks: { onStep: (rec) => void seen.push(rec as StepRecord & { run?: string }) },
        verbose: 0,
      },
    );
    expect(r.names).toEqual(["a", "b", "mixed", "pure"]);
    // Two identical configs give identical histories: same initial weights, same order.
    expect(r.runs["a"]!.history.series("loss")).toEqual(r.runs["b"]!.history.series("loss"));
    expect(r.runs["a"]!.validation).toEqual(r.runs["b"]!.validation);
    // The first step of every run sees the same weights and batch: losses agree to the precision.
    const first = r.names.map((k) => r.runs[k]!.history.steps[0]!.loss);
    for (const l of first) expect(Math.abs(l - first[0]!)).toBeLessThan(0.05);
    expect(r.runs["mixed"]!.lossScale).toBe("dynamic");
    expect(r.runs["mixed"]!.finalScale).toBe(2 ** 10);
    expect(r.runs["pure"]!.policy.params.name).toBe("bfloat16");
    expect(seen.length).toBe(24);
    expect(seen.map((s) => s.run)).toEqual([..."aaaaaa"].concat([..."bbbbbb"], Array(6).fill("mixed"), Array(6).fill("pure")));
    expect(r.series("loss")["mixed"]!.length).toBe(6);
    const text = String(r);
    expect(text).toContain("amp.compare: 4 runs");
    expect(text).toMatch(/mixed\s+mixed_float16\s+dynamic\s+6\s+0\s+2\^10\s/);
    expect(text).toMatch(/pure\s+bfloat16\s+none\s+6\s+0\s+-\s/);
    const bundle = r[DISPLAY]();
    expect(bundle["text/html"]).toContain("<table");
    expect(bundle["text/html"]).toContain("val_accuracy");
    expect(bundle["text/html"]).toContain("tsamp-plot"); // the curves, above the table
    expect(bundle["text/html"].indexOf("tsamp-plot")).toBeLessThan(bundle["text/html"].indexOf("<table"));
    // The figure: a loss curve per run (one color each), accuracy below, the mixed run's scale.
    const fig = r.figure().toJSON();
    const names = fig.data.map((t) => t.name);
    for (const run of r.names) expect(names).toContain(`${run} · loss`);
    expect(names).toContain("mixed · accuracy");
    expect(names).toContain("mixed · loss scale");
    expect(names).not.toContain("a · loss scale"); // no loss scaling: no scale line
    const lossOf = (run: string) => fig.data.find((t) => t.name === `${run} · loss`)!;
    expect(lossOf("a").y).toEqual(r.runs["a"]!.history.series("loss").map((v) => Number(v.toPrecision(5))));
    expect((lossOf("a").line as { color: string }).color).not.toBe((lossOf("mixed").line as { color: string }).color);
    expect(String(fig.layout.title && (fig.layout.title as { text: string }).text)).toContain("a vs b vs mixed vs pure");
    expect(tf.memory().numTensors).toBe(n); // models and optimizer state disposed
    tf.dispose([x, y]);
  });

  it("shows its progress in one output updated in place under a kernel", async () => {
    const { x, y } = data();
    const kernel = Symbol.for("tsamp.kernel");
    const scope = globalThis as unknown as Record<symbol, unknown>;
    const shown: string[] = [];
    const text = (v: unknown) => String((v as { [DISPLAY](): Record<string, string> })[DISPLAY]()["text/plain"]);
    let displays = 0;
    scope[kernel] = {
      display: (v: unknown, o?: { id?: unknown }) => {
        displays += 1;
        expect(o?.id).toBe(true);
        shown.push(text(v));
        return { id: "p", update: (u: unknown) => void shown.push(text(u)) };
      },
    };
    const log = console.log;
    const printed: unknown[] = [];
    console.log = (...a: unknown[]) => void printed.push(a);
    try {
      await amp.compare({ a: "float32", b: "mixed_bfloat16" }, { data: { x, y }, steps: 3, batchSize: 32, model: () => models.mlp({ inputSize: 6, hidden: [4], classes: 3 }) });
    } finally {
      console.log = log;
      delete scope[kernel];
    }
    expect(displays).toBe(1); // one output, then updates
    expect(printed).toEqual([]); // nothing printed beside it
    const last = shown[shown.length - 1]!.split("\n");
    expect(last).toHaveLength(2);
    expect(last[0]).toMatch(/^a: 3 steps - loss \S+ - accuracy \S+ - skipped 0 - [\d.]+s$/);
    expect(last[1]).toMatch(/^b: 3 steps - /);
    expect(shown.some((t) => /^a: step 1\/3 - loss \S+ - [\d.]+ steps\/s$/.test(t))).toBe(true);
    tf.dispose([x, y]);
  });

  it("keeps trainers on request", async () => {
    const { x, y } = data();
    const r = await amp.compare({ f32: "float32" }, { data: { x, y }, epochs: 1, batchSize: 32, model: () => models.mlp({ inputSize: 6, hidden: [4], classes: 3 }), keep: true, verbose: 0 });
    expect(r.runs["f32"]!.trainer!.steps).toBe(3);
    r.dispose();
    tf.dispose([x, y]);
  });

  it("explains what it needs", async () => {
    const { x, y } = data();
    const model = () => models.mlp({ inputSize: 6, hidden: [4], classes: 3 });
    await expect(amp.compare({}, { data: { x, y }, steps: 1, model })).rejects.toThrow(/expects/);
    await expect(amp.compare({ a: "float32" }, { data: { x, y }, model })).rejects.toThrow(/steps or epochs/);
    await expect(amp.compare({ a: "float32" }, { data: { x, y }, steps: 1, model, optimizer: amp.optim.sgd({ lr: 1 }) as never })).rejects.toThrow(/factory/);
    async function* gen() {
      yield [x, y] as const;
    }
    await expect(amp.compare({ a: "float32", b: "float16" }, { data: gen(), steps: 1, model })).rejects.toThrow(/runs out/);
    await expect(amp.compare({ a: { polcy: "float32" } as never }, { data: { x, y }, steps: 1, model })).rejects.toThrow(/Did you mean "policy"/);
    tf.dispose([x, y]);
  });
});
