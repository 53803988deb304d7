// Geometry on 8-bit HWC pixels in plain JavaScript, written to give Pillow's results exactly:
// torchvision's PIL path (crop, then resize with BILINEAR, which antialiases when shrinking) is the
// reference a PyTorch user compares against. The algorithm and fixed-point arithmetic are those of
// Pillow's src/libImaging/Resample.c (precompute_coeffs, normalize_coeffs_8bpc, two passes:
// horizontal then vertical, each rounded to 8 bits).
import { rawImage, type RawImage } from "./image.js";

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

/** A rectangle in pixel units; may reach outside the image (the outside reads as 0, i.e. padding). */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Coeffs {
  /** Fixed-point weights, `ksize` per output pixel. */
  kk: Int32Array;
  /** First input pixel and tap count per output pixel. */
  bounds: Int32Array;
  ksize: number;
}

/** Pillow's bilinear filter (support 1). */
function bilinear(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** precompute_coeffs + normalize_coeffs_8bpc for an input of `inSize` pixels. */
function coefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const kk = new Int32Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let ww = 0;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const w = bilinear((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x]! / ww : k[x]!;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { kk, bounds, ksize };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

const coeffCache = new Map<number, Coeffs>();

/** Coefficients are a function of (inSize, outSize) only; crops of one size reuse them. */
function cachedCoefficients(inSize: number, outSize: number): Coeffs {
  const key = inSize * 65536 + outSize;
  let c = coeffCache.get(key);
  if (!c) {
    if (coeffCache.size > 4096) coeffCache.clear();
    c = coefficients(inSize, outSize);
    coeffCache.set(key, c);
  }
  return c;
}

/**
 * Pillow's `image.crop(rect).resize((outWidth, outHeight), BILINEAR)`, with the crop inside the
 * image (callers pad first when it is not). A pass whose size does not change is skipped, as in
 * Pillow (it would be the identity anyway).
 */
export function resizedCrop(src: RawImage, rect: Rect, outWidth: number, outHeight: number): RawImage {
  const c = src.channels;
  const sw = src.width;
  const s = src.data;
  const needH = outWidth !== rect.width;
  const needV = outHeight !== rect.height;
  // Rows of the crop the vertical pass reads.
  const vert = needV ? cachedCoefficients(rect.height, outHeight) : null;
  const yFirst = vert ? vert.bounds[0]! : 0;
  const yLast = vert ? vert.bounds[(outHeight - 1) * 2]! + vert.bounds[(outHeight - 1) * 2 + 1]! : rect.height;
  const rows = yLast - yFirst;

  // Horizontal pass: rows yFirst..yLast of the crop -> tmp (outWidth wide).
  let tmp: Uint8Array;
  let tmpWidth: number;
  let tmpLeft: number; // column of tmp's first pixel in `srcOfTmp` coordinates
  let tmpStride: number;
  if (needH) {
    const { kk, bounds, ksize } = cachedCoefficients(rect.width, outWidth);
    tmp = new Uint8Array(rows * outWidth * c);
    for (let yy = 0; yy < rows; yy++) {
      const rowBase = ((rect.top + yFirst + yy) * sw + rect.left) * c;
      const outBase = yy * outWidth * c;
      if (c === 1) {
        for (let xx = 0; xx < outWidth; xx++) {
          const xmin = bounds[xx * 2]!;
          const xmax = bounds[xx * 2 + 1]!;
          const kb = xx * ksize;
          let s0 = HALF;
          let p = rowBase + xmin;
          for (let x = 0; x < xmax; x++, p++) s0 += s[p]! * kk[kb + x]!;
          tmp[outBase + xx] = clip8(s0);
        }
      } else if (c === 3) {
        for (let xx = 0; xx < outWidth; xx++) {
          const xmin = bounds[xx * 2]!;
          const xmax = bounds[xx * 2 + 1]!;
          const kb = xx * ksize;
          let s0 = HALF;
          let s1 = HALF;
          let s2 = HALF;
          let p = rowBase + xmin * 3;
          for (let x = 0; x < xmax; x++, p += 3) {
            const w = kk[kb + x]!;
            s0 += s[p]! * w;
            s1 += s[p + 1]! * w;
            s2 += s[p + 2]! * w;
          }
          const o = outBase + xx * 3;
          tmp[o] = clip8(s0);
          tmp[o + 1] = clip8(s1);
          tmp[o + 2] = clip8(s2);
        }
      } else {
        for (let xx = 0; xx < outWidth; xx++) {
          const xmin = bounds[xx * 2]!;
          const xmax = bounds[xx * 2 + 1]!;
          const kb = xx * ksize;
          for (let ch = 0; ch < c; ch++) {
            let s0 = HALF;
            for (let x = 0; x < xmax; x++) s0 += s[rowBase + (xmin + x) * c + ch]! * kk[kb + x]!;
            tmp[outBase + xx * c + ch] = clip8(s0);
          }
        }
      }
    }
    tmpWidth = outWidth;
    tmpLeft = 0;
    tmpStride = outWidth * c;
  } else {
    tmp = s;
    tmpWidth = rect.width;
    tmpLeft = rect.left;
    tmpStride = sw * c;
  }
  /** tmp's row holding crop row `r`: tmp starts at crop row yFirst after a horizontal pass, else it is the source. */
  const rowOf = (r: number) => (needH ? r - yFirst : r + rect.top);

  if (!vert) {
    // Copy the crop rows out of tmp (or of the source when no pass ran at all).
    const out = new Uint8Array(outWidth * outHeight * c);
    const rowLen = outWidth * c;
    for (let y = 0; y < outHeight; y++) {
      const from = rowOf(y) * tmpStride + tmpLeft * c;
      out.set(tmp.subarray(from, from + rowLen), y * rowLen);
    }
    return rawImage(out, outWidth, outHeight, c);
  }

  // Vertical pass: tmp -> out.
  const { kk, bounds, ksize } = vert;
  const out = new Uint8Array(outWidth * outHeight * c);
  const rowLen = tmpWidth * c;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2]!;
    const ymax = bounds[yy * 2 + 1]!;
    const kb = yy * ksize;
    const outBase = yy * rowLen;
    const firstRow = rowOf(ymin);
    for (let i = 0; i < rowLen; i++) {
      let s0 = HALF;
      let p = firstRow * tmpStride + tmpLeft * c + i;
      for (let y = 0; y < ymax; y++, p += tmpStride) s0 += tmp[p]! * kk[kb + y]!;
      out[outBase + i] = clip8(s0);
    }
  }
  return rawImage(out, outWidth, outHeight, c);
}

