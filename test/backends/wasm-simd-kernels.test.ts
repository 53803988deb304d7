// tsamp's WebAssembly SIMD kernels for tfjs-backend-wasm (lib/backends/wasm-kernels/simd/kernels.wat):
// the compiled module matches its source; each kernel that takes a SIMD path (Conv2D and its two
// gradients, MaxPoolGrad, a bias's Add and Sum, BatchMatMul) agrees with tfjs-backend-cpu on seeded
// random shapes chosen to hit every tail (run lengths around the 16-float blocks, channel counts
// around the 4-lane vectors, odd widths, strides, padding, height dilation), and so does each
// kernel's other path (SIMD off); Identity and same-dtype Cast share data; nothing leaks.
import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { setWasmSimdKernels, wasmSimdKernelsActive } from "../../lib/backends/wasm-kernels/simd.js";
import { TRANSPOSES, expectClose, int, kernel, live, normal, rng, type Arr } from "./kernel-check.js";

beforeAll(async () => {
  await backends.use("cpu");
  await backends.use("wasm");
});

afterEach(() => setWasmSimdKernels(true));

// ---- the module -----------------------------------------------------------------------------------

describe("the SIMD module", () => {
  it("is compiled from kernels.wat as it is now", async () => {
    const { generate, WAT_PATH, OUTPUT_PATH } = (await import("../../lib/backends/wasm-kernels/simd/build.mjs")) as {
      generate(wat: string): Promise<string>;
      WAT_PATH: string;
      OUTPUT_PATH: string;
    };
    expect(await generate(readFileSync(WAT_PATH, "utf8"))).toBe(readFileSync(OUTPUT_PATH, "utf8"));
  });

  it("runs on the wasm backend's memory in Node, and can be turned off", async () => {
    await tf.setBackend("wasm");
    expect(wasmSimdKernelsActive()).toBe(true);
    setWasmSimdKernels(false);
    expect(wasmSimdKernelsActive()).toBe(false);
  });
});

// ---- convolutions -------------------------------------------------------------------------------

type Pad = "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  N: number;
  H: number;
  W: number;
  Ci: number;
  Co: number;
  KH: number;
  KW: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

function convCases(seed: number, n: number): ConvCase[] {
  const rand = rng(seed);
  const cases: ConvCase[] = [
    // LeNet's two layers, smaller batch
    { N: 3, H: 32, W: 32, Ci: 3, Co: 6, KH: 5, KW: 5, strides: [1, 1], dilations: [1, 1], pad: "valid" },
    { N: 3, H: 14, W: 14, Ci: 6, Co: 16, KH: 5, KW: 5, strides: [1, 1], dilations: [1, 1], pad: "valid" },
    // runs of exactly 16 and 17 floats, one output column, Co = 1..3
    { N: 2, H: 6, W: 4, Ci: 4, Co: 1, KH: 2, KW: 4, strides: [1, 1], dilations: [1, 1], pad: "valid" },
    { N: 2, H: 7, W: 17, Ci: 1, Co: 3, KH: 3, KW: 17, strides: [1, 1], dilations: [1, 1], pad: "valid" },
    { N: 1, H: 5, W: 5, Ci: 2, Co: 2, KH: 1, KW: 1, strides: [1, 1], dilations: [1, 1], pad: "same" },
  ];
  const pads: Pad[] = ["same", "valid"];
  for (let i = 0; i < n; i++) {
    const KH = int(rand, 1, 4);
    const KW = int(rand, 1, 5);
    const dh = int(rand, 1, 2);
    const pad: Pad =
      i % 3 === 2
        ? [[0, 0], [int(rand, 0, 2), int(rand, 0, 2)], [int(rand, 0, 2), int(rand, 0, 2)], [0, 0]]
        : pads[i % 2]!;
    cases.push({
      N: int(rand, 1, 3),
      H: int(rand, (KH - 1) * dh + 1, 12),
      W: int(rand, KW, 12),
      Ci: int(rand, 1, 9),
      Co: int(rand, 1, 11),
      KH,
      KW,
      strides: [int(rand, 1, 3), int(rand, 1, 3)],
      // a width dilation other than 1 takes the composed paths: a few of those too
      dilations: [dh, i % 7 === 6 ? 2 : 1],
      pad,
    });
  }
  return cases;
}

function convOut(c: ConvCase): number[] {
  return tf.backend_util.computeConv2DInfo([c.N, c.H, c.W, c.Ci], [c.KH, c.KW, c.Ci, c.Co], c.strides, c.dilations, c.pad).outShape;
}

