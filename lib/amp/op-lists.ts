// Autocast's op lists: which tfjs kernels compute in the narrow format, which always run in float32,
// and which follow their inputs. This file is data only; autocast-dispatch.ts reads it.
//
// They follow PyTorch's CUDA autocast lists (torch/csrc/autograd/autocast_mode.cpp and the "Autocast
// Op Reference" of the torch.amp documentation, "CUDA Ops that can autocast to float16" and "CUDA
// Ops that can autocast to float32"), translated to the kernel names tfjs dispatches:
//
//   PyTorch lower_precision_fp list            tfjs kernels here (kind "lower")
//   ---------------------------------------    ------------------------------------------------------
//   matmul, mm, mv, bmm, addmm, addmv, addr,    BatchMatMul (tf.matMul), _FusedMatMul (fused bias and
//   baddbmm, addbmm, linear, chain_matmul,      activation, what tf.layers.dense runs), Einsum
//   multi_dot
//   conv1d/2d/3d, conv_tbc,                     Conv2D, FusedConv2D, Conv3D, DepthwiseConv2dNative,
//   conv_transpose1d/2d/3d                      FusedDepthwiseConv2D, and the backprops:
//                                               Conv2DBackpropInput (also tf.conv2dTranspose),
//                                               Conv2DBackpropFilter, Conv3DBackpropInputV2,
//                                               Conv3DBackpropFilterV2, DepthwiseConv2dNativeBackprop*
//   prelu                                       Prelu
//   GRUCell, LSTMCell, RNNCell                  (composed of BatchMatMul in tfjs: covered by it)
//
//   PyTorch fp32 list                          tfjs kernels here (kind "float32")
//   ---------------------------------------    ------------------------------------------------------
//   exp, expm1, log, log10, log2, log1p, pow,   Exp, Expm1, Log, Log1p, Pow, Reciprocal, Rsqrt, Acos,
//   __pow__, __rpow__, reciprocal, rsqrt,       Asin, Cosh, Sinh, Tan, Softplus
//   acos, asin, cosh, sinh, tan, softplus,
//   __rdiv__, __rtruediv__                      (RealDiv stays "promote": PyTorch lists only the
//                                               reflected scalar division)
//   softmax, log_softmax, softmin               Softmax (tfjs composes logSoftmax from Max, Sub, Exp,
//                                               Sum, Log: each is float32 here, so it is too)
//   sum, prod, cumsum, cumprod                  Sum, Prod, Cumsum, Cumprod; and, as tsamp's DESIGN
//                                               asks, Mean, Max, Min (values of Max/Min are exact in
//                                               any format; the output is handed on as float32)
//   layer_norm, group_norm, norm, normalize,    FusedBatchNorm, LRN, LRNGrad; composed norms (layer
//   renorm, (batch_norm runs in fp32 in cuDNN)  norm) through the layer's family, see LAYER_FAMILIES
//   cross_entropy, nll_loss, mse_loss, l1_loss, (tfjs has no loss kernels: the trainer runs the loss
//   kl_div, binary_cross_entropy_with_logits,   in the "loss" region, where every op is float32)
//   smooth_l1_loss, *_margin_loss, ... cdist,
//   pdist, dist, cosine_similarity
//
// Every other kernel is "promote" (PyTorch's default for ops on neither list, and its
// promote list: addcdiv, addcmul, cat, stack, index_put, ...): it keeps the widest format among its
// inputs and its output is rounded to that format (no rounding when that is float32). Rank-0 inputs
// without a recorded format do not take part, as PyTorch's zero-dim tensors and Python scalars do
// not ("wrapped numbers"). Formats that neither contains (float16 and bfloat16) promote to float32.
// "passthrough" kernels are promote kernels whose outputs are exactly values of their inputs
// (reshape, transpose, relu, max pool, ...): their output keeps the format without a rounding pass.
//
// Gradient kernels (names ending in BackpropInput, BackpropFilter or Grad) and every kernel a
// gradient function runs take the policy's backward format instead of compute (autocast knows it is
// in the backward pass from the tape). Kernels not listed at all (new tfjs kernels) are "promote".
import type { Family } from "./families.js";

