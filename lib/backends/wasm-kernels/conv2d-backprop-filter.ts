// Conv2DBackpropFilter (the filter gradient of conv2d), which tfjs-backend-wasm 4.22 lacks. NHWC
// convolutions with a width dilation of 1 take the SIMD kernel (conv-simd.ts); the others, and
// engines without wasm SIMD, one conv2d on the wasm backend (XNNPACK). With x padded (P, top/left
// pads applied):
//   dW[kh, kw, ci, co] = sum over n, oh, ow of P[n, oh*sh + kh*dh, ow*sw + kw*dw, ci] * dy[n, oh, ow, co]
// which is a convolution whose batch is ci, whose channels are n, and whose filter is dy:
//   input  x^T  = x transposed to [Ci, H, W, N]
//   filter dy^T = dy transposed to [OH, OW, N, Co]
//   conv2d(x^T, dy^T, strides = the forward dilations, dilations = the forward strides) -> [Ci, KH, KW, Co]
// The forward padding becomes explicit padding (or a crop where the forward never reads the last
// rows), sized so that the output is exactly KH x KW.
import * as tf from "../../tf.js";
import { composed } from "./compose.js";
import { conv2DBackpropFilterSimd } from "./conv-simd.js";
import { convInfo, cropHW, type ConvGeometryAttrs, explicitPad, filterGradFits, isEmpty } from "./geometry.js";

type Attrs = tf.Conv2DBackpropFilterAttrs & ConvGeometryAttrs;

const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as Attrs;
  // The kernel has no dilations attribute; convInfo honours one if given, since the composition
  // below is the same for any dilation.
  const { info, channelsLast } = convInfo(x.shape, filterShape, attrs as unknown as Attrs);
  // NHWC with a width dilation of 1 (LeNet's and most convnets'): the SIMD kernel, 1.5x to 4x faster.
  const fast = conv2DBackpropFilterSimd(backend, x, dy, info);
  if (fast !== null) return fast;
  const [KH, KW, Ci, Co] = filterShape;
  const N = info.batchSize;
  const { fitH, fitW } = filterGradFits(info, KH, KW);

  return composed(backend, (k) => {
    if (isEmpty(fitH) || isEmpty(fitW) || N === 0) return k.zeros([KH, KW, Ci, Co]);
    // [Ci, H, W, N] and [OH, OW, N, Co], from either layout in one transpose each.
    const xT = cropHW(k, k.transpose(x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]), fitH, fitW);
    const dyT = k.transpose(dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    const dW = k.run(
      "Conv2D",
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitPad(fitH, fitW),
        dataFormat: "NHWC",
      },
    );
    return k.transpose(dW, [1, 2, 0, 3]);
  });
};

export const conv2DBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter,
};
