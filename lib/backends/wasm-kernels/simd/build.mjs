// Compiles kernels.wat (beside this file) with wabt into ../simd-binary.ts: the module's bytes as
// base64, in two variants that differ only in their memory import (see MEMORIES); how and why in
// lib/wasm-build/wat-module.mjs. `npm run build` runs this (build:wasm);
// test/backends/wasm-simd-kernels.test.ts compiles again and compares.
//
//   node lib/backends/wasm-kernels/simd/build.mjs          write ../simd-binary.ts
//   node lib/backends/wasm-kernels/simd/build.mjs --check  exit 1 if it is out of date
import { fileURLToPath } from "node:url";
import { BACKEND_MEMORIES, build, generate as generateModule } from "../../../wasm-build/wat-module.mjs";

const HERE = new URL("./", import.meta.url);
export const WAT_PATH = fileURLToPath(new URL("kernels.wat", HERE));
export const OUTPUT_PATH = fileURLToPath(new URL("../simd-binary.ts", HERE));

/** What replaces the line that says only MEMORY in the .wat, per variant: the backend's memory. */
export const MEMORIES = BACKEND_MEMORIES;

const MODULE = {
  label: "kernels.wat",
  source: "simd/kernels.wat",
  watPath: WAT_PATH,
  outputPath: OUTPUT_PATH,
  generator: "lib/backends/wasm-kernels/simd/build.mjs",
  constPrefix: "KERNELS",
  variantsDoc: "The compiled module, base64, per memory import: the backend's, plain or shared.",
  memories: MEMORIES,
  features: { simd: true, threads: true, bulk_memory: true, multi_value: true },
};

/** The generated TS module's text, from the .wat's text. */
export const generate = (wat) => generateModule(MODULE, wat);

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(MODULE, process.argv);
