// A small ResNet (He et al. 2016) for 32x32-ish images, NHWC, with batch norm: a 3x3 stem, stages
// of basic blocks (conv3x3-BN-relu-conv3x3-BN + shortcut, relu), the first block of each later
// stage halving the resolution and doubling the width (1x1 projection shortcut), global average
// pooling, dense logits. blocks [2, 2, 2] with width 16 is ResNet-14-ish; [3, 3, 3] is ResNet-20.
import * as tf from "../tf.js";
import { checkKeys, initializer, positiveInt, shapeOf } from "./options.js";

export interface ResnetOptions {
  /** [height, width, channels]; default [32, 32, 3]. */
  inputShape?: readonly number[];
  classes?: number;
  /** Basic blocks per stage; default [2, 2, 2]. */
  blocks?: readonly number[];
  /** Channels of the first stage (doubled at each later stage); default 16. */
  width?: number;
  softmax?: boolean;
  /** Seeds the weight initializers: the same seed, the same initial weights. */
  seed?: number;
  name?: string;
}

export function resnet(opts: ResnetOptions = {}): tf.LayersModel {
  checkKeys("models.resnet", opts, ["inputShape", "classes", "blocks", "width", "softmax", "seed", "name"]);
  const inputShape = shapeOf("models.resnet", opts.inputShape ?? [32, 32, 3], 3);
  const classes = positiveInt("models.resnet: classes", opts.classes ?? 10);
  const blocks = opts.blocks ?? [2, 2, 2];
  if (!Array.isArray(blocks) || blocks.length === 0) throw new TypeError("models.resnet: blocks is a non-empty array of blocks per stage, e.g. [2, 2, 2]");
  blocks.forEach((b, i) => positiveInt(`models.resnet: blocks[${i}]`, b));
  const width = positiveInt("models.resnet: width", opts.width ?? 16);

  let layerIndex = 0;
  const conv = (filters: number, kernelSize: number, strides: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: "same", useBias: false, kernelInitializer: initializer("heNormal", opts.seed, layerIndex++), name });
  const bn = (name: string) => tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name });
  const relu = (name: string) => tf.layers.activation({ activation: "relu", name });

  const input = tf.input({ shape: [...inputShape], name: "input" });
  let x = conv(width, 3, 1, "stem_conv").apply(input) as tf.SymbolicTensor;
  x = bn("stem_bn").apply(x) as tf.SymbolicTensor;
  x = relu("stem_relu").apply(x) as tf.SymbolicTensor;
  let channels = width;
  blocks.forEach((count, stage) => {
    const filters = width * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const strides = stage > 0 && b === 0 ? 2 : 1;
      const p = `s${stage + 1}b${b + 1}`;
      let y = conv(filters, 3, strides, `${p}_conv1`).apply(x) as tf.SymbolicTensor;
      y = bn(`${p}_bn1`).apply(y) as tf.SymbolicTensor;
      y = relu(`${p}_relu1`).apply(y) as tf.SymbolicTensor;
      y = conv(filters, 3, 1, `${p}_conv2`).apply(y) as tf.SymbolicTensor;
      y = bn(`${p}_bn2`).apply(y) as tf.SymbolicTensor;
      let shortcut = x;
      if (strides !== 1 || channels !== filters) {
        shortcut = conv(filters, 1, strides, `${p}_proj`).apply(x) as tf.SymbolicTensor;
        shortcut = bn(`${p}_proj_bn`).apply(shortcut) as tf.SymbolicTensor;
      }
      x = tf.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
      x = relu(`${p}_relu2`).apply(x) as tf.SymbolicTensor;
      channels = filters;
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: opts.softmax ? "softmax" : "linear", kernelInitializer: initializer("glorotUniform", opts.seed, layerIndex++), name: "logits" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: opts.name ?? "resnet" });
}
