// Compiles quantize.wat (beside this file) with wabt into ../wasm-simd-binary.ts: the module's bytes
// as base64, in three variants that differ only in their memory (see MEMORIES); how and why in
// lib/wasm-build/wat-module.mjs. `npm run build` runs this first; test/formats/quantize-wasm-simd.test.ts
// compiles again and compares.
//
//   node lib/formats/kernels/wasm-simd/build.mjs          write ../wasm-simd-binary.ts
//   node lib/formats/kernels/wasm-simd/build.mjs --check  exit 1 if it is out of date
import { fileURLToPath } from "node:url";
import { BACKEND_MEMORIES, build, generate as generateModule } from "../../../wasm-build/wat-module.mjs";

const HERE = new URL("./", import.meta.url);
export const WAT_PATH = fileURLToPath(new URL("quantize.wat", HERE));
export const OUTPUT_PATH = fileURLToPath(new URL("../wasm-simd-binary.ts", HERE));

/** What replaces the line that says only MEMORY in the .wat, per variant. */
export const MEMORIES = {
  // The tfjs wasm backend's memory, plain or shared.
  ...BACKEND_MEMORIES,
  // A memory of the module's own, for copying through when the backend's cannot be imported.
  owned: `(memory (export "memory") 1)`,
};

const MODULE = {
  label: "quantize.wat",
  source: "wasm-simd/quantize.wat",
  watPath: WAT_PATH,
  outputPath: OUTPUT_PATH,
  generator: "lib/formats/kernels/wasm-simd/build.mjs",
  constPrefix: "QUANTIZE",
  variantsDoc: "The compiled module, base64, per memory: the backend's (plain or shared), or its own.",
  memories: MEMORIES,
  features: { simd: true, threads: true, sat_float_to_int: true },
};

/** The generated TS module's text, from the .wat's text. */
export const generate = (wat) => generateModule(MODULE, wat);

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(MODULE, process.argv);
