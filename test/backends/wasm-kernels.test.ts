// tsamp's kernels for tfjs-backend-wasm (lib/backends/wasm-kernels): each against tfjs-backend-cpu
// on seeded random shapes and values, the ones cpu gets wrong (dilated depthwise backprops) against
// cpu on an equivalent undilated problem, and no intermediate left behind.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import {
  ADDED_WASM_KERNELS,
  REPLACED_WASM_KERNELS,
  WRAPPED_WASM_KERNELS,
  isTsampWasmKernel,
  registerWasmKernels,
} from "../../lib/backends/wasm-kernels/index.js";
import { TRANSPOSES, expectClose, int, kernel, live, normal, pick, rng, type Arr } from "./kernel-check.js";

/** [KH, KW, A, B] -> [(KH-1)d+1, (KW-1)d+1, A, B] with the taps d apart and zeros between. */
function dilateFilter(f: Arr, d: number): Arr {
  const [KH, KW, A, B] = f.shape as [number, number, number, number];
  const EH = (KH - 1) * d + 1;
  const EW = (KW - 1) * d + 1;
  const data = new Float32Array(EH * EW * A * B);
  for (let i = 0; i < KH; i++)
    for (let j = 0; j < KW; j++)
      data.set(f.data.subarray((i * KW + j) * A * B, (i * KW + j + 1) * A * B), (i * d * EW + j * d) * A * B);
  return { shape: [EH, EW, A, B], data, dtype: "float32" };
}

/** The taps of an effective (dilated) filter that a dilation-d filter of height KH, width KW has. */
function undilateFilter(f: Arr, d: number, KH: number, KW: number): Arr {
  const [, EW, A, B] = f.shape as [number, number, number, number];
  const data = new Float32Array(KH * KW * A * B);
  for (let i = 0; i < KH; i++)
    for (let j = 0; j < KW; j++)
      data.set(f.data.subarray((i * d * EW + j * d) * A * B, (i * d * EW + j * d + 1) * A * B), (i * KW + j) * A * B);
  return { shape: [KH, KW, A, B], data, dtype: "float32" };
}

type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];

/** Shape of a conv's output, from tfjs's own geometry (so `dy` always fits). */
function outShape(xShape: number[], filterShape: number[], strides: number, dilations: number, pad: Pad, depthwise: boolean, nchw = false): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
    nchw ? "channelsFirst" : "channelsLast",
  );
  return info.outShape;
}

function explicitPad(rand: () => number, nchw = false): Pad {
  const t = int(rand, 0, 2), b = int(rand, 0, 2), l = int(rand, 0, 2), r = int(rand, 0, 2);
  return nchw ? [[0, 0], [0, 0], [t, b], [l, r]] : [[0, 0], [t, b], [l, r], [0, 0]];
}

const PADS = ["same", "valid", "explicit"] as const;

beforeAll(async () => {
  await backends.use("cpu");
  await backends.use("wasm");
});

// ---- registration -------------------------------------------------------------------------------

describe("registration", () => {
  it("gives the wasm backend every kernel it lacked, and ours where we replace or wrap", () => {
    for (const k of [...ADDED_WASM_KERNELS, ...REPLACED_WASM_KERNELS]) {
      expect(tf.getKernel(k.kernelName, "wasm")?.kernelFunc, k.kernelName).toBe(k.kernelFunc);
    }
    for (const name of [
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "DepthwiseConv2dNativeBackpropFilter",
      "DepthwiseConv2dNativeBackpropInput",
      "MaxPoolGrad",
      "UnsortedSegmentSum",
      ...WRAPPED_WASM_KERNELS,
    ]) {
      expect(isTsampWasmKernel(name), name).toBe(true);
    }
  });

  it("registers once: calling again wraps nothing twice and warns about nothing", () => {
    const before = WRAPPED_WASM_KERNELS.map((n) => tf.getKernel(n, "wasm"));
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...a: unknown[]) => warnings.push(a);
    try {
      registerWasmKernels();
      registerWasmKernels();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    expect(WRAPPED_WASM_KERNELS.map((n) => tf.getKernel(n, "wasm"))).toEqual(before);
  });

  it("composed kernels run the package's kernels, not wrappers registered later (as autocast's)", async () => {
    await tf.setBackend("wasm");
    const configs = tf.getKernelsForBackend("wasm");
    const calls: string[] = [];
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, "wasm");
      tf.registerKernel({ ...c, kernelFunc: (args) => (calls.push(c.kernelName), c.kernelFunc(args)) });
    }
    try {
      const x = tf.ones([2, 6, 6, 3]);
      const dy = tf.ones([2, 3, 3, 4]);
      calls.length = 0;
      const dW = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 2, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 4] });
      expect(calls).toEqual(["Conv2DBackpropFilter"]);
      tf.dispose([x, dy, dW as tf.Tensor]);
    } finally {
      for (const c of configs) {
        tf.unregisterKernel(c.kernelName, "wasm");
        tf.registerKernel(c);
      }
    }
  });
});

