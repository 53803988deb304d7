// Optimizers against PyTorch's update rules (values computed by hand from torch.optim's
// definitions, in double), weight-decay filtering, lr schedules, stagnation under a pure float16
// policy, and no tensor leaks.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { DISPLAY } from "../../lib/display-symbol.js";
import { amp, formats, type Optimizer } from "../../lib/index.js";

// One weight of shape [1, 2] (rank 2, so the default decay filter decays it), w0 = [1, -2], and a
// fixed gradient per step (the rules do not care where gradients come from).
const W0 = [1, -2];
const GRADS = [
  [0.5, -1],
  [0.25, 0.5],
  [-1, 2],
];

/** Runs three steps and returns the weight after each. */
function run(opt: Optimizer): number[][] {
  const value = tf.variable(tf.tensor2d([W0]));
  const out: number[][] = [];
  for (const g of GRADS) {
    const grad = tf.tensor2d([g]);
    opt.step([{ name: "dense/kernel", value, grad }]);
    grad.dispose();
    out.push(Array.from(value.dataSync()));
  }
  value.dispose();
  opt.dispose();
  return out;
}

/** Within float32 rounding of a few ops on values near 1 (PyTorch may fuse multiply-adds). */
function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) =>
    row.forEach((x, j) => {
      expect(Math.abs(x - expected[i]![j]!), `step ${i + 1}, element ${j}: ${x} vs ${expected[i]![j]}`).toBeLessThan(1e-6);
    }),
  );
}

beforeAll(async () => {
  await backends.use("cpu");
});

describe("sgd, as torch.optim.SGD", () => {
  it("plain: p -= lr * g", () => {
    // w1 = [1 - 0.05, -2 + 0.1]; w2 = w1 - 0.1 * [0.25, 0.5]; w3 = w2 - 0.1 * [-1, 2]
    expectClose(run(amp.optim.sgd({ lr: 0.1 })), [
      [0.95, -1.9],
      [0.925, -1.95],
      [1.025, -2.15],
    ]);
  });

  it("momentum 0.9: buf = g on the first step, then 0.9 buf + g", () => {
    // buf1 = [0.5, -1]              w1 = [0.95, -1.9]
    // buf2 = [0.45+0.25, -0.9+0.5] = [0.7, -0.4]      w2 = [0.88, -1.86]
    // buf3 = [0.63-1, -0.36+2] = [-0.37, 1.64]        w3 = [0.917, -2.024]
    expectClose(run(amp.optim.sgd({ lr: 0.1, momentum: 0.9 })), [
      [0.95, -1.9],
      [0.88, -1.86],
      [0.917, -2.024],
    ]);
  });

  it("momentum 0.9, dampening 0.1, weight decay 0.01", () => {
    // g1 = [0.5+0.01, -1-0.02] = [0.51, -1.02]; buf1 = g1; w1 = [0.949, -1.898]
    // g2 = [0.25+0.00949, 0.5-0.01898]; buf2 = 0.9 buf1 + 0.9 g2 = [0.692541, -0.484918]
    //   w2 = [0.8797459, -1.8494918]
    // g3 = [-1+0.008797459, 2-0.018494918]; buf3 = 0.9 buf2 + 0.9 g3; w3 = w2 - 0.1 buf3
    expectClose(run(amp.optim.sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })), [
      [0.949, -1.898],
      [0.8797459, -1.8494918],
      [0.90662543869, -1.98416987738],
    ]);
  });

  it("nesterov, weight decay 0.01: p -= lr * (g + 0.9 buf)", () => {
    // g1 = [0.51, -1.02]; buf1 = g1; step = g1 + 0.9 g1 = [0.969, -1.938]; w1 = [0.9031, -1.8062]
    expectClose(run(amp.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })), [
      [0.9031, -1.8062],
      [0.81257411, -1.81514822],
      [0.942869708191, -2.156378416382],
    ]);
  });

  it("checks its options as PyTorch does", () => {
    expect(() => amp.optim.sgd({ lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum > 0 and zero dampening/);
    expect(() => amp.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1 })).toThrow(/zero dampening/);
    expect(() => amp.optim.sgd({ lr: -1 })).toThrow(/lr must be a finite number >= 0/);
    expect(() => amp.optim.sgd({ lr: 0.1, momentum: -0.5 })).toThrow(/momentum must be >= 0/);
    expect(() => amp.optim.sgd({ lr: 0.1, momentun: 0.9 } as never)).toThrow(/unknown option "momentun"\. Did you mean "momentum"\?/);
    expect(() => amp.optim.sgd({} as never)).toThrow(/lr must be/);
  });
});