/** How autocast treats a kernel. */
export type OpKind = "lower" | "float32" | "promote" | "passthrough";

export interface OpEntry {
  readonly kind: OpKind;
  readonly family: Family;
}

const entries: Record<string, OpEntry> = {};

function add(kind: OpKind, family: Family, names: readonly string[]): void {
  for (const n of names) entries[n] = Object.freeze({ kind, family });
}

// ---- lower precision: compute format, float32 accumulation, output rounded ----
add("lower", "matmul", ["BatchMatMul", "_FusedMatMul", "Einsum", "MatMul"]);
add("lower", "conv", [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "Conv3D",
  "Conv3DBackpropInputV2",
  "Conv3DBackpropFilterV2",
  "DepthwiseConv2dNative",
  "FusedDepthwiseConv2D",
  "DepthwiseConv2dNativeBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
]);
add("lower", "activation", ["Prelu"]);

// ---- float32: inputs used at full precision, output not rounded ----
add("float32", "transcendental", [
  "Exp",
  "Expm1",
  "Log",
  "Log1p",
  "Pow",
  "Reciprocal",
  "Rsqrt",
  "Acos",
  "Asin",
  "Cosh",
  "Sinh",
  "Tan",
  "Softplus",
]);
add("float32", "softmax", ["Softmax", "LogSoftmax"]);
add("float32", "reduction", ["Sum", "Prod", "Mean", "Max", "Min", "Cumsum", "Cumprod"]);
add("float32", "norm", ["FusedBatchNorm", "LRN", "LRNGrad"]);

// ---- passthrough: outputs are input values (or their negation), no rounding needed ----
add("passthrough", "elementwise", [
  "Identity",
  "Reshape",
  "Transpose",
  "Slice",
  "StridedSlice",
  "Concat",
  "Pack",
  "Unpack",
  "SplitV",
  "Tile",
  "GatherV2",
  "GatherNd",
  "Reverse",
  "MirrorPad",
  "Neg",
  "Abs",
  "Maximum",
  "Minimum",
  "Select",
  "ZerosLike",
  "Cast",
  "Floor",
  "Ceil",
  "Sign",
  "DepthToSpace",
  "SpaceToBatchND",
  "BatchToSpaceND",
  "MaxPool",
  "MaxPool3D",
]);
add("passthrough", "activation", ["Relu"]);

// ---- promote, listed for their family (overrides by family reach them) ----
add("promote", "activation", ["Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "LeakyRelu", "Step", "EluGrad", "Erf"]);

export const OP_ENTRIES: Readonly<Record<string, OpEntry>> = Object.freeze(entries);

const DEFAULT_ENTRY: OpEntry = Object.freeze({ kind: "promote", family: "elementwise" });

/** The entry of a kernel; unlisted kernels promote, in the "elementwise" family. */
export function opEntry(kernelName: string): OpEntry {
  return OP_ENTRIES[kernelName] ?? DEFAULT_ENTRY;
}

/** Kernels of the backward pass by name (they also run in the backward pass by position). */
export function isGradientKernel(kernelName: string): boolean {
  return /Backprop(Input|Filter)(V2)?$|Grad$/.test(kernelName);
}

/**
 * The kind every op gets inside a region forced to a family: inside a BatchNormalization layer all
 * ops are "norm" and run in float32, inside the trainer's loss all ops are "loss", and so on.
 */
export const FAMILY_KIND: Readonly<Record<Family, OpKind>> = Object.freeze({
  matmul: "lower",
  conv: "lower",
  norm: "float32",
  softmax: "float32",
  reduction: "float32",
  loss: "float32",
  transcendental: "float32",
  activation: "promote",
  elementwise: "promote",
});

/**
 * tf.layers classes whose whole call is one family (getClassName()): normalization layers compose
 * their statistics from Mean, Sub, Square, ... and PyTorch runs layer_norm/group_norm/batch_norm in
 * float32 as a whole; a Softmax layer is softmax.
 */
export const LAYER_FAMILIES: Readonly<Record<string, Family>> = Object.freeze({
  BatchNormalization: "norm",
  LayerNormalization: "norm",
  Softmax: "softmax",
});
