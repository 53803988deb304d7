// Index bookkeeping shared by the convolution backprops: which rows of a tensor a composed
// convolution reads, and how to crop or zero-pad it so that it reads exactly those.

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