describe("adam and adamw, as torch.optim.Adam / AdamW", () => {
  // Step 1 by hand: m = 0.1 g, v = 0.001 g^2, bias corrections 0.1 and 0.001, so the step is
  // lr * g / (|g| + eps) = 0.01 * sign(g) (less 1e-10 relative): w1 = [0.99, -1.99].
  it("adam", () => {
    expectClose(run(amp.optim.adam({ lr: 0.01 })), [
      [0.9900000002, -1.9900000001],
      [0.9806782040477462, -1.9873366297370902],
      [0.9827417742885411, -1.9919099476026023],
    ]);
  });

  it("adam with weight decay 0.1 adds 0.1 w to the gradient (L2)", () => {
    expectClose(run(amp.optim.adam({ lr: 0.01, weightDecay: 0.1 })), [
      [0.9900000001666667, -1.9900000000833333],
      [0.980465827519045, -1.985312258721214],
      [0.981037703897073, -1.9885297713312537],
    ]);
  });

  it("adamw: default weight decay 0.01, decoupled: p *= 1 - lr wd before the Adam step", () => {
    // w1 = [1 * (1 - 1e-4) - 0.01, -2 * (1 - 1e-4) + 0.01] = [0.9899, -1.9898]
    const opt = amp.optim.adamw({ lr: 0.01 });
    expect(opt.weightDecay).toBe(0.01);
    expectClose(run(opt), [
      [0.9899000002, -1.9898000001],
      [0.9804792140477262, -1.9869376497370803],
      [0.9824447363671164, -1.9913122738376188],
    ]);
  });

  it("adamw with weight decay 0.1 and other betas", () => {
    expectClose(run(amp.optim.adamw({ lr: 0.01, weightDecay: 0.1 })), [
      [0.9890000002, -1.9880000001],
      [0.9786892040475462, -1.9833486297369902],
      [0.9797740850842936, -1.9859385989727654],
    ]);
  });

  it("keeps float32 state per weight: expAvg and expAvgSq, with the weight's own step count", () => {
    const opt = amp.optim.adam({ lr: 0.01 });
    const value = tf.variable(tf.tensor2d([W0]));
    const grad = tf.tensor2d([GRADS[0]!]);
    opt.step([{ name: "w", value, grad }]);
    opt.step([{ name: "w", value, grad: null }]); // no gradient: not stepped, as PyTorch
    const st = opt.state;
    expect(st.step).toBe(2);
    expect(st.params[0]!.step).toBe(1);
    expect(Object.keys(st.params[0]!.buffers)).toEqual(["expAvg", "expAvgSq"]);
    expect(st.params[0]!.buffers.expAvg!.dtype).toBe("float32");
    const m = Array.from(st.params[0]!.buffers.expAvg!.dataSync());
    expect(m[0]).toBeCloseTo(0.05, 7);
    expect(m[1]).toBeCloseTo(-0.1, 7);
    expect(st.bytes).toBe(16);
    const text = (st[DISPLAY]() as Record<string, string>)["text/plain"];
    expect(text).toContain("adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=0): step 2");
    expect(text).toContain("expAvg rms");
    tf.dispose([value, grad]);
    opt.dispose();
  });

  it("checks betas and eps", () => {
    expect(() => amp.optim.adam({ lr: 1, betas: [1, 0.999] })).toThrow(/betas\[0\] must be in \[0, 1\)/);
    expect(() => amp.optim.adamw({ lr: 1, eps: -1 })).toThrow(/eps must be a finite number >= 0/);
  });
});

describe("weight-decay filter", () => {
  function decayed(filter?: "all"): Record<string, number> {
    const opt = amp.optim.sgd({ lr: 0.1, weightDecay: 0.5, ...(filter ? { decayFilter: filter } : {}) });
    const weights = {
      "dense/kernel": tf.variable(tf.ones([1, 1])),
      "dense/bias": tf.variable(tf.ones([1, 1])),
      "layer_norm/gamma": tf.variable(tf.ones([1, 1])),
      "bn1/scale": tf.variable(tf.ones([1, 1])),
      "conv/scale": tf.variable(tf.ones([1])),
    };
    const zero = tf.zeros([1, 1]);
    const zero1 = tf.zeros([1]);
    opt.step(Object.entries(weights).map(([name, value]) => ({ name, value, grad: value.rank === 1 ? zero1 : zero })));
    const out = Object.fromEntries(Object.entries(weights).map(([n, v]) => [n, v.dataSync()[0]!]));
    tf.dispose([...Object.values(weights), zero, zero1]);
    opt.dispose();
    return out;
  }

  it("skips rank-1 weights and bias/norm/bn names by default", () => {
    // Decayed: w = 1 - 0.1 * 0.5 * 1 = 0.95.
    expect(decayed()).toEqual({
      "dense/kernel": Math.fround(0.95),
      "dense/bias": 1,
      "layer_norm/gamma": 1,
      "bn1/scale": 1,
      "conv/scale": 1,
    });
  });

  it('"all" decays every weight, as PyTorch', () => {
    expect(Object.values(decayed("all"))).toEqual(new Array(5).fill(Math.fround(0.95)));
  });

  it("applies to adamw's decoupled decay too", () => {
    const opt = amp.optim.adamw({ lr: 0.1, weightDecay: 0.5, decayFilter: (p) => p.name !== "keep" });
    const a = tf.variable(tf.ones([1]));
    const b = tf.variable(tf.ones([1]));
    const g = tf.zeros([1]);
    opt.step([
      { name: "keep", value: a, grad: g },
      { name: "decay", value: b, grad: g },
    ]);
    expect(a.dataSync()[0]).toBe(1);
    expect(b.dataSync()[0]).toBe(Math.fround(0.95));
    tf.dispose([a, b, g]);
    opt.dispose();
  });
});

