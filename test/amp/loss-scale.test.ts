// Loss scalers: PyTorch GradScaler's state machine traced step by step, jmp's minScale, options,
// scale/unscale/findInf as tensor ops, and the state display.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, type LossScaler } from "../../lib/index.js";

/** Feeds the flags to update() and returns the (scale, tracker) after each step. */
function trace(scaler: LossScaler, flags: boolean[]): Array<[number, number]> {
  return flags.map((f) => {
    scaler.update(f);
    return [scaler.state.scale, scaler.state.growthTracker];
  });
}

const F = false;
const T = true;

describe("dynamic loss scale: PyTorch's _amp_update_scale_", () => {
  it("has PyTorch's defaults: 2^16, x2, x0.5, every 2000 steps", () => {
    const s = amp.lossScale.dynamic();
    expect(s.options).toMatchObject({ init: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, minScale: null, maxScale: null });
    expect(s.lossScale).toBe(65536);
    // 1999 finite steps: tracker counts up, no growth yet.
    for (let i = 0; i < 1999; i++) s.update(false);
    expect([s.state.scale, s.state.growthTracker]).toEqual([65536, 1999]);
    // The 2000th: successful == growth_interval, scale *= 2, tracker = 0.
    s.update(false);
    expect([s.state.scale, s.state.growthTracker]).toEqual([131072, 0]);
  });

  it("grows at the interval, backs off on inf, backs off again, and resets the tracker", () => {
    const s = amp.lossScale.dynamic({ init: 1024, growthInterval: 3 });
    // Written out from the definition:
    //  step flag  tracker+1  -> scale, tracker
    //   0   F     1          -> 1024, 1
    //   1   F     2          -> 1024, 2
    //   2   F     3 == 3     -> 2048, 0   (growth)
    //   3   F     1          -> 2048, 1
    //   4   T                -> 1024, 0   (backoff)
    //   5   F     1          -> 1024, 1
    //   6   F     2          -> 1024, 2
    //   7   F     3 == 3     -> 2048, 0   (growth)
    //   8   T                -> 1024, 0
    //   9   T                ->  512, 0   (repeated backoff)
    //  10   F     1          ->  512, 1
    expect(trace(s, [F, F, F, F, T, F, F, F, T, T, F])).toEqual([
      [1024, 1], [1024, 2], [2048, 0], [2048, 1], [1024, 0], [1024, 1], [1024, 2], [2048, 0], [1024, 0], [512, 0], [512, 1],
    ]);
    const st = s.state;
    expect(st.steps).toBe(11);
    expect(st.skippedSteps).toBe(3);
    // The history holds the scale each step's loss was multiplied by.
    expect(st.history.map((e) => e.scale)).toEqual([1024, 1024, 1024, 2048, 2048, 1024, 1024, 1024, 2048, 1024, 512]);
    expect(st.history.map((e) => e.foundInf)).toEqual([F, F, F, F, T, F, F, F, T, T, F]);
    expect(st.history.map((e) => e.skipped)).toEqual([F, F, F, F, T, F, F, F, T, T, F]);
    expect(st.history.map((e) => e.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("an inf one step before the interval restarts the count", () => {
    const s = amp.lossScale.dynamic({ init: 8, growthInterval: 2 });
    expect(trace(s, [F, T, F, F])).toEqual([[8, 1], [4, 0], [4, 1], [8, 0]]);
  });

  it("backs off without a floor by default (PyTorch), and never below minScale (jmp)", () => {
    const free = amp.lossScale.dynamic({ init: 4 });
    expect(trace(free, [T, T, T, T]).map(([s]) => s)).toEqual([2, 1, 0.5, 0.25]);
    const floored = amp.lossScale.dynamic({ init: 4, minScale: 1 });
    expect(trace(floored, [T, T, T, T]).map(([s]) => s)).toEqual([2, 1, 1, 1]);
    // A floor that is not on the backoff path is reached exactly.
    const odd = amp.lossScale.dynamic({ init: 8, minScale: 3 });
    expect(trace(odd, [T, T, T]).map(([s]) => s)).toEqual([4, 3, 3]);
  });

  it("refuses a growth that would overflow float32 to inf, and still resets the tracker", () => {
    const s = amp.lossScale.dynamic({ init: 2 ** 127, growthInterval: 1 });
    // float32(2^127 * 2) = inf: PyTorch keeps the scale.
    expect(trace(s, [F, F])).toEqual([[2 ** 127, 0], [2 ** 127, 0]]);
    // A growth factor that fits once: 2^127 * 1.5 = 2.55e38 < float32 max; times 1.5 again is past it.
    const g = amp.lossScale.dynamic({ init: 2 ** 127, growthFactor: 1.5, growthInterval: 1 });
    expect(trace(g, [F, F])).toEqual([[Math.fround(2 ** 127 * 1.5), 0], [Math.fround(2 ** 127 * 1.5), 0]]);
  });

  it("keeps the scale in float32, as PyTorch's float tensor does", () => {
    const s = amp.lossScale.dynamic({ init: 1, backoffFactor: 0.3 });
    s.update(true);
    expect(s.lossScale).toBe(Math.fround(0.3));
    s.update(true);
    expect(s.lossScale).toBe(Math.fround(Math.fround(0.3) * 0.3));
    const g = amp.lossScale.dynamic({ init: 3, growthFactor: 1.1, growthInterval: 1 });
    g.update(false);
    expect(g.lossScale).toBe(Math.fround(3 * 1.1));
  });

  it("caps growth at maxScale", () => {
    const s = amp.lossScale.dynamic({ init: 1024, maxScale: 3000, growthInterval: 1 });
    expect(trace(s, [F, F, F, T]).map(([x]) => x)).toEqual([2048, 3000, 3000, 1500]);
  });

  it("lets the caller record a skipped step that found no inf", () => {
    const s = amp.lossScale.dynamic({ init: 8, growthInterval: 2 });
    const e = s.update(false, { skipped: true });
    expect(e).toEqual({ step: 0, scale: 8, foundInf: false, skipped: true });
    expect(s.state).toMatchObject({ steps: 1, skippedSteps: 1, growthTracker: 1 });
  });

  it("bounds the history when asked", () => {
    const s = amp.lossScale.dynamic({ historyLimit: 3 });
    for (let i = 0; i < 5; i++) s.update(i === 1);
    expect(s.state.history.map((e) => e.step)).toEqual([2, 3, 4]);
    expect(s.state.steps).toBe(5);
    expect(s.state.skippedSteps).toBe(1);
  });
});

describe("none and static scalers", () => {
  it("none: scale 1, records steps", () => {
    const s = amp.lossScale.none();
    expect(trace(s, [F, T, F])).toEqual([[1, 0], [1, 0], [1, 0]]);
    expect(s.state).toMatchObject({ kind: "none", steps: 3, skippedSteps: 1, growthInterval: null });
  });

  it("static: a fixed scale", () => {
    const s = amp.lossScale.static(1024);
    expect(trace(s, [T, T, F]).map(([x]) => x)).toEqual([1024, 1024, 1024]);
    expect(s.state.kind).toBe("static");
  });
});

describe("options are checked with clear errors", () => {
  it.each([
    [{ growthFactor: 1 }, /growthFactor must be a finite number > 1, got 1/],
    [{ growthFactor: 0.5 }, /growthFactor must be/],
    [{ growthFactor: Infinity }, /growthFactor must be/],
    [{ backoffFactor: 1 }, /backoffFactor must be in \(0, 1\), got 1/],
    [{ backoffFactor: 0 }, /backoffFactor must be in \(0, 1\)/],
    [{ backoffFactor: 2 }, /backoffFactor must be in \(0, 1\)/],
    [{ growthInterval: 0 }, /growthInterval must be a positive integer, got 0/],
    [{ growthInterval: 2.5 }, /growthInterval must be a positive integer/],
    [{ init: 0 }, /init must be a finite number > 0/],
    [{ init: -1 }, /init must be a finite number > 0/],
    [{ init: Infinity }, /init must be a finite number > 0/],
    [{ init: 1e39 }, /outside float32's range/],
    [{ init: 4, minScale: 8 }, /init \(4\) is below minScale \(8\)/],
    [{ init: 4, maxScale: 2 }, /init \(4\) is above maxScale \(2\)/],
    [{ growthFactr: 2 }, /unknown option "growthFactr"\. Did you mean "growthFactor"\?/],
  ])("dynamic(%o) throws", (opts, message) => {
    expect(() => amp.lossScale.dynamic(opts as never)).toThrow(message);
  });

  it("static(scale) needs a positive finite scale", () => {
    expect(() => amp.lossScale.static(0)).toThrow(/scale must be a finite number > 0/);
    expect(() => amp.lossScale.static(NaN)).toThrow(/scale must be a finite number > 0/);
  });

  it("update() wants a boolean", () => {
    expect(() => amp.lossScale.dynamic().update(1 as never)).toThrow(/expects a boolean/);
  });
});

describe.each(["cpu", "wasm"])("scale, unscale and findInf on %s", (backend) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  it("scale multiplies the loss and leaves the caller's tensor alone", () => {
    const s = amp.lossScale.dynamic();
    const loss = tf.scalar(0.5);
    const before = tf.memory().numTensors;
    const scaled = s.scale(loss);
    expect(scaled.dataSync()[0]).toBe(32768);
    expect(loss.isDisposed).toBe(false);
    scaled.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const n = amp.lossScale.none().scale(loss);
    expect(n).not.toBe(loss);
    expect(n.dataSync()[0]).toBe(0.5);
    tf.dispose([n, loss]);
  });

  it("unscale divides in float32 into new tensors, for arrays and records", () => {
    const s = amp.lossScale.dynamic();
    const a = tf.tensor1d([65536, 131072]);
    const b = tf.tensor1d([3], "int32");
    const before = tf.memory().numTensors;
    const [ua, ub] = s.unscale([a, b]);
    expect(Array.from(ua!.dataSync())).toEqual([1, 2]);
    expect(ub!.dtype).toBe("float32");
    expect(ub!.dataSync()[0]).toBe(Math.fround(3 / 65536));
    expect(tf.memory().numTensors).toBe(before + 2);
    const rec = s.unscale({ w: a });
    expect(Array.from(rec.w!.dataSync())).toEqual([1, 2]);
    expect(a.isDisposed || b.isDisposed).toBe(false);
    tf.dispose([ua!, ub!, rec.w!, a, b]);
  });

  it("unscale multiplies by the float32 reciprocal, as PyTorch", () => {
    const s = amp.lossScale.static(3);
    const g = tf.tensor1d([1, 7]);
    const [u] = s.unscale([g]);
    const inv = Math.fround(1 / 3);
    expect(Array.from(u!.dataSync())).toEqual([Math.fround(1 * inv), Math.fround(7 * inv)]);
    tf.dispose([g, u!]);
  });

  it("findInf sees inf and NaN anywhere, in one scalar, without leaking", () => {
    const s = amp.lossScale.dynamic();
    const ok = tf.tensor2d([[1, 2], [3, 4]]);
    const inf = tf.tensor1d([1, Infinity]);
    const ninf = tf.tensor1d([-Infinity]);
    const nan = tf.tensor1d([0, NaN, 2]);
    const before = tf.memory().numTensors;
    expect(s.findInf([ok])).toBe(false);
    expect(s.findInf([ok, inf])).toBe(true);
    expect(s.findInf([ninf])).toBe(true);
    expect(s.findInf({ a: ok, b: nan })).toBe(true);
    expect(s.findInf([])).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ok, inf, ninf, nan]);
  });

  it("findInfAsync answers the same with an asynchronous read", async () => {
    const s = amp.lossScale.dynamic();
    const ok = tf.tensor1d([1, -2]);
    const nan = tf.tensor1d([NaN]);
    const before = tf.memory().numTensors;
    expect(await s.findInfAsync([ok])).toBe(false);
    expect(await s.findInfAsync({ a: ok, b: nan })).toBe(true);
    expect(await s.findInfAsync([])).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ok, nan]);
  });
});

describe("scaler state display", () => {
  it("renders a text and an HTML summary", () => {
    const s = amp.lossScale.dynamic({ growthInterval: 4 });
    s.update(false);
    s.update(true);
    s.update(false);
    const bundle = s.state[DISPLAY]() as Record<string, string>;
    expect(bundle["text/plain"]).toContain("dynamic loss scale");
    expect(bundle["text/plain"]).toContain("32768 (2^15)");
    expect(bundle["text/plain"]).toContain("1 / 4");
    expect(bundle["text/plain"]).toMatch(/skipped steps\s+1 \(33\.33%\)/);
    expect(bundle["text/plain"]).toContain("step 1 at 65536 (2^16)");
    expect(bundle["text/html"]).toContain("<table");
    expect(bundle["text/html"]).toContain("growth tracker");
    expect(String(s)).toBe(bundle["text/plain"]);
  });

  it("is a frozen snapshot", () => {
    const s = amp.lossScale.dynamic();
    const st = s.state;
    s.update(true);
    expect(st.scale).toBe(65536);
    expect(Object.isFrozen(st)).toBe(true);
    expect(Object.isFrozen(st.history)).toBe(true);
  });
});
