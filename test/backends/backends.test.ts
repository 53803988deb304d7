// backends: starting cpu and wasm, the preference order, and the errors for what is not here.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import * as tf from "../../lib/tf.js";
import { backends, quantize } from "../../lib/index.js";
import { QUANTIZE_KERNEL } from "../../lib/formats/kernels/attrs.js";
import { resolvePackage } from "../../lib/backends/packages.js";
import { requireAdapter } from "../../lib/backends/optional.js";

// This suite runs on machines without tfjs-node, tfjs-node-gpu or tfjs-backend-webgpu installed
// (they are optional: DESIGN.md section 5). Where one is installed, its expectations are skipped.
const has = (pkg: string) => resolvePackage(pkg) !== null;

describe("backends", () => {
  it("lists what is installed, in order of preference", () => {
    const names = backends.available();
    expect(names.slice(-2)).toEqual(["wasm", "cpu"]);
    const order = ["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"];
    expect([...names].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(names);
  });

  it("auto() picks wasm on a CPU-only machine", async () => {
    const report = await backends.autoReport();
    const gpuish = ["tensorflow-gpu", "tensorflow", "webgpu"].filter((n) => backends.available().includes(n as never));
    if (gpuish.length === 0) {
      expect(report.chosen).toBe("wasm");
      expect(report.failures).toEqual([]);
    }
    expect(backends.current()).toBe(report.chosen);
    expect(tf.getBackend()).toBe(report.chosen === "tensorflow-gpu" ? "tensorflow" : report.chosen);
  });

  it("starts wasm from the binaries in node_modules, single-threaded, with the quantize kernel", async () => {
    expect(await backends.use("wasm")).toBe("wasm");
    expect(backends.current()).toBe("wasm");
    const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as { getThreadsCount(): number };
    expect(wasm.getThreadsCount()).toBe(1);
    const entry = resolvePackage("@tensorflow/tfjs-backend-wasm")!;
    expect(existsSync(entry.replace(/[^/]+$/, "tfjs-backend-wasm-simd.wasm"))).toBe(true);
    expect(tf.getKernel(QUANTIZE_KERNEL, "wasm")).toBeDefined();
    const y = quantize(tf.tensor1d([1 / 3]), "bf16");
    expect(y.dataSync()[0]).toBe(0.333984375); // 1/3 = 1.0101010101...b * 2^-2; bf16 keeps 7 bits, rounds up
    expect(tf.engine().state.tensorInfo.get(y.dataId)?.backend).toBe(tf.findBackend("wasm"));
    y.dispose();
  });

  it("switches between cpu and wasm, keeping the kernel on each", async () => {
    for (const name of ["cpu", "wasm", "cpu"] as const) {
      expect(await backends.use(name)).toBe(name);
      expect(tf.getBackend()).toBe(name);
      expect(tf.getKernel(QUANTIZE_KERNEL, name)).toBeDefined();
      const y = quantize(tf.tensor1d([65520]), "fp16", { saturate: true });
      expect(y.dataSync()[0]).toBe(65504);
      y.dispose();
    }
  });

  it("accepts names case-insensitively and rejects unknown ones", async () => {
    expect(await backends.use(" CPU ")).toBe("cpu");
    await expect(backends.use("webgl")).rejects.toThrow(
      /Unknown backend "webgl": use one of "tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"/,
    );
  });

  it.runIf(!has("@tensorflow/tfjs-node"))("explains that tensorflow needs @tensorflow/tfjs-node", async () => {
    await expect(backends.use("tensorflow")).rejects.toThrow(
      /backend "tensorflow" needs the npm package @tensorflow\/tfjs-node, which is not installed.*install\.sh --gpu/,
    );
  });

  it.runIf(!has("@tensorflow/tfjs-node-gpu"))("explains that tensorflow-gpu needs @tensorflow/tfjs-node-gpu and CUDA", async () => {
    await expect(backends.use("tensorflow-gpu")).rejects.toThrow(
      /needs the npm package @tensorflow\/tfjs-node-gpu, which is not installed.*CUDA 11\.2 and cuDNN 8\.1/,
    );
  });

  it("explains a missing GPU adapter", async () => {
    await expect(requireAdapter({ requestAdapter: async () => null })).rejects.toThrow(
      /no GPU adapter.*Mesa >= 24's lavapipe/,
    );
    await expect(requireAdapter({ requestAdapter: async () => ({}) })).resolves.toBeUndefined();
  });

  // The webgpu package is an optional dependency that npm installs everywhere, so the "not
  // installed" path is exercised through tfjs-node, which CI machines cannot install.
  it.runIf(!has("@tensorflow/tfjs-node"))("a failed use() leaves the active backend as it was", async () => {
    await backends.use("wasm");
    await expect(backends.use("tensorflow")).rejects.toThrow();
    expect(backends.current()).toBe("wasm");
  });
});
