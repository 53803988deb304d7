// TsampQuantize on the webgpu backend (WGSL, Dawn): every row of every vector file bit for bit, seeded
// stochastic rounding equal to the cpu kernel's, and the straight-through gradient. In CI the
// adapter is Mesa's lavapipe (bookworm-backports' mesa-vulkan-drivers, which test.sh installs); a
// real GPU runs the same tests.
//
// Without an adapter: with TSAMP_REQUIRE_WEBGPU=1 (test.sh sets it) the suite fails and says what is
// missing; otherwise it is skipped with a warning on the console.
//
// The webgpu backend cannot read synchronously in Node (its readSync draws through an
// OffscreenCanvas), so results are read with `await data()`.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { useWebgpu, REQUIRE_WEBGPU } from "../helpers/webgpu.js";
import { probeAdapter } from "../../lib/backends/webgpu.js";
import { Format, formats, quantize, type QuantizeOptions } from "../../lib/formats/index.js";
import { hasQuantizeKernel } from "../../lib/formats/kernels/register.js";
import { COLUMNS, COLUMN_OPTIONS, loadVectors, mismatches, vectorFormats } from "./vectors.js";

const unavailable = await useWebgpu("test/formats/quantize-webgpu.test.ts");

// Passes where webgpu starts, fails with the reason under TSAMP_REQUIRE_WEBGPU=1, else is skipped.
it.skipIf(unavailable !== null && !REQUIRE_WEBGPU)("webgpu starts here (TSAMP_REQUIRE_WEBGPU=1 makes this required)", () => {
  if (unavailable !== null) throw new Error(`TSAMP_REQUIRE_WEBGPU=1 but webgpu could not start: ${unavailable}`);
  expect(tf.getBackend()).toBe("webgpu");
});

const files = vectorFormats().map(loadVectors);

async function bitsOf(t: tf.Tensor): Promise<Uint32Array> {
  const v = (await t.data()) as Float32Array;
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** quantize on the active backend, from patterns to patterns, disposing what it makes. */
async function quantizeBits(input: Uint32Array, format: string | Format, opts: QuantizeOptions): Promise<Uint32Array> {
  const x = tf.tensor1d(new Float32Array(input.slice().buffer), "float32");
  const y = quantize(x, format, opts);
  const out = await bitsOf(y);
  tf.dispose([x, y]);
  return out;
}

/** The same inputs padded with 1.0 to the other side of "a multiple of 4" (vec4 vs scalar shader). */
function otherLength(input: Uint32Array): Uint32Array {
  const n = input.length % 4 === 0 ? input.length + 1 : input.length + (4 - (input.length % 4));
  const out = new Uint32Array(n).fill(0x3f800000);
  out.set(input);
  return out;
}

/** Inputs from every region the contract distinguishes, both signs, for the cross-backend checks. */
function edgeInputs(n: number): Uint32Array {
  const specials = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 1, 0x807fffff, 0x00800000, 0x7f7fffff];
  const out = new Uint32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    if (i < specials.length) out[i] = specials[i]!;
    // Exponent fields spread over the whole range (float32 subnormals to near-max), random mantissa.
    else out[i] = ((s & 0x80000000) | (((s >>> 8) % 255) << 23) | (Math.imul(s, 0x9e3779b1) >>> 9)) >>> 0;
  }
  return out;
}

async function onCpu<T>(f: () => Promise<T>): Promise<T> {
  await backends.use("cpu");
  try {
    return await f();
  } finally {
    await backends.use("webgpu");
  }
}