/** [KH, KW, A, B] dilated explicitly (zeros between taps), for cpu, whose gradients ignore dilations. */
function dilateFilter(f: Arr, [dh, dw]: [number, number]): Arr {
  const [KH, KW, A, B] = f.shape as [number, number, number, number];
  const EH = (KH - 1) * dh + 1;
  const EW = (KW - 1) * dw + 1;
  const data = new Float32Array(EH * EW * A * B);
  for (let i = 0; i < KH; i++)
    for (let j = 0; j < KW; j++) data.set(f.data.subarray((i * KW + j) * A * B, (i * KW + j + 1) * A * B), (i * dh * EW + j * dw) * A * B);
  return { shape: [EH, EW, A, B], data, dtype: "float32" };
}

function undilateFilter(f: Arr, [dh, dw]: [number, number], KH: number, KW: number): Arr {
  const [, EW, A, B] = f.shape as [number, number, number, number];
  const data = new Float32Array(KH * KW * A * B);
  for (let i = 0; i < KH; i++)
    for (let j = 0; j < KW; j++) data.set(f.data.subarray((i * dh * EW + j * dw) * A * B, (i * dh * EW + j * dw + 1) * A * B), (i * KW + j) * A * B);
  return { shape: [KH, KW, A, B], data, dtype: "float32" };
}

const dilated = (c: ConvCase) => c.dilations[0] > 1 || c.dilations[1] > 1;

async function checkConv(c: ConvCase, rand: () => number): Promise<void> {
  const xShape = [c.N, c.H, c.W, c.Ci];
  const filterShape = [c.KH, c.KW, c.Ci, c.Co];
  const x = normal(rand, xShape);
  const f = normal(rand, filterShape);
  const dy = normal(rand, convOut(c));
  const wide = dilateFilter(f, c.dilations);
  const conv = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", dilations: c.dilations };
  // cpu's Conv2D honours dilations; its gradients do not: there the reference is the dilated filter.
  // tf.conv2d refuses strides and dilations both above 1, and the package's Conv2D (which takes the
  // cases the SIMD forward leaves, such as Co a multiple of 8) gets that combination wrong: the
  // forward is checked without it.
  const stridedAndDilated = Math.max(...c.strides) > 1 && dilated(c);
  if (!stridedAndDilated) {
    expectClose(await kernel("wasm", "Conv2D", { x, filter: f }, conv), await kernel("cpu", "Conv2D", { x, filter: f }, conv), "y");
  }
  const bf = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape, dilations: c.dilations };
  const dW = await kernel("wasm", "Conv2DBackpropFilter", { x, dy }, bf);
  const dWide = await kernel("cpu", "Conv2DBackpropFilter", { x, dy }, { ...bf, filterShape: wide.shape, dilations: 1 });
  expectClose(dW, dilated(c) ? undilateFilter(dWide, c.dilations, c.KH, c.KW) : dWide, "dW");
  const bi = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: xShape, dilations: c.dilations };
  expectClose(
    await kernel("wasm", "Conv2DBackpropInput", { dy, filter: f }, bi),
    await kernel("cpu", "Conv2DBackpropInput", { dy, filter: wide }, { ...bi, dilations: 1 }),
    "dx",
  );
}

