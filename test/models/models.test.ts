// The model builders: shapes, parameter counts of the classic architectures, options and errors.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { amp, models } from "../../lib/index.js";

beforeAll(async () => {
  await backends.use("wasm");
});

describe("models.lenet", () => {
  it("is LeNet-5 on 32x32x3: 6-16-120-84 with 5x5 convolutions", () => {
    const m = models.lenet();
    expect(m.inputs[0]!.shape).toEqual([null, 32, 32, 3]);
    expect(m.outputs[0]!.shape).toEqual([null, 10]);
    // conv1 5*5*3*6+6, conv2 5*5*6*16+16, fc1 400*120+120, fc2 120*84+84, logits 84*10+10
    expect(m.countParams()).toBe(456 + 2416 + 48120 + 10164 + 850);
    expect(m.layers.map((l) => l.getClassName())).toEqual(["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense", "Dense"]);
    m.dispose();
  });

  it("pads the first convolution on 28x28x1 to keep the 5x5x16 feature map; tanh and average pooling on request", () => {
    const m = models.lenet({ inputShape: [28, 28, 1], classes: 10, activation: "tanh", pooling: "avg", softmax: true });
    expect(m.countParams()).toBe(156 + 2416 + 48120 + 10164 + 850);
    expect(m.layers[1]!.getClassName()).toBe("AveragePooling2D");
    const y = m.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    expect(y.sum().dataSync()[0]).toBeCloseTo(2, 5); // softmax rows
    y.dispose();
    m.dispose();
  });

  it("rejects bad options", () => {
    expect(() => models.lenet({ inputShape: [28, 28] })).toThrow(/inputShape/);
    expect(() => models.lenet({ clases: 3 } as never)).toThrow(/Did you mean "classes"/);
    expect(() => models.lenet({ activation: "gelu" as never })).toThrow(/relu/);
  });
});

describe("models.mlp", () => {
  it("stacks dense layers and flattens image inputs", () => {
    const m = models.mlp({ inputSize: 784, hidden: [256, 64], classes: 10 });
    expect(m.countParams()).toBe(784 * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10);
    m.dispose();
    const img = models.mlp({ inputSize: [28, 28, 1], hidden: [32], classes: 5 });
    const y = img.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor;
    expect(y.shape).toEqual([3, 5]);
    tf.dispose(y);
    img.dispose();
    const linear = models.mlp({ inputSize: 4, hidden: [], classes: 2 });
    expect(linear.countParams()).toBe(10);
    linear.dispose();
  });
});

describe("models.resnet", () => {
  it("is a small residual network with batch norm and projection shortcuts", () => {
    const m = models.resnet({ inputShape: [16, 16, 3], classes: 4, blocks: [1, 1], width: 8 });
    const classes = m.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === "BatchNormalization").length).toBe(1 + 2 + 3); // stem, block 1, block 2 + projection
    expect(classes.filter((c) => c === "Add").length).toBe(2);
    expect(m.getLayer("s2b1_proj").getClassName()).toBe("Conv2D");
    const y = m.predict(tf.randomNormal([2, 16, 16, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 4]);
    y.dispose();
    m.dispose();
  });

  it("trains under mixed_float16 with its batch norms in float32", async () => {
    const m = models.resnet({ inputShape: [8, 8, 3], classes: 3, blocks: [1, 1], width: 4 });
    const t = amp.trainer({ model: m, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.05, momentum: 0.9 }), policy: "mixed_float16" });
    const x = tf.randomNormal([12, 8, 8, 3], 0, 1, "float32", 41);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], "int32");
    const first = await t.step(x, y);
    let last = first;
    for (let i = 0; i < 15; i++) last = await t.step(x, y);
    expect(last.loss).toBeLessThan(first.loss);
    tf.dispose([x, y]);
    m.dispose();
  });
});