// ---- conv2d backprops ---------------------------------------------------------------------------

describe("Conv2DBackpropFilter and Conv2DBackpropInput match the cpu backend", () => {
  const rand = rng(20240601);
  const cases: Array<{ strides: number; pad: Pad; nchw: boolean; N: number; H: number; W: number; Ci: number; Co: number; KH: number; KW: number }> = [];
  for (const strides of [1, 2]) {
    for (const padKind of PADS) {
      for (const nchw of [false, true]) {
        const KH = int(rand, 1, 4), KW = int(rand, 1, 4);
        cases.push({
          strides,
          pad: padKind === "explicit" ? explicitPad(rand, nchw) : padKind,
          nchw,
          N: int(rand, 2, 3),
          H: int(rand, KH + 1, 11),
          W: int(rand, KW + 1, 11),
          Ci: int(rand, 2, 4),
          Co: int(rand, 2, 5),
          KH,
          KW,
        });
      }
    }
  }
  cases.push({ strides: 3, pad: "valid", nchw: false, N: 2, H: 10, W: 9, Ci: 3, Co: 2, KH: 2, KW: 3 }); // last rows unread: a crop
  cases.push({ strides: 2, pad: 2, nchw: false, N: 2, H: 7, W: 8, Ci: 2, Co: 3, KH: 3, KW: 3 }); // numeric padding

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))("%s", async (_, c) => {
    const xShape = c.nchw ? [c.N, c.Ci, c.H, c.W] : [c.N, c.H, c.W, c.Ci];
    const filterShape = [c.KH, c.KW, c.Ci, c.Co];
    const x = normal(rand, xShape);
    const f = normal(rand, filterShape);
    const dy = normal(rand, outShape(xShape, filterShape, c.strides, 1, c.pad, false, c.nchw));
    const dataFormat = c.nchw ? "NCHW" : "NHWC";
    const bf = { strides: c.strides, pad: c.pad, dataFormat, filterShape };
    expectClose(
      await kernel("wasm", "Conv2DBackpropFilter", { x, dy }, bf),
      await kernel("cpu", "Conv2DBackpropFilter", { x, dy }, bf),
      "dW",
    );
    const bi = { strides: c.strides, pad: c.pad, dataFormat, inputShape: xShape };
    expectClose(
      await kernel("wasm", "Conv2DBackpropInput", { dy, filter: f }, bi),
      await kernel("cpu", "Conv2DBackpropInput", { dy, filter: f }, bi),
      "dx",
    );
  });

  // conv2d's gradient refuses dilations > 1 and these kernels have no such attribute; ours honour
  // one if given. Reference: the same problem with the filter dilated explicitly (cpu, dilation 1).
  it.each([
    [1, "same"],
    [1, "valid"],
    [2, "same"],
  ] as const)("honour a dilations attribute of 2 (strides %s, pad %s)", async (strides, pad) => {
    const xShape = [2, 11, 10, 3];
    const filterShape = [3, 2, 3, 4];
    const x = normal(rand, xShape);
    const f = normal(rand, filterShape);
    const dy = normal(rand, outShape(xShape, filterShape, strides, 2, pad, false));
    const wide = dilateFilter(f, 2);
    const dW = await kernel("wasm", "Conv2DBackpropFilter", { x, dy }, { strides, pad, dataFormat: "NHWC", filterShape, dilations: 2 });
    const dWide = await kernel("cpu", "Conv2DBackpropFilter", { x, dy }, { strides, pad, dataFormat: "NHWC", filterShape: wide.shape });
    expectClose(dW, undilateFilter(dWide, 2, 3, 2), "dW");
    expectClose(
      await kernel("wasm", "Conv2DBackpropInput", { dy, filter: f }, { strides, pad, dataFormat: "NHWC", inputShape: xShape, dilations: 2 }),
      await kernel("cpu", "Conv2DBackpropInput", { dy, filter: wide }, { strides, pad, dataFormat: "NHWC", inputShape: xShape }),
      "dx",
    );
  });
});

