// End to end on Fashion-MNIST (Debian's dataset-fashion-mnist): LeNet trained for the same steps,
// from the same initial weights and data order, under float32, mixed_float16 (dynamic loss
// scaling) and mixed_bfloat16 reaches within one point of float32's accuracy on the held-out test
// split (10,000 images). On the default backend (wasm, with tsamp's conv backprop kernels).
// Runs of different seeds differ from float32 by 0.0-0.8 points (paired: same weights, same
// batches); the initial weights are seeded so that the test is repeatable.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { fashionMnist, FASHION_MNIST_DIR } from "../../lib/data/fashion-mnist.js";
import { amp, models } from "../../lib/index.js";

const present = existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
if (!present) console.warn(`Fashion-MNIST is not installed (${FASHION_MNIST_DIR}): apt-get install dataset-fashion-mnist`);

describe.skipIf(!present)("Fashion-MNIST, LeNet, 300 steps of 64 (Adam, cosine schedule)", () => {
  let train: { x: tf.Tensor; y: tf.Tensor };
  let test: { x: tf.Tensor; y: tf.Tensor };
  beforeAll(async () => {
    await backends.auto();
    train = fashionMnist({ split: "train", limit: 19200 });
    test = fashionMnist({ split: "test" });
  });
  afterAll(() => tf.dispose([train.x, train.y, test.x, test.y]));

  it("mixed_float16 and mixed_bfloat16 land within 1 point of float32", async () => {
    const result = await amp.compare(
      { float32: "float32", mixed_float16: "mixed_float16", mixed_bfloat16: "mixed_bfloat16" },
      {
        data: train,
        steps: 300,
        batchSize: 64,
        seed: 0,
        model: () => models.lenet({ inputShape: [28, 28, 1], seed: 100 }),
        optimizer: () => amp.optim.adam({ lr: 3e-3, schedule: amp.schedule.cosine({ totalSteps: 300, warmupSteps: 20 }) }),
        validation: test,
        verbose: 0,
      },
    );
    console.log(`${backends.current()}:\n${String(result)}`);
    const acc = (name: string) => result.runs[name]!.validation!["accuracy"]!;
    expect(acc("float32")).toBeGreaterThan(0.8);
    expect(Math.abs(acc("mixed_float16") - acc("float32"))).toBeLessThanOrEqual(0.01);
    expect(Math.abs(acc("mixed_bfloat16") - acc("float32"))).toBeLessThanOrEqual(0.01);
    expect(result.runs["mixed_float16"]!.lossScale).toBe("dynamic");
  }, 240_000);
});
