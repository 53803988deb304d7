// Starting tfjs-backend-wasm in Node. Its .wasm binaries sit next to its node bundle in
// node_modules; we point it there explicitly (setWasmPaths) so that a bundler or a changed working
// directory cannot make it look elsewhere, and we check they exist to fail with a useful message.
import { existsSync } from "node:fs";
import * as tf from "../tf.js";
import { importPackage, packageDir } from "./packages.js";
import { registerWasmKernels } from "./wasm-kernels/index.js";

const PACKAGE = "@tensorflow/tfjs-backend-wasm";
const BINARIES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

let prepared = false;

/** Imports the wasm backend (which registers it with tfjs) and sets where its binaries are. */
export async function prepareWasm(): Promise<void> {
  if (prepared) return;
  const dir = packageDir(PACKAGE);
  if (dir === null) {
    throw new Error(`backend "wasm" needs the npm package ${PACKAGE}, which is not installed`);
  }
  const missing = BINARIES.filter((b) => !existsSync(`${dir}/${b}`));
  if (missing.length > 0) {
    throw new Error(`backend "wasm": ${missing.join(", ")} missing from ${dir} (reinstall ${PACKAGE})`);
  }
  const wasm = (await importPackage(PACKAGE)) as { setWasmPaths?: (prefix: string) => void };
  // The threaded build starts its workers from Blob URLs, which Node cannot run (tfjs issue #3830);
  // tfjs already answers "no threads" in Node, and we pin it so the single-threaded SIMD (or plain)
  // binary is always the one used here. (The flag exists once the package is imported.)
  if (tf.env().getBool("IS_NODE")) tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (tf.findBackendFactory("wasm") == null) {
    throw new Error(
      `backend "wasm": ${PACKAGE} registered itself with another copy of @tensorflow/tfjs-core ` +
        `(versions differ from ${tf.version_core}); install matching versions`,
    );
  }
  // setWasmPaths refuses once the backend has started; if someone already started it, it found
  // its binaries, so there is nothing to set. (engine.registry, not findBackend: that would start it.)
  if (tf.engine().registry["wasm"] === undefined) wasm.setWasmPaths?.(`${dir}/`);
  registerWasmKernels(); // after the package registered its own: see wasm-kernels/index.ts
  prepared = true;
}