describe("Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput match the cpu backend", () => {
  const rand = rng(8675309);
  it.each(convCases(1234, 30).map((c) => [JSON.stringify(c), c] as const))("SIMD: %s", async (_, c) => {
    await checkConv(c, rand);
  });
  it.each(convCases(4321, 8).map((c) => [JSON.stringify(c), c] as const))("SIMD off: %s", async (_, c) => {
    setWasmSimdKernels(false);
    await checkConv(c, rand);
  });

  it("the SIMD forward honours strides and a height dilation together (which the package's does not)", async () => {
    for (const [Co, pad] of [[6, "same"], [5, "valid"], [3, "same"]] as const) {
      const x = normal(rand, [2, 11, 9, 3]);
      const f = normal(rand, [3, 2, 3, Co]);
      const conv = { strides: [2, 3], pad, dataFormat: "NHWC", dilations: [2, 1] };
      expectClose(await kernel("wasm", "Conv2D", { x, filter: f }, conv), await kernel("cpu", "Conv2D", { x, filter: f }, conv), `y, Co ${Co}`);
    }
  });

  it("keep non-finite inputs where they belong (the lanes past a run are masked)", async () => {
    // x's last column holds inf and NaN: the runs of the other columns read them past their end.
    const c: ConvCase = { N: 2, H: 6, W: 6, Ci: 3, Co: 5, KH: 3, KW: 1, strides: [1, 1], dilations: [1, 1], pad: "valid" };
    const x = normal(rand, [2, 6, 6, 3]);
    for (let i = 0; i < 2 * 6; i++) {
      x.data[(i * 6 + 5) * 3] = Infinity;
      x.data[(i * 6 + 5) * 3 + 1] = NaN;
    }
    const f = normal(rand, [3, 1, 3, 5]);
    const conv = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 };
    const y = await kernel("wasm", "Conv2D", { x, filter: f }, conv);
    const ref = await kernel("cpu", "Conv2D", { x, filter: f }, conv);
    for (let i = 0; i < ref.data.length; i++) {
      const ow = Math.floor(i / 5) % 6;
      expect(Number.isFinite(y.data[i]), `y[${i}] (ow ${ow})`).toBe(ow !== 5);
    }
    const dy = normal(rand, convOut(c));
    for (let i = 0; i < dy.data.length; i += 7) dy.data[i] = Infinity;
    const bi = { strides: 1, pad: "valid", dataFormat: "NHWC", inputShape: [2, 6, 6, 3] };
    const dx = await kernel("wasm", "Conv2DBackpropInput", { dy, filter: f }, bi);
    const dxRef = await kernel("cpu", "Conv2DBackpropInput", { dy, filter: f }, bi);
    // NaN, +inf, -inf and finite come out the same whatever the order of the sums
    const kind = (v: number) => (Number.isNaN(v) ? "nan" : v === Infinity ? "+inf" : v === -Infinity ? "-inf" : "finite");
    expect(Array.from(dx.data, kind)).toEqual(Array.from(dxRef.data, kind));
    const finite = (a: Arr): Arr => ({ ...a, data: a.data.map((v) => (Number.isFinite(v) ? v : 0)) as Float32Array });
    expectClose(finite(dx), finite(dxRef), "dx (finite values)");
  });
});

// ---- max pool gradient --------------------------------------------------------------------------

describe("MaxPoolGrad", () => {
  const rand = rng(2025);
  const cases: Array<[number, number, number, "same" | "valid"]> = [];
  for (const C of [1, 3, 4, 5, 6, 8, 9]) {
    cases.push([C, 2, 2, "valid"], [C, 3, 2, "same"], [C, 2, 1, "valid"], [C, 3, 3, "same"]);
  }
  it.each(cases)("C %s, filter %s, strides %s, pad %s: the JS loop's bits, and the cpu backend's values", async (C, k, s, pad) => {
    const x = normal(rand, [2, int(rand, 4, 9), int(rand, 4, 9), C]);
    // ties, -Infinity and NaN, which the first-maximum rule must treat as tfjs-backend-cpu does
    for (let i = 0; i < x.data.length; i += 5) x.data[i] = 0;
    for (let i = 3; i < x.data.length; i += 11) x.data[i] = -Infinity;
    for (let i = 7; i < x.data.length; i += 13) x.data[i] = NaN;
    const y = await kernel("cpu", "MaxPool", { x }, { filterSize: k, strides: s, pad });
    const dy = normal(rand, y.shape);
    const attrs = { filterSize: k, strides: s, pad };
    const simd = await kernel("wasm", "MaxPoolGrad", { dy, input: x, output: y }, attrs);
    setWasmSimdKernels(false);
    const js = await kernel("wasm", "MaxPoolGrad", { dy, input: x, output: y }, attrs);
    setWasmSimdKernels(true);
    expectClose(simd, js, "SIMD against JS", 0);
    expectClose(simd, await kernel("cpu", "MaxPoolGrad", { dy, input: x, output: y }, attrs), "against cpu");
  });
});

// ---- bias add and its gradient --------------------------------------------------------------------

