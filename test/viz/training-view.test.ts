// The live training view: updates in place at a bounded rate (fake clock, fake kernel), a final
// state that is complete, plotly.js in an output of its own, runs overlaid, and a terminal bar
// outside Jupyter.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, viz } from "../../lib/index.js";
import { ManualClock } from "../../lib/viz/clock.js";
import { PLOTLY_MIME } from "../../lib/viz/figure.js";
import type { FigureJson, Trace } from "../../lib/viz/plotly-types.js";
import type { StepMetrics } from "../../lib/viz/training-view.js";
import { fakeKernel, html, plotlyCopies, type Sent } from "./helpers.js";

let kernel: ReturnType<typeof fakeKernel>;
beforeEach(() => {
  viz.resetPlotlyInclusion();
  kernel = fakeKernel();
});
afterEach(() => kernel.uninstall());

const fig = (s: Sent) => s.bundle[PLOTLY_MIME] as FigureJson;
const trace = (f: FigureJson, name: string): Trace => {
  const t = f.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace "${name}" in ${f.data.map((d) => d.name).join(", ")}`);
  return t;
};
const title = (f: FigureJson) => (f.layout.title as { text: string }).text;

/** A fake training loop: `steps` steps `ms` apart, overflows at the given steps, scaler semantics. */
function train(view: { onStep(m: StepMetrics): void }, clock: ManualClock, steps: number, ms: number, overflowAt: number[] = []) {
  const scaler = amp.lossScale.dynamic({ growthInterval: 50 });
  for (let s = 0; s < steps; s++) {
    clock.advance(ms);
    const ev = scaler.update(overflowAt.includes(s));
    view.onStep({ step: s, loss: 1 / (1 + s), accuracy: s / steps, scale: ev.scale, foundInf: ev.foundInf, samples: 32 });
  }
}

describe("viz.trainingView in the kernel", () => {
  it("displays once, then updates in place at most once per interval, plus the final state", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 1000, title: "fake training", clock, interval: 400 });
    train(view, clock, 1000, 10, [3, 400]); // 10 s of steps
    view.finish();
    const displays = kernel.sent.filter((s) => s.kind === "display");
    const updates = kernel.sent.filter((s) => s.kind === "update");
    // plotly.js in an output of its own, then the view with a display id.
    expect(displays).toHaveLength(2);
    expect(displays[0]!.id).toBeNull();
    expect(plotlyCopies(html(displays[0]!.bundle))).toBe(1);
    expect(displays[1]!.id).not.toBeNull();
    // 10 s at one update per 400 ms: about 25, never one per step.
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(10_000 / 400) + 2);
    expect(updates.length).toBeGreaterThanOrEqual(20);
    expect(view.updates).toBe(updates.length);
    for (const u of updates) {
      expect(u.id).toBe(displays[1]!.id);
      expect(plotlyCopies(html(u.bundle))).toBe(0); // an update never carries the library
    }
  });

  it("ends in a complete final state: done, every step, the scale and its overflows", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 200, title: "fake training", clock });
    train(view, clock, 200, 10, [3, 120]);
    view.finish();
    const last = kernel.sent[kernel.sent.length - 1]!;
    expect(last.kind).toBe("update");
    const f = fig(last);
    expect(title(f)).toMatch(/^fake training<br><sup>done · 200\/200 steps in 2\.0 s · 100 steps\/s · 3200 samples\/s<\/sup>$/);
    const loss = trace(f, "loss");
    expect(loss.x![(loss.x as number[]).length - 1]).toBe(199);
    const scale = trace(f, "loss scale");
    // Change points of the scale: 2^16, halved at the overflow at step 3 (from step 4), ...
    expect((scale.customdata as number[]).slice(0, 2)).toEqual([2 ** 16, 2 ** 15]);
    expect(scale.x![(scale.x as number[]).length - 1]).toBe(199);
    const overflow = trace(f, "overflow (inf/NaN grads)");
    expect(overflow.x).toEqual([3, 120]);
    expect(html(last.bundle)).toContain('data-state="done"');
    expect(html(last.bundle)).toContain('data-steps="200"');
    expect(String(last.bundle["text/plain"])).toMatch(/^fake training — done · 200\/200 steps/);
    expect(String(last.bundle["text/plain"])).toMatch(/^run\s+200\s+0\.005\s+0\.005\s+0\.995\s+2\^17\s+2\s+2$/m);
  });

  it("shows the latest state after a burst, through one delayed update", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 100, clock, interval: 400 });
    train(view, clock, 5, 1); // 5 steps in 5 ms: one display, the rest waits
    expect(kernel.sent.filter((s) => s.kind === "update")).toHaveLength(0);
    expect(clock.pending).toBe(1);
    clock.advance(400);
    const updates = kernel.sent.filter((s) => s.kind === "update");
    expect(updates).toHaveLength(1);
    expect(trace(fig(updates[0]!), "loss").x).toEqual([0, 1, 2, 3, 4]);
    expect(clock.pending).toBe(0);
  });

  it("does not send plotly.js again when a figure already did", () => {
    viz.figure({ data: [] })[DISPLAY](); // the notebook's first figure carries it
    const clock = new ManualClock();
    const view = viz.trainingView({ clock });
    train(view, clock, 3, 1000);
    view.finish();
    expect(kernel.sent.filter((s) => s.kind === "display")).toHaveLength(1);
    expect(kernel.sent.every((s) => plotlyCopies(html(s.bundle)) === 0)).toBe(true);
  });

  it("overlays runs, each in its own color, for amp.compare", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 20, title: "compare", runs: ["float32", "mixed_float16"], clock });
    for (const name of ["float32", "mixed_float16"]) {
      const run = view.run(name);
      train(run, clock, 10, 50, name === "mixed_float16" ? [2] : []);
      run.finish();
    }
    expect(view.finished).toBe(true); // every declared run finished
    const f = fig(kernel.sent[kernel.sent.length - 1]!);
    const a = trace(f, "float32 · loss");
    const b = trace(f, "mixed_float16 · loss");
    expect((a.line as { color: string }).color).toBe(viz.theme.formats.float32);
    expect((b.line as { color: string }).color).toBe(viz.theme.formats.float16);
    expect(trace(f, "overflow (inf/NaN grads)").x).toEqual([2]);
    const text = view.toString();
    expect(text).toMatch(/^float32\s+10\s/m);
    expect(text).toMatch(/^mixed_float16\s+10\s/m);
  });

  it("takes the callbacks detached, onStep(step, metrics) and Keras-style onEpochEnd(epoch, logs)", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ clock, interval: 0 });
    const { onStep, onEpochEnd } = view.callbacks;
    onStep(0, { loss: 2 });
    onStep(1, { loss: 1 });
    onEpochEnd(0, { val_loss: 1.5, val_accuracy: 0.5 });
    view.finish();
    const f = fig(kernel.sent[kernel.sent.length - 1]!);
    expect(trace(f, "val_loss").y).toEqual([1.5]);
    expect(trace(f, "val_loss").x).toEqual([1]);
    expect(trace(f, "val_accuracy").yaxis).toBe("y2"); // metrics panel
    expect(f.layout.shapes).toHaveLength(1); // the epoch boundary
    expect(view.steps).toBe(2);
  });

  it("thins long runs to a fixed number of points per curve", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ clock, maxPoints: 300, output: "none" });
    train(view, clock, 20_000, 1);
    const f = view.figure().toJSON();
    const loss = trace(f, "loss");
    expect((loss.x as number[]).length).toBe(300);
    expect((loss.x as number[])[299]).toBe(19_999);
    expect(JSON.stringify(f).length).toBeLessThan(120_000);
  });
});

describe("viz.trainingView outside Jupyter", () => {
  beforeEach(() => kernel.uninstall());

  const stream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, s: { isTTY, columns: 120, write: (t: string) => chunks.push(t) } };
  };

  it("writes one line per tenth to a log, then the summary", () => {
    const out = stream(false);
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 500, title: "train", clock, stream: out.s });
    train(view, clock, 500, 5);
    view.finish();
    const lines = out.chunks.join("").trimEnd().split("\n");
    const progress = lines.filter((l) => l.startsWith("train ["));
    expect(progress.length).toBe(11); // 0%, 10%, ..., 90%, then done
    expect(progress[progress.length - 1]).toMatch(/^train \[=+\] done · 500\/500 steps in 2\.5 s · 200 steps\/s · 6400 samples\/s · loss 0\.002 · scale 2\^25/);
    expect(lines.some((l) => /^run\s+500/.test(l))).toBe(true);
    expect(out.chunks.join("")).not.toContain("\r");
    expect(kernel.sent).toHaveLength(0);
  });

  it("redraws one line in place on a terminal, a bounded number of times", () => {
    const out = stream(true);
    const clock = new ManualClock();
    const view = viz.trainingView({ total: 1000, clock, stream: out.s });
    train(view, clock, 1000, 2); // 2 s
    view.finish();
    const draws = out.chunks.filter((c) => c.startsWith("\r"));
    expect(draws.length).toBeLessThanOrEqual(2000 / 100 + 2);
    expect(draws[draws.length - 1]).toMatch(/done · 1000\/1000 steps/);
    expect(draws.slice(0, -1).every((d) => !d.includes("\n"))).toBe(true);
    expect(draws[0]).toMatch(/ETA|step 1\/1000/);
  });

  it("prints readable text with console.log", async () => {
    const { inspect } = await import("node:util");
    const view = viz.trainingView({ output: "none", title: "t" });
    view.onStep({ loss: 0.5 });
    expect(inspect(view)).toBe(view.toString());
    expect(inspect(view)).toMatch(/^t — step 1/);
  });
});

describe("viz.trainingView with amp.Trainer's records", () => {
  beforeEach(() => kernel.uninstall());

  it("reads StepRecord and EpochRecord shapes, and onTrainEnd finishes", () => {
    const clock = new ManualClock();
    const view = viz.trainingView({ output: "none", clock, total: 4 });
    const trainer = {};
    for (let step = 0; step < 4; step++) {
      clock.advance(100);
      view.onStep(
        { step, epoch: 0, loss: 1 / (step + 1), metrics: { accuracy: step / 4 }, accuracy: step / 4, lr: 0.01, scale: 65536, skipped: false, foundInf: false, samples: 32, time: 0.1 },
        trainer as never,
      );
    }
    view.onEpochEnd({ epoch: 0, steps: 4, skipped: 0, samples: 128, loss: 0.5, metrics: { accuracy: 0.375 }, validation: { loss: 0.6, accuracy: 0.3 }, val_loss: 0.6, scale: 65536, lr: 0.01, time: 0.4 } as never, trainer as never);
    view.onTrainEnd();
    expect(view.finished).toBe(true);
    const f = view.figure().toJSON();
    const names = f.data.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["loss", "accuracy", "loss (epoch)", "accuracy (epoch)", "val_loss", "val_accuracy", "loss scale"]));
    expect(names).not.toContain("steps");
    expect(names).not.toContain("lr");
    expect(view.progress()).toMatchObject({ done: 4, total: 4, finished: true, samplesPerSec: 320 });
  });
});
