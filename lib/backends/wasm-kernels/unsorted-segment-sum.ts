// UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks and which the gradient of gather (so of
// every embedding lookup) needs. A direct loop over the wasm heap: composed from wasm kernels it
// would be a one-hot matmul (numSegments times the work) or ScatterNd (which does not drop
// out-of-range ids). Ids outside [0, numSegments) are dropped, as in TensorFlow and tfjs-backend-cpu.
import * as tf from "../../tf.js";
import { asWasm } from "./compose.js";

const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const wasm = asWasm(backend);
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
  }
  const idRank = segmentIds.shape.length;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape.slice(idRank));

  const out = wasm.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  const sums = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  sums.fill(0);
  if (sums.length === 0 || rows === 0) return out;
  const values = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
  for (let r = 0; r < rows; r++) {
    const id = ids[r]!;
    if (id < 0 || id >= numSegments) continue;
    const from = r * inner;
    const to = id * inner;
    for (let j = 0; j < inner; j++) sums[to + j] = sums[to + j]! + values[from + j]!;
  }
  return out;
};

export const unsortedSegmentSumKernel: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSum,
};
