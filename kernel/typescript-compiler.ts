// TypeScript's compiler API, loaded with require. typescript.js is one 9 MB CommonJS file: imported
// as an ES module, Node first compiles all of it to check its format, then scans it for export
// names (cjs-module-lexer), and only then compiles and runs it, ~350 ms more than require (import
// 700-920 ms, require 340-480 ms on the development machine), paid before a kernel's first cell.
// Kernel modules import "#typescript" (package.json "imports"): types from "typescript", this
// module at run time.
import { createRequire } from "node:module";
import type TypeScript from "typescript";

const ts: typeof TypeScript = createRequire(import.meta.url)("typescript");
export default ts;
