// DepthwiseConv2dNativeBackpropInput, which tfjs-backend-wasm 4.22 lacks, as a depthwise conv on
// the wasm backend: the transposed convolution of dy with the filter. With M the channel multiplier:
//   dx[n, h, w, c] = sum over kh, kw, m of dy[n, oh, ow, c*M + m] * f[kh, kw, c, m]
//                    where h + padTop = oh*sh + kh*dh (likewise for w)
// 1. Spread dy by the strides (zeros between rows and columns): U[oh*sh] = dy[oh].
// 2. Correlate U with the spatially flipped filter, stride 1, the forward dilation, each of the
//    C*M channels on its own (a depthwise conv with multiplier 1), with U shifted by
//    (KH-1)*dh - padTop so that output row h reads U[h + padTop - kh*dh].
// 3. Sum the M channels that came from each input channel.
// Unlike tfjs-backend-cpu's kernel (which ignores them), dilations are honoured.
import * as tf from "../../tf.js";
import { composed } from "./compose.js";
import { convInfo, cropHW, explicitPad, fitAxis, isEmpty } from "./geometry.js";
import { spread } from "./spread.js";

const depthwiseBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attributes = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const { inputShape } = attributes;
  const { info } = convInfo(inputShape, filter.shape, attributes, true);
  const [KH, KW, C, M] = filter.shape as [number, number, number, number];
  const { batchSize: N, inHeight: H, inWidth: W, dilationHeight: dh, dilationWidth: dw } = info;

  return composed(backend, (k) => {
    const U = spread(k, dy, info.strideHeight, info.strideWidth);
    const [, UH, UW] = U.shape as [number, number, number, number];
    const fitH = fitAxis(UH, (KH - 1) * dh - info.padInfo.top, H + (KH - 1) * dh);
    const fitW = fitAxis(UW, (KW - 1) * dw - info.padInfo.left, W + (KW - 1) * dw);
    if (isEmpty(fitH) || isEmpty(fitW) || N === 0) return k.zeros([N, H, W, C]);
    const src = cropHW(k, U, fitH, fitW);
    const flipped = k.reshape(k.run("Reverse", { x: filter }, { dims: [0, 1] }), [KH, KW, C * M, 1]);
    const dxm = k.run(
      "DepthwiseConv2dNative",
      { x: src, filter: flipped },
      { strides: [1, 1], dilations: [dh, dw], pad: explicitPad(fitH, fitW) },
    ); // [N, H, W, C*M]
    if (M === 1) return dxm;
    return k.run("Sum", { x: k.reshape(dxm, [N, H, W, C, M]) }, { axis: [4], keepDims: false });
  });
};

export const depthwiseBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput,
};