describe("Add of a repeating operand", () => {
  const rand = rng(77);
  const cases: Array<[number[], number[]]> = [
    [[64, 28, 28, 6], [6]],
    [[6], [5, 7, 3, 6]],
    [[3, 5, 7], [1, 7]],
    [[4, 5, 13], [5, 13]],
    [[2, 3, 11, 1], [1]],
    [[9, 17], [17]],
    [[130], [1]],
    [[5, 3], [3]], // under 64 elements: the package's kernel
    [[3, 4], [3, 4]], // no broadcast: the package's kernel
    [[4, 1], [1, 4]], // both broadcast: the package's kernel
  ];
  it.each(cases)("%j + %j gives the cpu backend's bits", async (a, b) => {
    const A = normal(rand, a);
    const B = normal(rand, b);
    A.data[1] = Infinity;
    B.data[0] = NaN;
    expectClose(await kernel("wasm", "Add", { a: A, b: B }, {}), await kernel("cpu", "Add", { a: A, b: B }, {}), "a + b", 0);
  });
});

describe("Sum over leading axes", () => {
  const rand = rng(78);
  const cases: Array<[number[], number | number[], boolean]> = [
    [[64, 28, 28, 6], [0, 1, 2], false],
    [[64, 10, 10, 16], [0, 1, 2], true],
    [[5000, 3], 0, false],
    [[7, 5, 1], [1, 0], false],
    [[3, 4, 5, 7], [-4, -3], true],
    [[9, 13], [0], false],
    [[2, 3, 4], [1, 2], false], // trailing axes: the package's kernel
    [[2, 3, 4], [0, 2], false], // not a prefix: the package's kernel
  ];
  it.each(cases)("sum(%j, %j, keepDims %s) matches the cpu backend", async (shape, axis, keepDims) => {
    const x = normal(rand, shape, 0.5);
    const attrs = { axis, keepDims };
    expectClose(await kernel("wasm", "Sum", { x }, attrs), await kernel("cpu", "Sum", { x }, attrs), "sum", 1e-5);
  });
});

// ---- matrix products ----------------------------------------------------------------------------

describe("BatchMatMul of one matrix pair (the SIMD gemm)", () => {
  const rand = rng(90);
  const shapes: Array<[number, number, number]> = [
    [4, 1, 8],
    [5, 3, 9],
    [7, 17, 12],
    [64, 400, 120],
    [64, 120, 84],
    [64, 84, 10],
    [3, 5, 8], // M < 4: the package's kernel
    [8, 600, 600], // B over 2^18 elements: the package's kernel
  ];
  it.each(shapes.flatMap((s) => TRANSPOSES.map((f) => [...s, ...f] as const)))("%sx%sx%s, transposeA %s, transposeB %s", async (M, K, N, ta, tb) => {
    for (const batch of [[], [1]]) {
      const a = normal(rand, [...batch, ...(ta ? [K, M] : [M, K])]);
      const b = normal(rand, [...batch, ...(tb ? [N, K] : [K, N])]);
      const attrs = { transposeA: ta, transposeB: tb };
      expectClose(await kernel("wasm", "BatchMatMul", { a, b }, attrs), await kernel("cpu", "BatchMatMul", { a, b }, attrs), `${M}x${K}x${N}`);
    }
  });
});

// ---- shared data --------------------------------------------------------------------------------

describe("Identity and a Cast to the same dtype", () => {
  it("share the input's data, which outlives the input", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor([1.5, -2, 3], [3]);
    const [tensors, buffers] = live();
    const c = tf.clone(x);
    const k = tf.cast(x, "float32");
    expect(live()).toEqual([tensors + 2, buffers]);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(k.dataSync())).toEqual([1.5, -2, 3]);
    tf.dispose([c, k]);
    expect(live()).toEqual([tensors - 1, buffers - 1]);
  });

  it("leave real casts to the package's kernel", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor([1.5, -2.5, 3], [3]);
    const i = tf.cast(x, "int32");
    expect(i.dtype).toBe("int32");
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
    const f = tf.cast(i, "float32");
    expect(Array.from(f.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, i, f]);
  });
});

// ---- leaks --------------------------------------------------------------------------------------

describe("no leaks", () => {
  it("frees every scratch buffer of the SIMD kernels", async () => {
    await tf.setBackend("wasm");
    const rand = rng(5);
    const t = (shape: number[]) => tf.tensor(normal(rand, shape).data, shape);
    const x = t([4, 9, 9, 3]);
    const f = t([3, 3, 3, 6]);
    const b = t([6]);
    const w = t([54, 10]);
    const step = () =>
      tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
        const h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same"), b)), 3, 3, "valid");
        return tf.sum(tf.matMul(tf.reshape(h, [4, 54]), w));
      })([x, f, b, w]);
    tf.dispose(step());
    const before = live();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(live()).toEqual(before);
    tf.dispose([x, f, b, w]);
  });
});
