// Running tfjs-backend-wasm's own kernels from inside one of ours. We call their kernelFuncs with the
// backend directly (as tfjs backends compose their own kernels), not through tf ops: nothing lands on
// the engine's tape or in its tensor count, and every intermediate is freed by refcount when the
// composed kernel returns, or throws. We call the kernels as they were when ours were registered,
// not what the registry holds now: whatever wraps kernels later (autocast rounds a wrapped kernel's
// inputs and outputs) wraps ours as a whole, and must not act again on their insides.
import * as tf from "../../tf.js";

const base = new Map<string, tf.KernelConfig>();

/** Records the wasm backend's kernels as they are now, for composed kernels to call. */
export function rememberBaseKernels(): void {
  for (const k of tf.getKernelsForBackend("wasm")) base.set(k.kernelName, k);
}

/** The part of BackendWasm our kernels use (typed structurally: the backend's class is not exported). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export function asWasm(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

/** Hands out the wasm backend's kernels and remembers what they allocated. */
export class KernelScope {
  private readonly made: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Runs the wasm kernel `name`; its output lives until the scope ends unless it is the result. */
  run(name: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const kernel = base.get(name) ?? tf.getKernel(name, "wasm");
    if (kernel === undefined) throw new Error(`tsamp wasm kernels: the wasm backend has no ${name} kernel`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend as unknown as tf.KernelBackend,
    }) as tf.TensorInfo;
    this.made.push(out);
    return out;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i])
      ? x
      : this.run("Reshape", { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run("Transpose", { x }, { perm });
  }

  /** A new float32 tensor of zeros (not owned by the scope: meant as a result). */
  zeros(shape: number[]): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, "float32");
    this.backend.typedArrayFromHeap(out).fill(0);
    return out;
  }

  /** Frees every intermediate except `result`, which the caller returns as the kernel's output. */
  end(result: tf.TensorInfo | null): void {
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` in a scope and returns its result with every intermediate freed, also on throw. */
export function composed(backend: unknown, body: (k: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(asWasm(backend));
  let result: tf.TensorInfo | null = null;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.end(result);
  }
}
