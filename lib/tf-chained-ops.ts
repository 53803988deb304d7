// Chained ops (`x.add(y)`, `x.square()`): tfjs-core declares them on Tensor, but its Node build
// installs none of them (the umbrella @tensorflow/tfjs package does, through modules Node's ESM
// loader cannot import). tsamp installs them here, each calling the op of the same tfjs instance,
// so notebook code written against the tfjs docs works.
import * as core from "@tensorflow/tfjs-core";

type Op = (...args: unknown[]) => core.Tensor;

/** Methods that are `op(this, ...args)` with the op of the same name. */
const SAME_NAME = (
  "abs acos acosh add all any argMax argMin asin asinh atan atan2 atanh avgPool batchToSpaceND batchNorm " +
  "broadcastTo cast ceil clipByValue conv1d conv2d conv2dTranspose cos cosh cumprod cumsum depthToSpace " +
  "depthwiseConv2d dilation2d div divNoNan dot elu equal erf euclideanNorm exp expandDims expm1 fft floor " +
  "floorDiv gather greater greaterEqual ifft irfft isFinite isInf isNaN leakyRelu less lessEqual " +
  "localResponseNormalization log log1p logSigmoid logSoftmax logSumExp logicalAnd logicalNot logicalOr " +
  "logicalXor matMul max maxPool maximum mean min minimum mirrorPad mod mul neg norm notEqual oneHot " +
  "onesLike pad pool pow prelu prod reciprocal relu relu6 reshape " +
  "reverse rfft round rsqrt selu separableConv2d sigmoid sign sin sinh slice softmax softplus " +
  "spaceToBatchND split sqrt square squaredDifference squeeze step stridedSlice sub sum tan tanh tile topk " +
  "transpose unique unsortedSegmentSum unstack zerosLike"
).split(" ");

/** The rest, written out as tfjs-core's chained_ops folder defines them. */
const SPECIAL: Record<string, (self: core.Tensor, ...args: never[]) => unknown> = {
  as1D: (self) => core.reshape(self, [self.size]),
  flatten: (self) => core.reshape(self, [self.size]),
  as2D: (self, ...shape: number[]) => core.reshape(self, shape),
  as3D: (self, ...shape: number[]) => core.reshape(self, shape),
  as4D: (self, ...shape: number[]) => core.reshape(self, shape),
  as5D: (self, ...shape: number[]) => core.reshape(self, shape),
  asScalar: (self) => {
    if (self.size !== 1) throw new Error("asScalar: the tensor must have exactly 1 element");
    return core.reshape(self, []);
  },
  asType: (self, dtype: core.DataType) => core.cast(self, dtype),
  toBool: (self) => core.cast(self, "bool"),
  toFloat: (self) => core.cast(self, "float32"),
  toInt: (self) => core.cast(self, "int32"),
  reshapeAs: (self, other: core.Tensor) => core.reshape(self, other.shape),
  concat: (self, others: core.Tensor | core.Tensor[], axis?: number) =>
    core.concat([self, ...(others instanceof core.Tensor ? [others] : others)], axis),
  stack: (self, others: core.Tensor | core.Tensor[], axis?: number) =>
    core.stack([self, ...(others instanceof core.Tensor ? [others] : others)], axis),
  where: (self, condition: core.Tensor, other: core.Tensor) => core.where(condition, self, other),
  // These two live under tf.image.
  resizeBilinear: (self, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) =>
    core.image.resizeBilinear(self as core.Tensor3D, size, alignCorners, halfPixelCenters),
  resizeNearestNeighbor: (self, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) =>
    core.image.resizeNearestNeighbor(self as core.Tensor3D, size, alignCorners, halfPixelCenters),
};

export function installChainedOps(): void {
  const proto = core.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = core as unknown as Record<string, Op>;
  const define = (name: string, body: (self: core.Tensor, args: unknown[]) => unknown) => {
    if (typeof proto[name] === "function") return; // already installed (e.g. by @tensorflow/tfjs)
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function (this: core.Tensor, ...args: unknown[]) {
        this.throwIfDisposed();
        return body(this, args);
      },
    });
  };
  for (const name of SAME_NAME) {
    const op = ops[name];
    if (typeof op === "function") define(name, (self, args) => op(self, ...args));
  }
  for (const [name, fn] of Object.entries(SPECIAL)) define(name, (self, args) => (fn as (...a: unknown[]) => unknown)(self, ...args));
}
