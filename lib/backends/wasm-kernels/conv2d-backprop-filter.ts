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
import { explicitPad, fitAxis, isCropped, isEmpty } from "./geometry.js";

type Attrs = tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };

const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Attrs;
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC") === "channelsLast";
  // The kernel has no dilations attribute (conv2d's gradient refuses dilations > 1); we honour one
  // if given, since the composition below is the same for any dilation.
  const dilations = (attrs as unknown as Attrs).dilations ?? 1;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    channelsLast ? "channelsLast" : "channelsFirst",
  );
  // NHWC with a width dilation of 1 (LeNet's and most convnets'): the SIMD kernel, 1.5x to 4x faster.
  const fast = conv2DBackpropFilterSimd(backend, x, dy, info);
  if (fast !== null) return fast;
  const [KH, KW, Ci, Co] = filterShape;
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const fitH = fitAxis(H, info.padInfo.top, (KH - 1) * info.dilationHeight + (OH - 1) * info.strideHeight + 1);
  const fitW = fitAxis(W, info.padInfo.left, (KW - 1) * info.dilationWidth + (OW - 1) * info.strideWidth + 1);

  return composed(backend, (k) => {
    if (isEmpty(fitH) || isEmpty(fitW) || N === 0) return k.zeros([KH, KW, Ci, Co]);
    // [Ci, H, W, N] and [OH, OW, N, Co], from either layout in one transpose each.
    let xT = k.transpose(x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
    const dyT = k.transpose(dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    if (isCropped(fitH, H) || isCropped(fitW, W)) {
      xT = k.run(
        "Slice",
        { x: xT },
        { begin: [0, fitH.cropStart, fitW.cropStart, 0], size: [Ci, fitH.cropEnd - fitH.cropStart, fitW.cropEnd - fitW.cropStart, N] },
      );
    }
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
