// MaxPoolGrad for the wasm backend, replacing tfjs-backend-wasm 4.22's, which drops the gradient of
// every window whose maximum is not positive (all-negative and all-zero windows get none, as if it
// searched for the maximum from 0 rather than from -Infinity), so max pooling trained wrongly
// wherever it does not follow a ReLU. Each dy goes to the first maximum of its window, as in
// tfjs-backend-cpu and TensorFlow. A direct loop over the wasm heap: composed from the wasm kernels
// it would need an argmax per window, and their MaxPoolWithArgmax has the same bug (index 0 for
// all-negative windows). The loop is simd/kernels.wat's maxPoolGrad (four channels at a time, 5x
// to 6x faster than the same loop in JS), or, where that cannot run, the JS loop below; both give
// the same bits.
import * as tf from "../../tf.js";
import { asWasm } from "./compose.js";
import { simdOf } from "./simd.js";

const maxPoolGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const wasm = asWasm(backend);
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  // Allocate first: malloc may grow the heap, which detaches views taken before it.
  const out = wasm.makeOutput(input.shape, "float32");
  const s = input.dtype === "float32" && dy.dtype === "float32" ? simdOf(backend) : null;
  if (s !== null) {
    if (tf.util.sizeFromShape(input.shape) === 0) return out;
    if (tf.util.sizeFromShape(dy.shape) === 0) {
      s.ex.zero(s.ptr(out), tf.util.sizeFromShape(input.shape) * 4);
      return out;
    }
    s.ex.maxPoolGrad(s.ptr(input), s.ptr(dy), s.ptr(out), N, H, W, C, OH, OW, sh, sw, fh, fw, top, left);
    return out;
  }
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  if (dx.length === 0 || dy.shape.some((d) => d === 0)) return out;
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;

  // One scan of each window per channel, with the running maximum in locals: per-window array
  // fills and reads cost more than the scan itself at LeNet's 2x2 windows.
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * sh - top);
      const y1 = Math.min(H, oy * sh - top + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * sw - left);
        const x1 = Math.min(W, ox * sw - left + fw);
        const gBase = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let y = y0; y < y1; y++) {
            let i = ((n * H + y) * W + x0) * C + c;
            for (let xx = x0; xx < x1; xx++, i += C) {
              const v = x[i]!;
              // Strictly greater: the first maximum wins ties; NaN never wins (as in tfjs-backend-cpu).
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + g[gBase + c]!;
        }
      }
    }
  }
  return out;
};

export const maxPoolGradKernel: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad,
};
