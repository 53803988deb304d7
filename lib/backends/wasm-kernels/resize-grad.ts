// ResizeBilinearGrad and ResizeNearestNeighborGrad on the wasm backend with halfPixelCenters: the
// kernels of tfjs-backend-wasm 4.22 ignore that attribute (their forward kernels honour it), so the
// gradient of tf.image.resize*(..., halfPixelCenters = true) came out wrong. Where it is set we
// compute the exact adjoint of the forward (tfjs-backend-cpu's ResizeBilinear and
// ResizeNearestNeighbor, which the wasm forwards match) in a loop over the wasm heap: each dy goes
// back to the source pixels the forward read, with the weights it used. Otherwise the package's
// kernel runs.
import * as tf from "../../tf.js";
import { asWasm } from "./compose.js";

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** The forward's ratio of input to output pixels along one axis. */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** dx for dy given `source(b, r, c, add)`, which calls add(offset of an input pixel, weight) per pixel read. */
function adjoint(
  backend: unknown,
  images: tf.TensorInfo,
  dy: tf.TensorInfo,
  source: Source,
): tf.TensorInfo {
  const wasm = asWasm(backend);
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const out = wasm.makeOutput(images.shape, "float32"); // allocate before taking heap views
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  if (dx.length === 0) return out;
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;
  let at = 0; // dy offset
  let base = 0; // batch offset into dx
  const add = (row: number, col: number, weight: number) => {
    if (weight === 0) return;
    const o = base + (row * inW + col) * depth;
    for (let d = 0; d < depth; d++) dx[o + d] = dx[o + d]! + g[at + d]! * weight;
  };
  for (let b = 0; b < batch; b++) {
    base = b * inH * inW * depth;
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++) {
        source(r, c, add);
        at += depth;
      }
    }
  }
  return out;
}

type Source = (r: number, c: number, add: (row: number, col: number, weight: number) => void) => void;

/** The geometry both forwards share: input size and the input pixels per output pixel. */
interface Geometry {
  inH: number;
  inW: number;
  rh: number;
  rw: number;
  alignCorners: boolean;
}

/** A kernel that runs the adjoint of `sourceFor`'s forward where halfPixelCenters is set, else the package's. */
const halfPixelOnly =
  (sourceFor: (g: Geometry) => Source) =>
  (original: tf.KernelConfig): tf.KernelFunc =>
  (args) => {
    const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
    const { alignCorners, halfPixelCenters } = args.attrs as unknown as ResizeAttrs;
    if (!halfPixelCenters) return original.kernelFunc(args);
    const [, inH, inW] = images.shape as [number, number, number, number];
    const [, outH, outW] = dy.shape as [number, number, number, number];
    const geometry = { inH, inW, rh: ratio(inH, outH, alignCorners), rw: ratio(inW, outW, alignCorners), alignCorners };
    return adjoint(args.backend, images, dy, sourceFor(geometry));
  };

const bilinearGrad = halfPixelOnly(({ inH, inW, rh, rw }) => (r, c, add) => {
  // As the forward: out = top + (bottom - top) * rowFrac, top = tl + (tr - tl) * colFrac, ...
  const fr = rh * (r + 0.5) - 0.5;
  const r0 = Math.max(0, Math.floor(fr));
  const r1 = Math.min(inH - 1, Math.ceil(fr));
  const dr = fr - r0;
  const fc = rw * (c + 0.5) - 0.5;
  const c0 = Math.max(0, Math.floor(fc));
  const c1 = Math.min(inW - 1, Math.ceil(fc));
  const dc = fc - c0;
  add(r0, c0, (1 - dr) * (1 - dc));
  add(r0, c1, (1 - dr) * dc);
  add(r1, c0, dr * (1 - dc));
  add(r1, c1, dr * dc);
});

const nearestGrad = halfPixelOnly(({ inH, inW, rh, rw, alignCorners }) => {
  const nearest = (f: number, size: number) => Math.max(0, Math.min(size - 1, alignCorners ? Math.round(f) : Math.floor(f)));
  return (r, c, add) => add(nearest(rh * (r + 0.5), inH), nearest(rw * (c + 0.5), inW), 1);
});

/** A config for the package's ResizeBilinearGrad or ResizeNearestNeighborGrad that honours halfPixelCenters. */
export function halfPixelResizeGrad(original: tf.KernelConfig): tf.KernelConfig {
  const make = original.kernelName === tf.ResizeBilinearGrad ? bilinearGrad : nearestGrad;
  return { ...original, kernelFunc: make(original) };
}
