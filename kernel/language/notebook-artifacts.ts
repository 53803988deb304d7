import ts from "#typescript";

/**
 * Diagnostics that come from modelling a notebook as files, not from the user's code. Anything
 * else TypeScript reports is a real error and is shown. (Diagnostics located in the export list
 * the service appends after the cell are dropped by position, in cell-diagnostics.ts.)
 *
 * 1. Re-running a cell with its own `declare global { const g: T; class K {} }`: the cell's
 *    committed contribution already declares g and K globally, and the candidate declares them
 *    again, so TypeScript reports TS2451 "Cannot redeclare block-scoped variable" / TS2300
 *    "Duplicate identifier". In a notebook re-running a cell replaces it; these are dropped when
 *    they are inside the candidate's `declare global` and name something an earlier cell declared
 *    in its own `declare global`. (Ordinary top-level names never clash: the candidate is a
 *    module, its names shadow the globals.)
 */
const REDECLARED = new Set([2451, 2300]);

export function isNotebookArtifact(d: ts.Diagnostic, file: ts.SourceFile, committedGlobals: ReadonlySet<string>): boolean {
  if (!REDECLARED.has(d.code) || d.start === undefined || d.length === undefined) return false;
  const name = file.text.slice(d.start, d.start + d.length);
  if (!committedGlobals.has(name)) return false;
  const start = d.start;
  return file.statements.some((s) => isGlobalAugmentation(s) && s.getStart(file) <= start && start < s.end);
}

export function isGlobalAugmentation(statement: ts.Statement): statement is ts.ModuleDeclaration {
  return ts.isModuleDeclaration(statement) && (statement.flags & ts.NodeFlags.GlobalAugmentation) !== 0;
}

/** Names declared directly inside a cell's `declare global { ... }` blocks. */
export function globalAugmentationNames(file: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of file.statements) {
    if (!isGlobalAugmentation(statement) || !statement.body || !ts.isModuleBlock(statement.body)) continue;
    for (const member of statement.body.statements) {
      if (ts.isVariableStatement(member)) {
        for (const d of member.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
      } else {
        const name = (member as { name?: ts.Node }).name;
        if (name && ts.isIdentifier(name)) names.push(name.text);
      }
    }
  }
  return names;
}
