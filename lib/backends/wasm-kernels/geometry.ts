// Index bookkeeping shared by the convolution kernels and backprops: their geometry from the
// attributes, which rows of a tensor a composed convolution reads, and how to crop or zero-pad it
// so that it reads exactly those.
import * as tf from "../../tf.js";
import type { KernelScope } from "./compose.js";

/**
 * One spatial axis of size `size`, read as a padded sequence P of length `length` with
 * P[r] = input[r - before] (zero outside the input). Negative padding is not something the conv
 * kernels accept, so a negative `before` (or a too-long input) becomes a crop instead.
 */
export interface AxisFit {
  /** Input rows [cropStart, cropEnd) are the ones P contains. */
  cropStart: number;
  cropEnd: number;
  /** Zeros before and after the kept rows. */
  padBefore: number;
  padAfter: number;
}

export function fitAxis(size: number, before: number, length: number): AxisFit {
  const first = -before; // input row read at r = 0
  const end = length - before; // one past the input row read at r = length - 1
  const cropStart = Math.max(0, first);
  const cropEnd = Math.min(size, end);
  return {
    cropStart,
    cropEnd,
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, end - size),
  };
}

/** True when P contains no input row at all (its result is all zeros). */
export function isEmpty(fit: AxisFit): boolean {
  return fit.cropEnd <= fit.cropStart;
}

export function isCropped(fit: AxisFit, size: number): boolean {
  return fit.cropStart > 0 || fit.cropEnd < size;
}

/** Explicit NHWC padding for the conv kernels, from the height and width fits. */
export function explicitPad(h: AxisFit, w: AxisFit): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [h.padBefore, h.padAfter],
    [w.padBefore, w.padAfter],
    [0, 0],
  ];
}


/** The attributes every conv kernel and gradient describes its geometry with. */
export interface ConvGeometryAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  /** Absent on the gradients' attributes (conv2d's gradient refuses dilations > 1); honoured if given. */
  dilations?: number | [number, number];
  dataFormat?: "NHWC" | "NCHW";
}

/** tfjs's Conv2DInfo for an input and filter shape, and whether the tensors are NHWC. */
export function convInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvGeometryAttrs,
  depthwise = false,
): { info: tf.backend_util.Conv2DInfo; channelsLast: boolean } {
  const channelsLast = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? "NHWC") === "channelsLast";
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    channelsLast ? "channelsLast" : "channelsFirst",
  );
  return { info, channelsLast };
}

/** For a filter gradient: the input rows and columns that the forward's output positions read. */
export function filterGradFits(info: tf.backend_util.Conv2DInfo, KH: number, KW: number): { fitH: AxisFit; fitW: AxisFit } {
  return {
    fitH: fitAxis(info.inHeight, info.padInfo.top, (KH - 1) * info.dilationHeight + (info.outHeight - 1) * info.strideHeight + 1),
    fitW: fitAxis(info.inWidth, info.padInfo.left, (KW - 1) * info.dilationWidth + (info.outWidth - 1) * info.strideWidth + 1),
  };
}

/** t, an [A, H, W, B] tensor, cut down to the rows and columns the fits keep (t itself when all). */
export function cropHW(k: KernelScope, t: tf.TensorInfo, fitH: AxisFit, fitW: AxisFit): tf.TensorInfo {
  const [A, H, W, B] = t.shape as [number, number, number, number];
  if (!isCropped(fitH, H) && !isCropped(fitW, W)) return t;
  return k.run("Slice", { x: t }, { begin: [0, fitH.cropStart, fitW.cropStart, 0], size: [A, fitH.cropEnd - fitH.cropStart, fitW.cropEnd - fitW.cropStart, B] });
}
