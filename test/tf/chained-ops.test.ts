import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";

const chainedDir = join(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-core/package.json")), "dist/public/chained_ops");

describe("chained ops", () => {
  it("installs every method tfjs-core declares", () => {
    const declared = readdirSync(chainedDir)
      .filter((f) => f.endsWith(".js") && !f.startsWith("register_all"))
      .flatMap((f) => [...readFileSync(join(chainedDir, f), "utf8").matchAll(/prototype\.(\w+)\s*=/g)].map((m) => m[1]));
    expect(declared.length).toBeGreaterThan(130);
    const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
    expect(declared.filter((name) => typeof proto[name] !== "function")).toEqual([]);
  });

  it("computes what the ops compute", () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, -2, 3, -4]);
      expect(Array.from(x.add(tf.scalar(1)).dataSync())).toEqual([2, -1, 4, -3]);
      expect(Array.from(x.abs().square().dataSync())).toEqual([1, 4, 9, 16]);
      expect(x.as2D(2, 2).shape).toEqual([2, 2]);
      expect(x.reshapeAs(tf.zeros([4, 1])).shape).toEqual([4, 1]);
      expect(Array.from(x.concat(tf.tensor1d([5])).dataSync())).toEqual([1, -2, 3, -4, 5]);
      expect(x.stack(x).shape).toEqual([2, 4]);
      expect(Array.from(x.where(tf.tensor1d([1, 0, 1, 0], "bool"), tf.zeros([4])).dataSync())).toEqual([1, 0, 3, 0]);
      expect(x.toInt().dtype).toBe("int32");
      expect(() => x.asScalar()).toThrow(/exactly 1 element/);
    });
  });

  it("refuses a disposed tensor", () => {
    const x = tf.scalar(1);
    x.dispose();
    expect(() => x.add(tf.scalar(1))).toThrow(/disposed/);
  });
});