// ---- depthwise backprops ------------------------------------------------------------------------

describe("DepthwiseConv2dNativeBackpropFilter and ...BackpropInput", () => {
  const rand = rng(777);

  const cases: Array<{ strides: number; pad: Pad; M: number; N: number; H: number; W: number; C: number; KH: number; KW: number }> = [];
  for (const strides of [1, 2]) {
    for (const padKind of PADS) {
      for (const M of [1, 2, 3]) {
        const KH = int(rand, 1, 4), KW = int(rand, 1, 4);
        cases.push({
          strides,
          pad: padKind === "explicit" ? explicitPad(rand) : padKind,
          M,
          N: int(rand, 2, 3),
          H: int(rand, KH + 1, 11),
          W: int(rand, KW + 1, 11),
          C: int(rand, 2, 4),
          KH,
          KW,
        });
      }
    }
  }

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))("match the cpu backend: %s", async (_, c) => {
    const xShape = [c.N, c.H, c.W, c.C];
    const filterShape = [c.KH, c.KW, c.C, c.M];
    const x = normal(rand, xShape);
    const f = normal(rand, filterShape);
    const dy = normal(rand, outShape(xShape, filterShape, c.strides, 1, c.pad, true));
    const bf = { strides: c.strides, dilations: 1, pad: c.pad, filterShape };
    expectClose(
      await kernel("wasm", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, bf),
      await kernel("cpu", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, bf),
      "dW",
    );
    const bi = { strides: c.strides, dilations: 1, pad: c.pad, inputShape: xShape };
    expectClose(
      await kernel("wasm", "DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, bi),
      await kernel("cpu", "DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, bi),
      "dx",
    );
  });

  // tfjs-backend-cpu's depthwise backprops ignore dilations; the reference is cpu on the same
  // problem with the filter dilated explicitly (and dilation 1), which is what dilation means.
  it.each([
    [1, 2, "same"],
    [1, 2, "valid"],
    [1, 2, "explicit"],
    [2, 2, "same"],
  ] as const)("honour dilations (strides %s, dilations %s, pad %s)", async (strides, d, padKind) => {
    const pad = padKind === "explicit" ? explicitPad(rand) : padKind;
    const xShape = [2, 11, 10, 3];
    const filterShape = [3, 2, 3, 2];
    const x = normal(rand, xShape);
    const f = normal(rand, filterShape);
    const dy = normal(rand, outShape(xShape, filterShape, strides, d, pad, true));
    const wide = dilateFilter(f, d);
    const dW = await kernel("wasm", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, { strides, dilations: d, pad, filterShape });
    const dWide = await kernel("cpu", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, { strides, dilations: 1, pad, filterShape: wide.shape });
    expectClose(dW, undilateFilter(dWide, d, 3, 2), "dW");
    expectClose(
      await kernel("wasm", "DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, { strides, dilations: d, pad, inputShape: xShape }),
      await kernel("cpu", "DepthwiseConv2dNativeBackpropInput", { dy, filter: wide }, { strides, dilations: 1, pad, inputShape: xShape }),
      "dx",
    );
  });
});

// ---- max pool gradient --------------------------------------------------------------------------

describe("MaxPoolGrad matches the cpu backend", () => {
  const rand = rng(4242);
  // tfjs-backend-wasm 4.22's own kernel loses the gradient of windows whose maximum is <= 0: the
  // "all negative" and "all zero" (every element tied) inputs are the cases it got wrong.
  const inputs = [
    ["normal", 0],
    ["all negative", -6],
    ["all zero", null],
  ] as const;
  const pools = [
    [2, 2, "valid"],
    [2, 1, "valid"],
    [3, 2, "same"],
    [3, 1, "same"],
    [3, 2, "valid"],
  ] as const;
  it.each(inputs.flatMap(([label, shift]) => pools.map(([k, s, pad]) => [label, k, s, pad, shift] as const)))(
    "%s input, filter %s, strides %s, pad %s",
    async (_, k, s, pad, shift) => {
      const xShape = [2, int(rand, 5, 9), int(rand, 5, 9), int(rand, 1, 4)];
      const x = shift === null ? normal(rand, xShape) : normal(rand, xShape, shift);
      if (shift === null) x.data.fill(0);
      const y = await kernel("cpu", "MaxPool", { x }, { filterSize: k, strides: s, pad });
      const dy = normal(rand, y.shape);
      const attrs = { filterSize: k, strides: s, pad };
      expectClose(
        await kernel("wasm", "MaxPoolGrad", { dy, input: x, output: y }, attrs),
        await kernel("cpu", "MaxPoolGrad", { dy, input: x, output: y }, attrs),
        "dx",
      );
    },
  );
});

// ---- unsorted segment sum -----------------------------------------------------------------------

describe("UnsortedSegmentSum", () => {
  const rand = rng(99);

  it("matches the cpu backend on float32, dropping ids outside [0, numSegments)", async () => {
    const x = normal(rand, [40, 3, 5]);
    const ids: Arr = { shape: [40], data: Int32Array.from({ length: 40 }, () => int(rand, -1, 7)), dtype: "int32" };
    const attrs = { numSegments: 7 };
    expectClose(
      await kernel("wasm", "UnsortedSegmentSum", { x, segmentIds: ids }, attrs),
      await kernel("cpu", "UnsortedSegmentSum", { x, segmentIds: ids }, attrs),
      "sums",
    );
  });

  it("sums int32 exactly and takes segment ids of any rank", async () => {
    const x: Arr = { shape: [2, 2, 2], data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dtype: "int32" };
    const ids: Arr = { shape: [2, 2], data: Int32Array.from([2, 0, 2, 5]), dtype: "int32" };
    const out = await kernel("wasm", "UnsortedSegmentSum", { x, segmentIds: ids }, { numSegments: 3 });
    expect(out.shape).toEqual([3, 2]);
    expect(out.dtype).toBe("int32");
    expect(Array.from(out.data)).toEqual([3, 4, 0, 0, 1 + 5, 2 + 6]);
  });
});

// ---- transposed matrix products -----------------------------------------------------------------

describe("BatchMatMul and _FusedMatMul with transposed operands", () => {
  const rand = rng(5150);

  it.each(TRANSPOSES)("match the cpu backend (transposeA %s, transposeB %s)", async (ta, tb) => {
    for (const [m, k, n, batch] of [
      [7, 5, 3, []],
      [64, 40, 12, []],
      [6, 4, 5, [1]],
      [6, 4, 5, [3]],
    ] as const) {
      const a = normal(rand, [...batch, ...(ta ? [k, m] : [m, k])]);
      const b = normal(rand, [...batch, ...(tb ? [n, k] : [k, n])]);
      const attrs = { transposeA: ta, transposeB: tb };
      expectClose(await kernel("wasm", "BatchMatMul", { a, b }, attrs), await kernel("cpu", "BatchMatMul", { a, b }, attrs), `${m}x${k}x${n}`);
      // _FusedMatMul takes rank-3 operands (tf.fused.matMul reshapes to them).
      const a3 = { ...a, shape: a.shape.length === 2 ? [1, ...a.shape] : a.shape };
      const b3 = { ...b, shape: b.shape.length === 2 ? [1, ...b.shape] : b.shape };
      const bias = normal(rand, [n]);
      const fused = { ...attrs, activation: "relu", leakyreluAlpha: 0.2 };
      expectClose(
        await kernel("wasm", "_FusedMatMul", { a: a3, b: b3, bias }, fused),
        await kernel("cpu", "_FusedMatMul", { a: a3, b: b3, bias }, fused),
        `fused ${m}x${k}x${n}`,
      );
    }
  });
});

describe("batched _FusedMatMul with a bias", () => {
  // tfjs-backend-wasm 4.22 adds the bias right only to the first row of each matrix when there is
  // more than one matrix pair; ours adds it (and applies the activation) unfused there.
  const rand = rng(31337);
  it.each(["linear", "relu", "relu6", "elu", "leakyrelu", "prelu", "sigmoid"])("matches the cpu backend (activation %s)", async (activation) => {
    const a = normal(rand, [3, 4, 6]);
    const b = normal(rand, [1, 6, 5]);
    const bias = normal(rand, [5]);
    const inputs: Record<string, Arr> = { a, b, bias };
    if (activation === "prelu") inputs["preluActivationWeights"] = normal(rand, [5]);
    const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.3 };
    expectClose(await kernel("wasm", "_FusedMatMul", inputs, attrs), await kernel("cpu", "_FusedMatMul", inputs, attrs), activation);
  });
});

