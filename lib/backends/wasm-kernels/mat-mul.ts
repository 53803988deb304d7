// BatchMatMul and _FusedMatMul on the wasm backend: tfjs-backend-wasm 4.22's kernels, wrapped where
// they are slow or wrong.
// - Slow: the package sends only the plain product of one matrix pair to XNNPACK; a transposed
//   operand takes a plain C++ loop, 3x to 15x slower than transposing the operand first and
//   multiplying through XNNPACK (64x400 by 400x120: 3.6-4.6 ms against 0.5-1.1 ms). Every matMul
//   gradient is a transposed product, so this was most of a dense layer's backward pass. Where the
//   package would take its loop we transpose explicitly and call it untransposed. Batched products
//   (more than one matrix pair) take the loop either way, and pass through.
// - Wrong: its _FusedMatMul adds the bias wrongly when there is more than one matrix pair (only the
//   first row of each matrix gets it right; the others got bias[last] in every column in our runs).
//   There we multiply unfused, then add the bias and apply the activation with the package's kernels.
// - Also slow for a training step's products: XNNPACK packs B anew whenever B is a new tensor (every
//   weight after an update, every gradient), so a plain BatchMatMul of one matrix pair (M >= 4,
//   N >= 8, float32, moderate size) goes to simd/kernels.wat's gemm instead, which reads B as it
//   is and A either way round (only a transposed B is transposed first): 1.4x to 1.9x faster on
//   LeNet's dense layers than the package's path.
import * as tf from "../../tf.js";
import { composed, type KernelScope } from "./compose.js";
import { simdOf } from "./simd.js";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const batchOf = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2));

/** The fused activations (backend_util.Activation), as the wasm kernels that compute them. */
function activate(k: KernelScope, x: tf.TensorInfo, attrs: MatMulAttrs, prelu: tf.TensorInfo | undefined): tf.TensorInfo {
  switch (attrs.activation ?? "linear") {
    case "linear":
      return x;
    case "relu":
      return k.run("Relu", { x });
    case "relu6":
      return k.run("Relu6", { x });
    case "elu":
      return k.run("Elu", { x });
    case "sigmoid":
      return k.run("Sigmoid", { x });
    case "leakyrelu":
      return k.run("LeakyRelu", { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case "prelu":
      return k.run("Prelu", { x, alpha: prelu! });
    default:
      throw new Error(`_FusedMatMul: unknown activation ${attrs.activation}`);
  }
}

/**
 * Largest B (K*N elements) for the SIMD gemm: it sweeps all of B for every four rows of A and does
 * not block for caches, as XNNPACK does; past 1 MiB of B (64x1024x1024) XNNPACK was faster.
 */
const SIMD_GEMM_MAX_B = 1 << 18;

/** The product of one matrix pair by the SIMD gemm, or null where it does not apply. */
function simdMatMul(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, attrs: MatMulAttrs): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [M, K] = attrs.transposeA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [K2, N] = attrs.transposeB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (K !== K2 || M < 4 || N < 8 || K < 1 || K * N > SIMD_GEMM_MAX_B) return null;
  const s = simdOf(backend);
  if (s === null) return null;
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return composed(backend, (k) => {
    const bN = attrs.transposeB ? k.transpose(b, swapLastTwo(rb)) : b;
    const out = s.backend.makeOutput([...batch, M, N], "float32");
    (attrs.transposeA ? s.ex.gemmTN : s.ex.gemmNN)(s.ptr(a), s.ptr(bN), s.ptr(out), M, N, K);
    return out;
  });
}

/** A config for `original`'s kernel (BatchMatMul or _FusedMatMul) that avoids its slow and wrong paths. */
export function wrappedMatMul(original: tf.KernelConfig): tf.KernelConfig {
  const fused = original.kernelName === tf._FusedMatMul;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights: prelu } = args.inputs as Record<string, tf.TensorInfo | undefined> & {
      a: tf.TensorInfo;
      b: tf.TensorInfo;
    };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const batched = batchOf(a) !== 1 || batchOf(b) !== 1;
    const epilogue = fused && (bias != null || (attrs.activation ?? "linear") !== "linear");
    if (batched && epilogue) {
      return composed(args.backend, (k) => {
        const product = k.run(tf.BatchMatMul, { a, b }, { transposeA: attrs.transposeA, transposeB: attrs.transposeB });
        const biased = bias == null ? product : k.run("Add", { a: product, b: bias });
        return activate(k, biased, attrs, prelu);
      });
    }
    if (!fused && !batched) {
      const product = simdMatMul(args.backend, a, b, attrs);
      if (product !== null) return product;
    }
    if (batched || (!attrs.transposeA && !attrs.transposeB)) return original.kernelFunc(args);
    return composed(args.backend, (k) => {
      const aT = attrs.transposeA ? k.transpose(a, swapLastTwo(a.shape.length)) : a;
      const bT = attrs.transposeB ? k.transpose(b, swapLastTwo(b.shape.length)) : b;
      return original.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: aT, b: bT },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    });
  };
  // The package's setupFunc binds its C++ function; the engine calls it on the registered config.
  return { ...original, kernelFunc };
}