describe.runIf(unavailable === null)("quantize on webgpu", () => {
  beforeAll(async () => {
    await backends.use("webgpu");
  });

  it("runs as one WGSL kernel on the webgpu backend", async () => {
    expect(tf.getBackend()).toBe("webgpu");
    expect(hasQuantizeKernel("webgpu")).toBe(true);
    const info = await probeAdapter();
    console.info(`webgpu adapter: ${info?.description || info?.device} (${info?.vendor}/${info?.architecture}; software: ${info?.software})`);
    const y = quantize(tf.tensor1d([1 / 3, 65520, -1e-8]), "fp16");
    expect(Array.from(await y.data())).toEqual([0.333251953125, Infinity, -0]);
    expect(tf.engine().state.tensorInfo.get(y.dataId)?.backend).toBe(tf.findBackend("webgpu"));
    y.dispose();
  });

  it.each(files.map((f) => [f.format, f] as const))("matches every row of %s (vec4 and scalar shaders)", async (_, v) => {
    const before = tf.memory().numTensors;
    for (const column of COLUMNS) {
      const got = await quantizeBits(v.inputs, v.format, COLUMN_OPTIONS[column]);
      expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
      const other = await quantizeBits(otherLength(v.inputs), v.format, COLUMN_OPTIONS[column]);
      expect(mismatches(v, column, other.subarray(0, v.inputs.length)).slice(0, 10)).toEqual([]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps the shape, and handles empty and scalar tensors", async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6.5], [1, 2, 3]);
    const y = quantize(x, "fp4");
    expect(y.shape).toEqual([1, 2, 3]);
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 4, 6]);
    const e = quantize(tf.zeros([0, 3]), "fp8_e5m2");
    expect(e.shape).toEqual([0, 3]);
    expect((await e.data()).length).toBe(0);
    const s = quantize(tf.scalar(-0.1), "float8_e4m3fnuz", { rounding: "toward-zero" });
    expect(s.shape).toEqual([]);
    expect((await s.data())[0]).toBe(formats.get("float8_e4m3fnuz").round(-0.1, { rounding: "toward-zero" }));
    tf.dispose([x, y, e, s]);
  });

  // Every named format, both saturate settings, all roundings: the same patterns as the cpu kernel.
  // 4096 elements take the vec4 shader, 4093 the scalar one.
  // float32 itself too: there the grid is float32's (s = 0), subnormals included.
  it.each([...files.map((f) => f.format), "float32"])("equals the cpu kernel on %s, every rounding, seeded", async (format) => {
    for (const n of [4096, 4093]) {
      const input = edgeInputs(n);
      const cases: QuantizeOptions[] = [];
      for (const saturate of [false, true]) {
        cases.push({ rounding: "nearest-even", saturate }, { rounding: "toward-zero", saturate });
        cases.push({ rounding: "stochastic", saturate, seed: 7 }, { rounding: "stochastic", saturate, seed: 2 ** 40 + 3 });
      }
      const want = await onCpu(async () => Promise.all(cases.map((o) => quantizeBits(input, format, o))));
      for (const [i, o] of cases.entries()) {
        const got = await quantizeBits(input, format, o);
        const bad = [...got.keys()].filter((j) => got[j] !== want[i]![j]).slice(0, 5);
        const show = (b: number) => b.toString(16).padStart(8, "0");
        expect(bad.map((j) => `${JSON.stringify(o)} n=${n} i=${j}: in ${show(input[j]!)} cpu ${show(want[i]![j]!)} webgpu ${show(got[j]!)}`)).toEqual([]);
      }
    }
  });

  it("stochastic rounding below the smallest subnormal agrees with the cpu kernel", async () => {
    // |x| < 2^qmin: up with probability x / 2^qmin, compared on the exact 32-bit draw, including
    // shifts past 32 bits (float32 subnormals against bfloat16's 2^-133).
    const input = new Uint32Array(8192).map((_, i) => (i % 3 === 0 ? i * 613 : ((i % 60) + 30) << 23 | (i * 2654435761) >>> 9) >>> 0);
    for (const format of ["float8_e4m3fn", "bfloat16", "float16", "float4_e2m1fn"]) {
      const opts: QuantizeOptions = { rounding: "stochastic", seed: 99 };
      const want = await onCpu(() => quantizeBits(input, format, opts));
      expect(Array.from(await quantizeBits(input, format, opts))).toEqual(Array.from(want));
    }
  });

  it("draws by flat index past the 65535-workgroup dispatch limit", async () => {
    // 2^23 + 3 elements: the scalar shader needs 65537 workgroups of 128, which the backend spreads
    // over two dispatch dimensions; the draw counter must still be the flat index.
    const n = 2 ** 23 + 3;
    const input = new Uint32Array(n);
    for (let i = 0; i < n; i++) input[i] = 0x3f800000 | (Math.imul(i, 2654435761) >>> 9);
    const opts: QuantizeOptions = { rounding: "stochastic", seed: 5 };
    const want = await onCpu(() => quantizeBits(input, "bf16", opts));
    const got = await quantizeBits(input, "bf16", opts);
    let firstBad = -1;
    for (let i = 0; i < n && firstBad < 0; i++) if (got[i] !== want[i]) firstBad = i;
    expect(firstBad).toBe(-1);
  });

  it("is reproducible with a seed and varies with it", async () => {
    const input = edgeInputs(1000);
    const a = await quantizeBits(input, "e5m2", { rounding: "stochastic", seed: 1 });
    const b = await quantizeBits(input, "e5m2", { rounding: "stochastic", seed: 1 });
    const c = await quantizeBits(input, "e5m2", { rounding: "stochastic", seed: 2 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("custom formats take the same kernel", async () => {
    const fmt = formats.custom({ exponentBits: 3, mantissaBits: 4, bias: 2, rule: "fn" });
    const input = edgeInputs(2000);
    for (const opts of [{ rounding: "nearest-even" }, { rounding: "stochastic", seed: 4, saturate: true }] as const) {
      const want = await onCpu(() => quantizeBits(input, fmt, opts));
      expect(Array.from(await quantizeBits(input, fmt, opts))).toEqual(Array.from(want));
    }
  });

  it("has a straight-through gradient", async () => {
    const x = tf.tensor1d([0.1, -3.3, 500, 1e-9, 7]);
    const w = tf.tensor1d([1, 2, 3, 4, 5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(quantize(t, "e4m3"), w)))(x);
    expect(tf.engine().state.tensorInfo.get(g.dataId)?.backend).toBe(tf.findBackend("webgpu"));
    expect(Array.from(await g.data())).toEqual([1, 2, 3, 4, 5]);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(quantize(tf.square(t), "fp16", { rounding: "stochastic", seed: 1 })))(x);
    const want = Array.from(await x.data(), (v) => Math.fround(2 * v));
    expect(Array.from(await g2.data())).toEqual(want);
    tf.dispose([x, w, g, g2]);
  });

  it("leaks no tensors across calls", async () => {
    const x = tf.randomNormal([1000]);
    const before = tf.memory().numTensors;
    for (const rounding of ["nearest-even", "toward-zero", "stochastic"] as const) {
      const y = quantize(x, "bf16", { rounding, seed: 3 });
      await y.data();
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