// ---- resize gradients ---------------------------------------------------------------------------

describe("ResizeBilinearGrad and ResizeNearestNeighborGrad", () => {
  // The reference is the forward's Jacobian, transposed: resize every basis image (one batch of
  // them, on cpu) and dot each with dy. tfjs-backend-cpu's own gradients cannot serve: its bilinear
  // one swaps height and width, and neither honours halfPixelCenters.
  const rand = rng(2718);
  const cases = [
    ["ResizeBilinear", [4, 5], [7, 9], false, true],
    ["ResizeBilinear", [6, 7], [3, 4], false, true],
    ["ResizeBilinear", [4, 5], [7, 9], false, false],
    ["ResizeBilinear", [4, 5], [7, 9], true, false],
    ["ResizeNearestNeighbor", [4, 5], [7, 9], false, true],
    ["ResizeNearestNeighbor", [6, 7], [3, 4], false, true],
    ["ResizeNearestNeighbor", [4, 5], [7, 9], false, false],
    ["ResizeNearestNeighbor", [4, 5], [7, 9], true, false],
  ] as const;
  it.each(cases)("%s %j -> %j, alignCorners %s, halfPixelCenters %s", async (forward, [H, W], size, alignCorners, halfPixelCenters) => {
    const C = 2;
    const K = H * W * C;
    const basis = new Float32Array(K * K);
    for (let i = 0; i < K; i++) basis[i * K + i] = 1;
    const attrs = { alignCorners, halfPixelCenters, size };
    const columns = await kernel("cpu", forward, { images: { shape: [K, H, W, C], data: basis, dtype: "float32" } }, attrs);
    const dy = normal(rand, [1, size[0], size[1], C]);
    const M = dy.data.length;
    const expected = new Float32Array(K);
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < M; j++) s += columns.data[i * M + j]! * dy.data[j]!;
      expected[i] = s;
    }
    const images = normal(rand, [1, H, W, C]);
    const grad = `${forward}Grad`;
    expectClose(await kernel("wasm", grad, { images, dy }, attrs), { shape: [1, H, W, C], data: expected, dtype: "float32" }, grad);
  });
});