/** Pillow's `image.crop(rect)`: a copy; the part outside the image is 0 (torchvision pads with 0). */
export function crop(src: RawImage, rect: Rect): RawImage {
  const c = src.channels;
  const out = new Uint8Array(rect.width * rect.height * c);
  const x0 = Math.max(0, rect.left);
  const x1 = Math.min(src.width, rect.left + rect.width);
  if (x1 > x0) {
    for (let y = 0; y < rect.height; y++) {
      const sy = rect.top + y;
      if (sy < 0 || sy >= src.height) continue;
      const from = (sy * src.width + x0) * c;
      out.set(src.data.subarray(from, from + (x1 - x0) * c), (y * rect.width + (x0 - rect.left)) * c);
    }
  }
  return rawImage(out, rect.width, rect.height, c);
}

/** Whether the rectangle lies inside the image. */
export function inside(src: { width: number; height: number }, rect: Rect): boolean {
  return rect.left >= 0 && rect.top >= 0 && rect.left + rect.width <= src.width && rect.top + rect.height <= src.height;
}

/** Mirror left-right (in place). */
export function flipInPlace(img: RawImage): RawImage {
  const { data, width, height, channels: c } = img;
  for (let y = 0; y < height; y++) {
    let a = y * width * c;
    let b = a + (width - 1) * c;
    while (a < b) {
      for (let ch = 0; ch < c; ch++) {
        const t = data[a + ch]!;
        data[a + ch] = data[b + ch]!;
        data[b + ch] = t;
      }
      a += c;
      b -= c;
    }
  }
  return img;
}

/** Pillow's RGB -> L: ITU-R 601-2 luma in 16-bit fixed point (ImagingConvert's L24). */
export function toGray(img: RawImage): RawImage {
  if (img.channels === 1) return img;
  if (img.channels !== 3) throw new Error(`cannot convert ${img.channels} channels to gray`);
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, p = 0; i < n; i++, p += 3) out[i] = (d[p]! * 19595 + d[p + 1]! * 38470 + d[p + 2]! * 7471 + 0x8000) >>> 16;
  return rawImage(out, img.width, img.height, 1);
}

/** Gray -> RGB by replication (Pillow's L -> RGB). */
export function toRgb(img: RawImage): RawImage {
  if (img.channels === 3) return img;
  if (img.channels !== 1) throw new Error(`cannot convert ${img.channels} channels to RGB`);
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const d = img.data;
  for (let i = 0, p = 0; i < n; i++, p += 3) out[p] = out[p + 1] = out[p + 2] = d[i]!;
  return rawImage(out, img.width, img.height, 3);
}
