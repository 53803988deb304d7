// Stochastic rounding: unbiased on average (a statistical bound, no timing), reproducible with a
// seed, the same on every backend, and equal to the scalar reference fed the same draws.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats, quantize } from "../../lib/formats/index.js";
import { INV_2_32, draw32, seedKeys } from "../../lib/formats/random.js";
import { roundFloat32Bits } from "../../lib/formats/round.js";

function values(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(values(t).slice().buffer);
}

const N = 200_000;

describe.each(["cpu", "wasm"])("stochastic rounding on %s", (backend) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  // One value repeated N times: each result is lo or lo + spacing, up with probability
  // p = (x - lo) / spacing. The mean's standard deviation is spacing * sqrt(p(1-p)/N); we accept
  // 6 of them (a false alarm has probability ~2e-9, and with a fixed seed the test is deterministic).
  it.each([
    ["float16", 1 + 0.3 * 2 ** -10], // normal range, p = 0.3
    ["float16", -(1 + 0.7 * 2 ** -10)], // negative, p = 0.7
    ["float16", 2.5 * 2 ** -24], // subnormal range, p = 0.5
    ["bfloat16", 3.14159],
    ["float8_e4m3fn", 0.1],
    ["float8_e4m3fn", 0.3 * 2 ** -9], // below the smallest subnormal: 0 or 2^-9, p = 0.3
    ["float4_e2m1fn", 5], // between 4 and 6, p = 0.5
    ["float6_e3m2fn", 0.01], // below half the smallest subnormal (0.0625): p = 0.16
  ])("%s: rounding %d many times is unbiased", (name, value) => {
    const fmt = formats.get(name);
    const x = Math.fround(value);
    const lo = fmt.round(x, { rounding: "toward-zero" });
    const result = values(quantize(tf.fill([N], x), fmt, { rounding: "stochastic", seed: 1234 }));
    const distinct = [...new Set(result)].sort((a, b) => Math.abs(a) - Math.abs(b));
    expect(distinct.length).toBe(2);
    expect(distinct[0]).toBe(lo);
    const spacing = Math.abs(distinct[1]! - distinct[0]!);
    const p = Math.abs(x - lo) / spacing;
    let sum = 0;
    for (const r of result) sum += r - x;
    const meanError = sum / N;
    const sd = spacing * Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(meanError)).toBeLessThan(6 * sd);
  });

  // Many different values at once: the summed error of 10^5 normal samples is a sum of independent
  // zero-mean terms with variance p_i(1-p_i) s_i^2 <= s_i^2 / 4, so |sum| < 6 sqrt(sum s_i^2 / 4).
  it.each(["float16", "bfloat16", "float8_e5m2", "float4_e2m1fn"])("%s: total error over random values is centred", (name) => {
    const fmt = formats.get(name);
    const x = tf.randomNormal([100_000], 0, 1, "float32", 7);
    const xs = x.dataSync() as Float32Array;
    const up = values(quantize(x, fmt, { rounding: "stochastic", seed: 99 }));
    const down = values(quantize(x, fmt, { rounding: "toward-zero" }));
    x.dispose();
    let sum = 0;
    let bound = 0;
    for (let i = 0; i < xs.length; i++) {
      sum += up[i]! - xs[i]!;
      // The grid spacing at x_i: 2^(max(e, emin) - M) for the binade 2^e of the truncated value,
      // i.e. the larger of 2^e * epsilon and the smallest subnormal (the spacing below 2^emin).
      const lo = Math.abs(down[i]!);
      const s = lo === 0 ? fmt.minSubnormal : Math.max(fmt.minSubnormal, 2 ** Math.floor(Math.log2(lo)) * fmt.epsilon);
      bound += (s * s) / 4;
    }
    expect(Math.abs(sum)).toBeLessThan(6 * Math.sqrt(bound));
  });

  it("is reproducible with a seed and varies with it", () => {
    const x = tf.randomUniform([10_000], -4, 4, "float32", 3);
    const a = bits(quantize(x, "fp8_e4m3", { rounding: "stochastic", seed: 5 }));
    const b = bits(quantize(x, "fp8_e4m3", { rounding: "stochastic", seed: 5 }));
    const c = bits(quantize(x, "fp8_e4m3", { rounding: "stochastic", seed: 6 }));
    const d = bits(quantize(x, "fp8_e4m3", { rounding: "stochastic" }));
    const e = bits(quantize(x, "fp8_e4m3", { rounding: "stochastic" }));
    x.dispose();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(d).not.toEqual(e);
  });

  it("equals the scalar reference fed the same counter-based draws", () => {
    const x = tf.randomNormal([5000], 0, 100, "float32", 11);
    const xb = new Uint32Array((x.dataSync() as Float32Array).slice().buffer);
    const fmt = formats.get("float8_e5m2");
    const got = bits(quantize(x, fmt, { rounding: "stochastic", seed: 2 ** 40 + 17, saturate: true }));
    x.dispose();
    const [k0, k1] = seedKeys(2 ** 40 + 17);
    const want = Array.from(xb, (b, i) =>
      roundFloat32Bits(b, fmt, { rounding: "stochastic", saturate: true, draw: draw32(k0, k1, i) * INV_2_32 }),
    );
    expect(Array.from(got)).toEqual(want);
  });
});

