// Conv2DBackpropInput (the input gradient of conv2d) for the wasm backend, replacing tfjs-backend-wasm
// 4.22's: theirs is a plain C++ loop, about 5x slower than one XNNPACK conv2d of the same work, and
// was the slowest kernel of a LeNet training step. NHWC convolutions with a width dilation of 1 take
// the SIMD kernel (conv-simd.ts); the others, and engines without wasm SIMD, the transposed
// convolution as a conv2d:
//   dx[n, h, w, ci] = sum over kh, kw, co of dy[n, oh, ow, co] * f[kh, kw, ci, co]
//                     where h + padTop = oh*sh + kh*dh (likewise for w)
// 1. Spread dy by the strides (zeros between rows and columns): U[oh*sh] = dy[oh].
// 2. conv2d of U, shifted by (KH-1)*dh - padTop, with the filter flipped spatially and its in/out
//    channels swapped ([KH, KW, Co, Ci]), stride 1 and the forward dilation.
// With strides s the spread costs s*s times the multiply-adds; XNNPACK still wins at s = 2.
import * as tf from "../../tf.js";
import { composed } from "./compose.js";
import { conv2DBackpropInputSimd } from "./conv-simd.js";
import { convInfo, cropHW, explicitPad, fitAxis, isEmpty, type ConvGeometryAttrs } from "./geometry.js";
import { spread } from "./spread.js";

type Attrs = tf.Conv2DBackpropInputAttrs & ConvGeometryAttrs;

const conv2DBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as Attrs;
  // No dilations attribute (conv2d's gradient refuses dilations > 1); convInfo honours one if given.
  const { info, channelsLast } = convInfo(inputShape, filter.shape, attrs as unknown as Attrs);
  // NHWC with a width dilation of 1: the SIMD kernel, which also skips the zeros of the spread
  // and padded dy below (2x to 3x faster).
  const fast = conv2DBackpropInputSimd(backend, dy, filter, info);
  if (fast !== null) return fast;
  const [KH, KW] = filter.shape as [number, number, number, number];
  const { batchSize: N, inHeight: H, inWidth: W, dilationHeight: dh, dilationWidth: dw } = info;

  return composed(backend, (k) => {
    const dyNhwc = channelsLast ? dy : k.transpose(dy, [0, 2, 3, 1]);
    const U = spread(k, dyNhwc, info.strideHeight, info.strideWidth);
    const [, UH, UW] = U.shape as [number, number, number, number];
    const fitH = fitAxis(UH, (KH - 1) * dh - info.padInfo.top, H + (KH - 1) * dh);
    const fitW = fitAxis(UW, (KW - 1) * dw - info.padInfo.left, W + (KW - 1) * dw);
    if (isEmpty(fitH) || isEmpty(fitW) || N === 0) return k.zeros(inputShape);
    const src = cropHW(k, U, fitH, fitW);
    const flipped = k.transpose(k.run("Reverse", { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    const dx = k.run(
      "Conv2D",
      { x: src, filter: flipped },
      { strides: [1, 1], dilations: [dh, dw], pad: explicitPad(fitH, fitW), dataFormat: "NHWC" },
    ); // [N, H, W, Ci]
    return channelsLast ? dx : k.transpose(dx, [0, 3, 1, 2]);
  });
};

export const conv2DBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput,
};
