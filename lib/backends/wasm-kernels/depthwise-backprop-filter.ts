// DepthwiseConv2dNativeBackpropFilter, which tfjs-backend-wasm 4.22 lacks, as one depthwise conv on
// the wasm backend. With x padded (P) and M the channel multiplier:
//   dW[kh, kw, c, m] = sum over n, oh, ow of P[n, oh*sh + kh*dh, ow*sw + kw*dw, c] * dy[n, oh, ow, c*M + m]
// Folding the batch into the channels turns this into a depthwise convolution of one image:
//   input  [1, H, W, N*C]      (x transposed to [H, W, N, C])
//   filter [OH, OW, N*C, M]    (dy transposed to [OH, OW, N, C*M]; channel (n*C + c)*M + m)
//   depthwise(input, filter, strides = forward dilations, dilations = forward strides) -> [1, KH, KW, N*C*M]
// and a sum over n. Unlike tfjs-backend-cpu's kernel (which ignores them), dilations are honoured.
import * as tf from "../../tf.js";
import { composed } from "./compose.js";
import { convInfo, explicitPad, filterGradFits, isCropped, isEmpty } from "./geometry.js";

const depthwiseBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attributes = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const { filterShape } = attributes;
  const { info } = convInfo(x.shape, filterShape, attributes, true);
  const [KH, KW, C, M] = filterShape;
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const { fitH, fitW } = filterGradFits(info, KH, KW);

  return composed(backend, (k) => {
    if (isEmpty(fitH) || isEmpty(fitW) || N === 0) return k.zeros([KH, KW, C, M]);
    let xT = k.transpose(x, [1, 2, 0, 3]); // [H, W, N, C]
    if (isCropped(fitH, H) || isCropped(fitW, W)) {
      xT = k.run(
        "Slice",
        { x: xT },
        { begin: [fitH.cropStart, fitW.cropStart, 0, 0], size: [fitH.cropEnd - fitH.cropStart, fitW.cropEnd - fitW.cropStart, N, C] },
      );
    }
    const image = k.reshape(xT, [1, xT.shape[0]!, xT.shape[1]!, N * C]);
    const filter = k.reshape(k.transpose(dy, [1, 2, 0, 3]), [OH, OW, N * C, M]);
    const perImage = k.run(
      "DepthwiseConv2dNative",
      { x: image, filter },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitPad(fitH, fitW),
      },
    ); // [1, KH, KW, N*C*M]
    if (N === 1) return k.reshape(perImage, [KH, KW, C, M]);
    const summed = k.run("Sum", { x: k.reshape(perImage, [KH * KW, N, C * M]) }, { axis: [1], keepDims: false });
    return k.reshape(summed, [KH, KW, C, M]);
  });
};

export const depthwiseBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter,
};
