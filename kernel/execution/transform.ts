import ts from "#typescript";
import { CellCompileError } from "./compile-error.js";
import { globalizeTransformer, type GlobalizeReport } from "./globalize-transformer.js";
import { importTransformer } from "./import-transformer.js";
import { PositionMap } from "./position-map.js";
import { cells } from "./cell-registry.js";

export { CellCompileError } from "./compile-error.js";
export type { CellRuntime, CellResult } from "./cell-runtime.js";

/** One notebook cell compiled to JavaScript for the kernel's main realm. */
export interface CompiledCell {
  /**
   * A JavaScript *script*; `vm.runInThisContext(code, { filename })` evaluates to
   * `async (hooks: CellRuntime) => CellResult`.
   */
  code: string;
  filename: string;
  /** Every top-level name the cell declares (declared on globalThis by `hooks.declare`). */
  declaredNames: string[];
  /** Whether the cell ends in an expression statement whose value it returns. */
  hasValue: boolean;
  /** The cell's TypeScript source, for tracebacks. */
  source: string;
  /** Generated line:column -> cell line:column. */
  positions: PositionMap;
}

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Every cell is a module, so `await` and `for await` parse at top level even in a cell
  // without imports or exports.
  moduleDetection: ts.ModuleDetectionKind.Force,
  sourceMap: true,
  inlineSources: false,
  esModuleInterop: true,
  useDefineForClassFields: true,
  // A cell's names are only ever assigned through the hooks; keep helper functions inline.
  importHelpers: false,
  removeComments: false,
};

/**
 * Compiles one cell. The kernel strips magic lines (replacing them with empty lines) first, so
 * positions in `source` are positions in the cell as the user sees it.
 * Throws CellCompileError for a syntax error. The compiled cell is recorded in the default
 * CellRegistry (`cells`) under its file name, for tracebacks.
 */
export function compileCell(source: string, opts: { filename: string }): CompiledCell {
  // Re-running a cell (or %timeit, or a benchmark loop) compiles the same text again: the output
  // does not depend on the file name, so the previous result is reused under the new name.
  const cached = recent.get(source);
  if (cached) {
    const compiled: CompiledCell = { ...cached, filename: opts.filename };
    cells.register(compiled);
    return compiled;
  }
  const compiled = compileFresh(source, opts);
  recent.set(source, compiled);
  if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  return compiled;
}

const RECENT_LIMIT = 64;
const recent = new Map<string, CompiledCell>();

function compileFresh(source: string, opts: { filename: string }): CompiledCell {
  const report: GlobalizeReport = { declaredNames: [], hasValue: false };
  const output = ts.transpileModule(source, {
    compilerOptions,
    fileName: opts.filename,
    reportDiagnostics: true,
    transformers: { before: [importTransformer], after: [globalizeTransformer(report)] },
  });
  const syntaxError = output.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntaxError) throw toCompileError(syntaxError, source, opts.filename);
  if (output.sourceMapText === undefined) throw new Error("TypeScript produced no source map");
  const compiled: CompiledCell = {
    code: stripSourceMappingUrl(output.outputText),
    filename: opts.filename,
    declaredNames: report.declaredNames,
    hasValue: report.hasValue,
    source,
    positions: new PositionMap(output.sourceMapText),
  };
  // Recorded so that formatError can map frames of this cell, whenever they throw.
  cells.register(compiled);
  return compiled;
}

// The map travels with the CompiledCell; a sourceMappingURL comment would only point nowhere.
function stripSourceMappingUrl(code: string): string {
  return code.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, "\n");
}

function toCompileError(d: ts.Diagnostic, source: string, filename: string): CellCompileError {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  let line = 1;
  let column = 1;
  if (d.file && d.start !== undefined) {
    const lc = d.file.getLineAndCharacterOfPosition(d.start);
    line = lc.line + 1;
    column = lc.character + 1;
  }
  return new CellCompileError(message, filename, line, column, source);
}