describe("the counter-based draws", () => {
  const M = 1 << 16;
  const drawsOf = (seed: number) => {
    const [k0, k1] = seedKeys(seed);
    return Uint32Array.from({ length: M }, (_, i) => draw32(k0, k1, i));
  };

  it("neighbouring seeds give unrelated sequences", () => {
    // Overlapping stretches of one sequence would share many values; two independent sequences of
    // 2^16 draws from 2^32 values share about 2^16 * 2^16 / 2^32 = 1.
    for (const [s, t] of [[1, 2], [7, 8], [0, 2 ** 32], [123, 123 + 2 ** 40]]) {
      const a = new Set(drawsOf(s!));
      const shared = drawsOf(t!).filter((d) => a.has(d)).length;
      expect(shared, `seeds ${s} and ${t}`).toBeLessThan(8);
    }
  });

  it("each bit is a fair coin and neighbouring draws are uncorrelated", () => {
    // Stochastic rounding uses a draw's top bits in the normal range and its top 31 below it.
    // Per bit, the count of ones over 2^16 draws has sd 128; we accept 6 sd. The correlation of
    // neighbouring draws (as uniforms in [0, 1)) has sd 1/256 around 0; we accept 6 sd.
    const d = drawsOf(99);
    for (let bit = 0; bit < 32; bit++) {
      let ones = 0;
      for (const x of d) ones += (x >>> bit) & 1;
      expect(Math.abs(ones - M / 2), `bit ${bit}`).toBeLessThan(6 * 128);
    }
    const u = Array.from(d, (x) => x * INV_2_32 - 0.5);
    let c = 0;
    for (let i = 1; i < M; i++) c += u[i]! * u[i - 1]!;
    expect(Math.abs(c / (M - 1) / (1 / 12))).toBeLessThan(6 / 256);
  });
});

describe("stochastic rounding across implementations", () => {
  it("cpu kernel, wasm kernel and the composite agree for a seed", async () => {
    // Values from the normal range down into the subnormals (not below the smallest subnormal,
    // where the composite's 24-bit draws may differ from the kernels' 32-bit ones).
    const data = Float32Array.from({ length: 4000 }, (_, i) => (i % 2 ? -1 : 1) * (0.002 + ((i * 7919) % 1000) * 0.37));
    const run = async (backend: string, composite: boolean) => {
      await backends.use(backend);
      const x = tf.tensor1d(data);
      const y = bits(quantize(x, "e4m3", { rounding: "stochastic", seed: 42, composite }));
      x.dispose();
      return y;
    };
    const cpu = await run("cpu", false);
    expect(await run("wasm", false)).toEqual(cpu);
    expect(await run("cpu", true)).toEqual(cpu);
    expect(await run("wasm", true)).toEqual(cpu);
  });

  it("the scalar reference checks its draw", () => {
    expect(() => formats.get("fp16").round(1, { rounding: "stochastic" })).toThrow(/uniform draw in \[0, 1\)/);
    expect(() => formats.get("fp16").round(1, { rounding: "stochastic", draw: 1 })).toThrow(/uniform draw/);
    expect(formats.get("fp16").round(1 + 2 ** -11, { rounding: "stochastic", draw: 0.49 })).toBe(1 + 2 ** -10);
    expect(formats.get("fp16").round(1 + 2 ** -11, { rounding: "stochastic", draw: 0.5 })).toBe(1);
  });
});
