// backends and webgpu: starting tfjs-backend-webgpu in Node on Dawn (the `webgpu` package), how an
// adapter is classified, and auto() passing over a CPU adapter (lavapipe is slower than wasm).
//
// With no adapter here: TSAMP_REQUIRE_WEBGPU=1 (test.sh) makes that a failure with the reason;
// otherwise the tests that need one are skipped, with a warning on the console.
import { describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends, quantize } from "../../lib/index.js";
import { QUANTIZE_KERNEL } from "../../lib/formats/kernels/attrs.js";
import { resolvePackage } from "../../lib/backends/packages.js";
import { webgpuAutoSkipReason } from "../../lib/backends/optional.js";
import { describeAdapter, noAdapterError, probeAdapter } from "../../lib/backends/webgpu.js";

const REQUIRE = process.env["TSAMP_REQUIRE_WEBGPU"] === "1";
const installed = resolvePackage("@tensorflow/tfjs-backend-webgpu") !== null && resolvePackage("webgpu") !== null;

let adapter: Awaited<ReturnType<typeof probeAdapter>> = null;
let unavailable: string | null = null;
try {
  adapter = installed ? await probeAdapter() : null;
  if (adapter === null) unavailable = installed ? noAdapterError().message : "tfjs-backend-webgpu or webgpu is not installed";
} catch (err) {
  unavailable = (err as Error).message;
}
if (unavailable !== null && !REQUIRE) {
  console.warn(`\n*** SKIPPED parts of test/backends/webgpu.test.ts: no WebGPU adapter here: ${unavailable}\n`);
}
const needsAdapter = it.skipIf(unavailable !== null && !REQUIRE);

describe("webgpu adapters", () => {
  it("classifies CPU adapters as software", () => {
    const lavapipe = {
      info: { vendor: "mesa", architecture: "software", device: "llvmpipe-llvm-15", description: "llvmpipe: Mesa 25.0.7", isFallbackAdapter: true },
      features: new Set(["shader-f16", "timestamp-query"]),
    };
    expect(describeAdapter(lavapipe)).toEqual({
      vendor: "mesa",
      architecture: "software",
      device: "llvmpipe-llvm-15",
      description: "llvmpipe: Mesa 25.0.7",
      software: true,
      features: ["shader-f16", "timestamp-query"],
    });
    // The older place of the flag, and a software rasterizer that sets no flag at all.
    expect(describeAdapter({ info: {}, isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapter({ info: { vendor: "google", description: "SwiftShader Device (Subzero)" } }).software).toBe(true);
    const nvidia = { info: { vendor: "nvidia", architecture: "hopper", device: "", description: "NVIDIA H100", isFallbackAdapter: false } };
    expect(describeAdapter(nvidia).software).toBe(false);
  });

  it("says what to install when there is no adapter", () => {
    expect(noAdapterError().message).toMatch(
      /^backend "webgpu": no GPU adapter .*Mesa >= 24's lavapipe.*apt-get install -t bookworm-backports mesa-vulkan-drivers/,
    );
  });

  it.runIf(installed)("lists webgpu as available when its packages are installed", () => {
    expect(backends.available()).toContain("webgpu");
    expect(backends.available().indexOf("webgpu")).toBeLessThan(backends.available().indexOf("wasm"));
  });

  needsAdapter("finds an adapter (TSAMP_REQUIRE_WEBGPU=1 makes this required)", () => {
    if (unavailable !== null) throw new Error(`TSAMP_REQUIRE_WEBGPU=1 but there is no WebGPU adapter: ${unavailable}`);
    console.info(`webgpu adapter: ${JSON.stringify({ ...adapter, features: adapter!.features.length })}`);
    expect(adapter!.description + adapter!.device + adapter!.vendor).not.toBe("");
  });
});

describe("backends with webgpu", () => {
  // Before anything starts webgpu: auto() looks at the adapter without starting the backend.
  needsAdapter("auto() passes over a CPU adapter and picks the next backend; a GPU one it starts", async () => {
    const report = await backends.autoReport();
    if (adapter!.software) {
      expect(report.chosen).toBe("wasm");
      expect(report.skipped).toEqual([{ name: "webgpu", reason: expect.stringMatching(/CPU adapter|CPU one/) }]);
      expect(await webgpuAutoSkipReason()).toMatch(/backends\.use\("webgpu"\) starts it anyway/);
    } else if (!backends.available().some((n) => n === "tensorflow" || n === "tensorflow-gpu")) {
      expect(report.chosen).toBe("webgpu");
      expect(await webgpuAutoSkipReason()).toBeNull();
    }
  });

  needsAdapter("use('webgpu') starts it in Node, with Dawn's globals and the quantize kernel", async () => {
    expect(await backends.use("webgpu")).toBe("webgpu");
    expect(backends.current()).toBe("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    const g = globalThis as Record<string, unknown>;
    for (const name of ["GPUBufferUsage", "GPUMapMode", "GPUShaderStage", "GPUTextureUsage"]) expect(g[name]).toBeDefined();
    expect((g["navigator"] as { gpu?: unknown }).gpu).toBeDefined();
    expect(tf.getKernel(QUANTIZE_KERNEL, "webgpu")).toBeDefined();
    const y = tf.mul(tf.tensor1d([1, 2, 3]), 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    y.dispose();
  });

  needsAdapter("switches between webgpu, wasm and cpu, with the kernel on each", async () => {
    for (const name of ["webgpu", "wasm", "cpu", "webgpu"] as const) {
      await backends.use(name);
      const x = tf.tensor1d([65520, 1 / 3]);
      const y = tf.engine().runKernel(QUANTIZE_KERNEL, { x }, {
        exponentBits: 5, mantissaBits: 10, bias: 15, rule: "ieee", rounding: "nearest-even", saturate: true, seed: 0,
      }) as tf.Tensor;
      expect(Array.from(await y.data())).toEqual([65504, 0.333251953125]);
      tf.dispose([x, y]);
    }
  });

  needsAdapter("explains that Node cannot read webgpu tensors synchronously", async () => {
    await backends.use("webgpu");
    // Tiny elementwise ops may run on the CPU (WEBGPU_CPU_FORWARD); a WGSL kernel's output is on the GPU.
    const x = tf.tensor1d([1, 2.5]);
    const y = quantize(x, "fp4");
    expect(() => y.dataSync()).toThrow(/cannot read a tensor synchronously in Node.*await tensor\.data\(\)/);
    expect(Array.from(await y.data())).toEqual([1, 2]);
    expect(y.dataSync()).toEqual(new Float32Array([1, 2])); // cached on the CPU after the async read
    tf.dispose([x, y]);
  });
});
