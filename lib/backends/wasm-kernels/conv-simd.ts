// The SIMD paths of Conv2DBackpropFilter and Conv2DBackpropInput (simd/kernels.wat says how they
// loop). They take NHWC float32 convolutions with a width dilation of 1 (any strides, padding and
// height dilation): each output pixel's input patch on one filter row is then one contiguous run
// of KW * Ci floats, and both gradients are small matrix products over those runs, with no
// transposes, im2col buffers or zero-stuffing. Other convolutions return null and take the
// composed paths (XNNPACK convolutions over transposed tensors), which are right for every case.
import * as tf from "../../tf.js";
import { convInfo } from "./geometry.js";
import { free, scratch, simdOf, type Simd } from "./simd.js";

type Info = tf.backend_util.Conv2DInfo;

/** The geometry both gradients share, or null where the SIMD paths do not apply. */
function geometry(info: Info, ...tensors: tf.TensorInfo[]) {
  if (info.dataFormat !== "channelsLast" || info.dilationWidth !== 1) return null;
  if (tensors.some((t) => t.dtype !== "float32")) return null;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, filterHeight: KH, filterWidth: KW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (pt < 0 || pl < 0 || N * H * W * Ci * OH * OW * Co * KH * KW === 0) return null;
  const J = KW * Ci;
  return {
    N, H, W, Ci, OH, OW, Co, sh, sw, dh, KH, KW, pt, pl,
    // The padded input rows and columns that patches read.
    Hneed: (OH - 1) * sh + (KH - 1) * dh + 1,
    Wneed: (OW - 1) * sw + KW,
    jblocks: Math.ceil(J / 16),
  };
}

type Geometry = NonNullable<ReturnType<typeof geometry>>;

/**
 * The input as the filter-gradient and forward kernels read it, [N, Hp, Wp, Ci]: x itself when no
 * padding is needed (their reads run up to 60 bytes past a buffer: see the .wat), else a zero-padded
 * copy in scratch, which the caller frees (`copy`).
 */
function paddedInput(s: Simd, x: tf.TensorInfo, g: Geometry): { ptr: number; Hp: number; Wp: number; copy: tf.TensorInfo | null } {
  const { N, H, W, Ci, pt, pl, Hneed, Wneed } = g;
  if (pt === 0 && pl === 0 && H >= Hneed && W >= Wneed && s.inside(s.ptr(x), N * H * W * Ci * 4)) {
    return { ptr: s.ptr(x), Hp: H, Wp: W, copy: null };
  }
  const copy = scratch(s, N * Hneed * Wneed * Ci);
  place(s, s.ptr(x), s.ptr(copy), N, H, W, Ci, Hneed, Wneed, pt, pl);
  return { ptr: s.ptr(copy), Hp: Hneed, Wp: Wneed, copy };
}

/**
 * Copies images [N, H, W, C] at `src` into a zeroed [N, Hp, Wp, C] at `dst` with their (0, 0) at
 * (top, left), cropping what falls outside (top, left >= 0).
 */
function place(s: Simd, src: number, dst: number, N: number, H: number, W: number, C: number, Hp: number, Wp: number, top: number, left: number): void {
  s.ex.zero(dst, N * Hp * Wp * C * 4);
  const rows = Math.min(H, Hp - top);
  const cols = Math.min(W, Wp - left);
  if (rows <= 0 || cols <= 0) return;
  s.ex.copyRows(src, dst + (top * Wp + left) * C * 4, N, rows, cols * C * 4, H * W * C * 4, W * C * 4, Hp * Wp * C * 4, Wp * C * 4);
}

/** dW [KH, KW, Ci, Co], or null where the SIMD path does not apply. */
export function conv2DBackpropFilterSimd(backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo, info: Info): tf.TensorInfo | null {
  const s = simdOf(backend);
  const g = s === null ? null : geometry(info, x, dy);
  if (s === null || g === null) return null;
  const { N, Ci, OH, OW, Co, sh, sw, dh, KH, KW, jblocks } = g;
  const xp = paddedInput(s, x, g);
  const acc = scratch(s, KH * Co * jblocks * 16);
  try {
    const out = s.backend.makeOutput([KH, KW, Ci, Co], "float32");
    s.ex.convFilterGrad(xp.ptr, s.ptr(dy), s.ptr(acc), s.ptr(out), N, xp.Hp, xp.Wp, Ci, OH, OW, Co, KH, KW, sh, sw, dh, jblocks);
    return out;
  } finally {
    free(s, xp.copy, acc);
  }
}

