import ts from "#typescript";

/** A diagnostic of a candidate cell, positioned in the cell (1-based). */
export interface CellDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The whole message chain, one line per level. */
  message: string;
  /** TypeScript's error number (2322 for TS2322). */
  code: number;
  category: "error" | "warning";
}

/**
 * Maps TypeScript diagnostics of the candidate file to cell positions. `sourceLength` is the
 * length of the cell itself: anything the service appended after it (the export list that makes
 * declaration emit see every name) is not the user's, and its diagnostics are dropped.
 */
export function toCellDiagnostics(file: ts.SourceFile, diagnostics: readonly ts.Diagnostic[], sourceLength: number): CellDiagnostic[] {
  const out: CellDiagnostic[] = [];
  for (const d of diagnostics) {
    if (d.start === undefined || d.start > sourceLength) continue;
    if (d.category === ts.DiagnosticCategory.Suggestion) continue;
    const end = Math.min(d.start + (d.length ?? 0), sourceLength);
    const start = file.getLineAndCharacterOfPosition(d.start);
    const stop = file.getLineAndCharacterOfPosition(end);
    out.push({
      line: start.line + 1,
      column: start.character + 1,
      endLine: stop.line + 1,
      endColumn: stop.character + 1,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      code: d.code,
      category: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
    });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Syntax errors of a parsed file. `parseDiagnostics` is internal to TypeScript but has been stable
 * for years; it lets the service report syntax errors from its own parse of the bare cell instead
 * of asking a whole program for them.
 */
export function parseDiagnostics(file: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  const diagnostics = (file as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics;
  return Array.isArray(diagnostics) ? diagnostics : [];
}
