import ts from "#typescript";

/**
 * How every cell is checked. The runtime (transform.ts) compiles cells for ES2022 in Node, so the
 * checker assumes the same: ES2023 library without the DOM, Node's globals from @types/node,
 * imports resolved like a bundler would with the "node" condition (so ESM-only packages with
 * "exports" resolve), and every cell a module (`moduleDetection: force`) so that top-level await
 * is legal and a cell's declarations shadow earlier cells' globals instead of clashing with them.
 */
export function notebookCompilerOptions(typeRoots: string[]): ts.CompilerOptions {
  return {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ["node"],
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots,
    skipLibCheck: true,
    allowJs: false,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    resolveJsonModule: true,
    useDefineForClassFields: true,
    noEmit: false,
  };
}
