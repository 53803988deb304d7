// Op families: the groups autocast sorts tfjs kernels into (DESIGN.md section 4, after PyTorch's
// autocast op lists). Policies name them in overrides ({ match: { family: "norm" } }); autocast maps
// each kernel to one family when it wraps the backend's kernels.
import { didYouMean } from "./suggest.js";

export const FAMILIES = Object.freeze({
  matmul: "MatMul, BatchMatMul, and their backprops: inputs rounded to the compute format, float32 accumulation",
  conv: "Conv2D, DepthwiseConv2dNative, Conv2DBackprop*: like matmul",
  norm: "batch/layer normalization (FusedBatchNorm and the ops of a composed norm)",
  softmax: "Softmax, LogSoftmax",
  reduction: "Sum, Mean, Max, Min, Prod and the other reductions",
  loss: "losses (cross-entropy, MSE): float32 in PyTorch's lists",
  transcendental: "Exp, Log, Pow, Sqrt, Rsqrt and friends: float32 in PyTorch's lists",
  activation: "Relu, Relu6, Elu, Sigmoid, Tanh, Gelu, ...",
  elementwise: "everything else elementwise (Add, Mul, ...): the widest input format",
} as const);

export type Family = keyof typeof FAMILIES;

export const FAMILY_NAMES: readonly Family[] = Object.freeze(Object.keys(FAMILIES) as Family[]);

export function isFamily(name: unknown): name is Family {
  return typeof name === "string" && (FAMILY_NAMES as readonly string[]).includes(name);
}

/** The family of that name, or an error naming the closest family and listing all. */
export function family(name: string): Family {
  if (isFamily(name)) return name;
  throw new Error(`Unknown op family "${String(name)}".${didYouMean(String(name), FAMILY_NAMES)} Families: ${FAMILY_NAMES.join(", ")}.`);
}