describe("schedules", () => {
  it("constant", () => {
    const s = amp.schedule.constant();
    expect([0, 10, 1000].map((t) => s.lr(t, 0.1))).toEqual([0.1, 0.1, 0.1]);
  });

  it("step: base * gamma^floor(step / stepSize), as StepLR", () => {
    const s = amp.schedule.step({ stepSize: 3, gamma: 0.5 });
    expect([0, 1, 2, 3, 5, 6, 9].map((t) => s.lr(t, 0.1))).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expect(amp.schedule.step({ stepSize: 1 }).lr(2, 1)).toBeCloseTo(0.01, 15);
  });

  it("cosine: linear warmup from 0, then cosine to minLr, then minLr", () => {
    const s = amp.schedule.cosine({ warmupSteps: 10, totalSteps: 110, minLr: 0.001 });
    const at = (t: number) => s.lr(t, 0.1);
    expect(at(0)).toBe(0);
    expect(at(5)).toBeCloseTo(0.05, 15);
    expect(at(10)).toBeCloseTo(0.1, 15);
    // p = 0.25: 0.001 + 0.099 * (1 + cos(pi/4)) / 2
    expect(at(35)).toBeCloseTo(0.001 + (0.099 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(at(60)).toBeCloseTo(0.0505, 15);
    expect(at(110)).toBeCloseTo(0.001, 15);
    expect(at(500)).toBeCloseTo(0.001, 15);
    expect(String(s)).toBe("cosine(warmupSteps=10, totalSteps=110, minLr=0.001)");
  });

  it("check their options", () => {
    expect(() => amp.schedule.cosine({ warmupSteps: 10, totalSteps: 10 })).toThrow(/warmupSteps \(10\) must be below totalSteps \(10\)/);
    expect(() => amp.schedule.step({ stepSize: 0 })).toThrow(/stepSize must be a positive integer/);
    expect(() => amp.schedule.cosine({ totalSteps: 10, minlr: 0 } as never)).toThrow(/Did you mean "minLr"\?/);
    expect(() => amp.schedule.constant().lr(-1, 1)).toThrow(/non-negative integer/);
  });

  it("drive the optimizer's lr, one schedule step per optimizer step", () => {
    const opt = amp.optim.sgd({ lr: 1, schedule: amp.schedule.step({ stepSize: 1, gamma: 0.5 }) });
    const w = tf.variable(tf.zeros([1]));
    const g = tf.ones([1]);
    expect(opt.lr).toBe(1);
    for (let i = 0; i < 3; i++) opt.step([{ name: "w", value: w, grad: g }]);
    expect(w.dataSync()[0]).toBe(-1.75); // -(1 + 0.5 + 0.25)
    expect(opt.lr).toBe(0.125);
    expect(opt.state.lr).toBe(0.125);
    const custom = amp.optim.sgd({ lr: 2, schedule: (t, base) => base / (t + 1) });
    expect(custom.lr).toBe(2);
    tf.dispose([w, g]);
    opt.dispose();
  });
});

describe.each(["cpu", "wasm"])("on %s", (backend) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  it("stagnation: float16 weights do not move under updates below half their spacing", () => {
    // At w = 1, float16's spacing below 1 is 2^-11 = 4.9e-4: w - 1e-4 rounds back to 1.
    const w16 = tf.variable(tf.tensor1d([1]));
    const g = tf.ones([1]);
    const pure = amp.optim.sgd({ lr: 1e-4, paramsFormat: amp.policy("float16").params });
    for (let i = 0; i < 100; i++) pure.step([{ name: "w", value: w16, grad: g }]);
    expect(w16.dataSync()[0]).toBe(1);

    // The same through applyUpdate directly.
    const w = tf.variable(tf.tensor1d([1]));
    const delta = tf.tensor1d([-1e-4]);
    for (let i = 0; i < 100; i++) amp.applyUpdate(w, delta, "float16");
    expect(w.dataSync()[0]).toBe(1);

    // A float32 master moves by 100 * 1e-4 = 0.01, to float32 precision: exactly the float32
    // sequence w = fl(w - fl(1e-4)), which is 0.99 within the 100 half-ulp roundings.
    let expected = 1;
    for (let i = 0; i < 100; i++) expected = Math.fround(expected - Math.fround(1e-4));
    expect(Math.abs(expected - 0.99)).toBeLessThan(100 * 2 ** -25);
    const w32 = tf.variable(tf.tensor1d([1]));
    const mixed = amp.optim.sgd({ lr: 1e-4, paramsFormat: amp.policy("mixed_float16").params });
    for (let i = 0; i < 100; i++) mixed.step([{ name: "w", value: w32, grad: g }]);
    expect(w32.dataSync()[0]).toBe(expected);
    const m32 = tf.variable(tf.tensor1d([1]));
    for (let i = 0; i < 100; i++) amp.applyUpdate(m32, -1e-4);
    expect(m32.dataSync()[0]).toBe(expected);

    // Stochastic rounding keeps float16 weights moving on average (reproducible with a seed).
    const sr = tf.variable(tf.tensor1d([1]));
    const srOpt = amp.optim.sgd({ lr: 1e-4, paramsFormat: "float16", paramsRounding: { rounding: "stochastic", seed: 7 } });
    for (let i = 0; i < 100; i++) srOpt.step([{ name: "w", value: sr, grad: g }]);
    const v = sr.dataSync()[0]!;
    expect(v).toBeLessThan(1);
    expect(Math.abs(v - 0.99)).toBeLessThan(0.006);
    expect(formats.get("float16").round(v)).toBe(v); // still a float16 value

    tf.dispose([w16, g, w, delta, w32, m32, sr]);
    [pure, mixed, srOpt].forEach((o) => o.dispose());
  });

  it.each([
    ["sgd with momentum", () => amp.optim.sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ["sgd nesterov into float16 weights", () => amp.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true, paramsFormat: "f16" })],
    ["adam", () => amp.optim.adam({ lr: 0.01, weightDecay: 0.1 })],
    ["adamw into bfloat16 weights", () => amp.optim.adamw({ lr: 0.01, paramsFormat: "bf16" })],
  ])("%s leaks no tensors across steps", (_name, make) => {
    const opt = make();
    const params = [
      { name: "a/kernel", value: tf.variable(tf.randomNormal([4, 3])), grad: tf.randomNormal([4, 3]) },
      { name: "a/bias", value: tf.variable(tf.zeros([3])), grad: tf.randomNormal([3]) },
    ];
    opt.step(params); // creates the state variables
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) opt.step(params);
    expect(tf.memory().numTensors).toBe(after1);
    const state = opt.state.params.length;
    expect(state).toBe(2);
    opt.dispose();
    tf.dispose(params.flatMap((p) => [p.value, p.grad]));
  });

  it("applyUpdate leaks nothing and checks its arguments", () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const d = tf.tensor1d([0.5, 0.5]);
    const before = tf.memory().numTensors;
    amp.applyUpdate(w, d, "bf16");
    amp.applyUpdate(w, 0.25);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(w.dataSync())).toEqual([1.75, 2.75]);
    expect(() => amp.applyUpdate(w, tf.zeros([3]) as tf.Tensor)).toThrow(/delta has shape \[3\], the weight \[2\]/);
    expect(() => amp.applyUpdate(d as never, 1)).toThrow(/must be a tf.Variable/);
    tf.dispose([w, d]);
  });
});

describe("optimizer.step checks its input", () => {
  it("names, variables and shapes", () => {
    const opt = amp.optim.sgd({ lr: 0.1 });
    const v = tf.variable(tf.zeros([2]));
    const g = tf.zeros([3]);
    expect(() => opt.step([{ name: "w", value: v, grad: g }])).toThrow(/"w" has shape \[2\] but its gradient \[3\]/);
    expect(() => opt.step([{ name: "w", value: v, grad: null }, { name: "w", value: v, grad: null }])).toThrow(/two weights are named "w"/);
    expect(() => opt.step([{ name: "w", value: tf.zeros([2]) as never, grad: null }])).toThrow(/must be a tf.Variable/);
    tf.dispose([v, g]);
  });
});