/** dx [N, H, W, Ci], or null where the SIMD path does not apply. */
export function conv2DBackpropInputSimd(backend: unknown, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Info): tf.TensorInfo | null {
  const s = simdOf(backend);
  const g = s === null ? null : geometry(info, dy, filter);
  if (s === null || g === null) return null;
  const { N, H, W, Ci, OH, OW, Co, sh, sw, dh, KH, KW, pt, pl, Hneed, Wneed, jblocks } = g;
  // The gradient of the padded input, cropped into dx at the end. Its last runs read and write
  // back (unchanged) up to 60 bytes past it: scratch leaves that room.
  const Hp = Math.max(Hneed, pt + H);
  const Wp = Math.max(Wneed, pl + W);
  const dxp = scratch(s, N * Hp * Wp * Ci);
  const ft = scratch(s, KH * Co * jblocks * 16);
  try {
    const out = s.backend.makeOutput([N, H, W, Ci], "float32");
    s.ex.convInputGrad(s.ptr(dxp), s.ptr(dy), s.ptr(ft), s.ptr(filter), N, Hp, Wp, Ci, OH, OW, Co, KH, KW, sh, sw, dh, jblocks);
    s.ex.copyRows(s.ptr(dxp) + (pt * Wp + pl) * Ci * 4, s.ptr(out), N, H, W * Ci * 4, Hp * Wp * Ci * 4, Wp * Ci * 4, H * W * Ci * 4, W * Ci * 4);
    return out;
  } finally {
    free(s, dxp, ft);
  }
}

/** Largest packed filter (bytes) for the SIMD forward: it rereads the filter for every pixel pair. */
const FORWARD_MAX_FILTER_BYTES = 32 * 1024;

/** y [N, OH, OW, Co], or null where the SIMD path does not apply (or would not be faster). */
export function conv2DSimd(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo, info: Info): tf.TensorInfo | null {
  const s = simdOf(backend);
  const g = s === null ? null : geometry(info, x, filter);
  if (s === null || g === null) return null;
  const { N, Ci, OH, OW, Co, sh, sw, dh, KH, KW } = g;
  const jv = Math.ceil((KW * Ci) / 4);
  const ftFloats = KH * jv * 16 * Math.ceil(Co / 4);
  // XNNPACK computes output channels 8 at a time: where Co is a multiple of 8 it wastes nothing and
  // was as fast as this kernel or faster (LeNet's second layer, 16 channels: 1.3 ms both).
  if (Co < 2 || Co % 8 === 0 || ftFloats * 4 > FORWARD_MAX_FILTER_BYTES) return null;
  const xp = paddedInput(s, x, g);
  const ft = scratch(s, ftFloats);
  try {
    const out = s.backend.makeOutput([N, OH, OW, Co], "float32");
    s.ex.convForward(xp.ptr, s.ptr(ft), s.ptr(out), s.ptr(filter), N, xp.Hp, xp.Wp, Ci, OH, OW, Co, KH, KW, sh, sw, dh, jv);
    return out;
  } finally {
    free(s, xp.copy, ft);
  }
}

/**
 * Conv2D on the wasm backend: the package's kernel (XNNPACK), or, for NHWC float32 convolutions with
 * a width dilation of 1, a small filter and a number of output channels that is not a multiple of 8
 * (XNNPACK pads those to the next multiple of 8), the SIMD kernel: 1.5x faster on LeNet's first
 * convolution (6 channels), 1.3x to 1.4x at 10 and 12 channels.
 */
export function wrappedConv2D(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (x.shape.length === 4 && filter.shape.length === 4 && simdOf(args.backend) !== null) {
      const { info } = convInfo(x.shape, filter.shape, args.attrs as unknown as tf.Conv2DAttrs);
      const y = conv2DSimd(args.backend, x, filter, info);
      if (y !== null) return y;
    }
    return original.kernelFunc(args);
  };
  return { ...original, kernelFunc };
}