// ---- leaks --------------------------------------------------------------------------------------

describe("no leaks", () => {
  it("leaves tensor and wasm buffer counts unchanged across repeated gradients", async () => {
    await tf.setBackend("wasm");
    const rand = rng(1);
    const t = (shape: number[]) => {
      const a = normal(rand, shape);
      return tf.tensor(a.data, shape);
    };
    const x = t([2, 9, 9, 3]);
    const f = t([3, 3, 3, 4]);
    const fd = t([3, 3, 3, 2]);
    const e = t([6, 4]);
    const a = t([5, 7]);
    const b = t([7, 3]);
    const ids = tf.tensor1d([1, 0, 5, 5], "int32");
    const a3 = t([2, 5, 7]);
    const bias3 = t([3]);
    const grads = () => [
      ...tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, "same")))([x, f]),
      ...tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, "valid")))([x, fd]),
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 3, 2, "same")))(x),
      tf.grad((e: tf.Tensor) => tf.sum(tf.gather(e, ids)))(e),
      tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeBilinear(x as tf.Tensor4D, [5, 7], false, true)))(x),
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b)))([a, b]),
      ...tf.grads((a3: tf.Tensor, bias: tf.Tensor) =>
        tf.sum(tf.fused.matMul({ a: a3 as tf.Tensor3D, b: tf.reshape(b, [1, 7, 3]) as tf.Tensor3D, bias, activation: "relu" })),
      )([a3, bias3]),
    ];
    tf.dispose(grads()); // first call: kernel setup, cached XNNPACK operators
    const before = live();
    for (let i = 0; i < 3; i++) tf.dispose(grads());
    expect(live()).toEqual(before);
    tf.dispose([x, f, fd, e, a, b, ids, a3, bias3]);
  });
});
