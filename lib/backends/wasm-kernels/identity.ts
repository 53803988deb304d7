// Identity and a Cast to the same dtype on the wasm backend: tfjs-backend-wasm 4.22's kernels copy
// the tensor; ours return the same data with its reference count raised, as its Reshape does and as
// tfjs-backend-cpu's Identity and Cast do (tensors are immutable; a variable's assign swaps its data
// rather than writing into it). The engine clones every tensor that a gradient keeps for the
// backward pass (saveTensorsForBackwardMode), and a ReLU's gradient casts its input to float32, so
// these copies were about 1 ms of a LeNet training step. Strings and real casts pass through.
import * as tf from "../../tf.js";

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function sharedIdentity(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    return x.dtype === "string" ? original.kernelFunc(args) : share(x, args.backend);
  };
  return { ...original, kernelFunc };
}

export function sharedCast(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    return dtype === x.dtype && x.dtype !== "string" ? share(x, args.backend) : original.kernelFunc(args);
  };
  return { ...original, kernelFunc };
}
