// MaxPoolGrad for the wasm backend, replacing tfjs-backend-wasm 4.22's, which drops the gradient of
// every window whose maximum is not positive (all-negative or all-zero windows get none: it looks
// for the maximum starting from 0 rather than from -Infinity), so max pooling trains wrongly
// wherever it does not follow a ReLU. Each dy goes to the first maximum of its window, as in
// tfjs-backend-cpu and TensorFlow. A direct loop over the wasm heap: composing it from the wasm
// kernels would need an argmax per window, which MaxPoolWithArgmax gives only with the same bug.
import * as tf from "../../tf.js";
import { asWasm } from "./compose.js";

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
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  if (dx.length === 0 || dy.shape.some((d) => d === 0)) return out;
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;

  // NHWC: channels are contiguous, so one pass over each window serves all channels at once.
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * sh - top);
      const y1 = Math.min(H, oy * sh - top + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * sw - left);
        const x1 = Math.min(W, ox * sw - left + fw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const base = ((n * H + y) * W + xx) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c]!;
              // Strictly greater: the first maximum wins ties; NaN never wins (as in tfjs-backend-cpu).
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const gBase = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          const at = where[c]!;
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
