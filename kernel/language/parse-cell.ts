import ts from "#typescript";

/**
 * Parses a cell on its own (for its names and syntax errors) the way the checker parses it: as a
 * module, so that top-level `await` is parsed in an await context, as it is when compiled.
 */
export function parseCell(fileName: string, source: string, withParents = false): ts.SourceFile {
  return ts.createSourceFile(
    fileName,
    source,
    {
      languageVersion: ts.ScriptTarget.ES2022,
      setExternalModuleIndicator: (file) => {
        (file as { externalModuleIndicator?: unknown }).externalModuleIndicator = true;
      },
    },
    withParents,
    ts.ScriptKind.TS,
  );
}
