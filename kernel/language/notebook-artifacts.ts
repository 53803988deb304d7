import type ts from "typescript";

/**
 * Diagnostics that come from modelling a notebook as files, not from the user's code. Each one
 * is listed with why it is an artifact; anything else TypeScript reports is a real error and is
 * shown. (Diagnostics located in the export list the service appends after the cell are dropped
 * by position in cell-diagnostics.ts.)
 */
const ARTIFACTS = new Map<number, string>([]);

export function isNotebookArtifact(diagnostic: ts.Diagnostic): boolean {
  return ARTIFACTS.has(diagnostic.code);
}
