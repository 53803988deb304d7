// The input side of a strided convolution's transpose: dy spread out by the strides.
import type * as tf from "../../tf.js";
import type { KernelScope } from "./compose.js";

/**
 * dy [N, OH, OW, K] -> [N, OH*sh, OW*sw, K] holding dy[n, oh, ow] at row oh*sh, column ow*sw and
 * zeros elsewhere: one pad of a 6-d view, no loop. The trailing zero rows and columns are harmless
 * (the caller crops or pads to the length it reads).
 */
export function spread(k: KernelScope, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [N, OH, OW, K] = dy.shape as [number, number, number, number];
  const padded = k.run(
    "PadV2",
    { x: k.reshape(dy, [N, OH, 1, OW, 1, K]) },
    { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 },
  );
  return k.reshape(padded, [N, OH * sh, OW * sw, K]);
}
