import ts from "#typescript";
import { hideImportAlias } from "./quick-info.js";

export interface CompletionItem {
  text: string;
  /** A Jupyter completer type: "function", "method", "property", "class", "variable", ... */
  type: string;
  /** The declaration, e.g. `(method) Math.floor(x: number): number`; only for short lists. */
  signature?: string;
}

export interface Completions {
  matches: string[];
  /** UTF-16 offsets in the cell of the text the completion replaces. */
  cursorStart: number;
  cursorEnd: number;
  items: CompletionItem[];
}

// Details (signatures) cost a checker query each (about 1 ms for a global): fetch them for the
// first few matches of a short list only, within a time budget, to keep completion interactive.
const DETAILS_LIST_LIMIT = 25;
const DETAILS_ITEMS = 8;
const DETAILS_BUDGET_MS = 8;
/** Names of the service's own files and globals (`__tsamp_modules`, ...), never the user's. */
const PLUMBING = "__tsamp_";

/** Completions at `cursor` in the candidate file `fileName` whose text is the cell. */
export function completionsAt(ls: ts.LanguageService, fileName: string, source: string, cursor: number): Completions {
  const start = identifierStart(source, cursor);
  const empty: Completions = { matches: [], cursorStart: start, cursorEnd: cursor, items: [] };
  const info = ls.getCompletionsAtPosition(fileName, cursor, {
    includeCompletionsWithInsertText: false,
    includeCompletionsForModuleExports: false,
    includeCompletionsWithSnippetText: false,
    allowIncompleteCompletions: false,
  });
  if (!info) return empty;

  // TypeScript says which text the completion replaces: the identifier being typed, or the part of
  // a string literal (module specifier, literal union member) before the cursor.
  let rangeStart = start;
  const span = info.optionalReplacementSpan;
  if (span && span.start <= cursor && cursor <= span.start + span.length) rangeStart = span.start;
  const rangeEnd = cursor;
  const prefix = source.slice(rangeStart, cursor).toLowerCase();
  const exact = source.slice(rangeStart, cursor);

  const entries = info.entries
    .filter((e) => e.name.toLowerCase().startsWith(prefix) && !e.name.startsWith(PLUMBING))
    .sort(
      (a, b) =>
        Number(!a.name.startsWith(exact)) - Number(!b.name.startsWith(exact)) ||
        compare(a.sortText, b.sortText) ||
        compare(a.name, b.name),
    );
  const seen = new Set<string>();
  const unique = entries.filter((e) => !seen.has(e.name) && seen.add(e.name));

  const items: CompletionItem[] = unique.map((e) => ({ text: e.name, type: jupyterType(e.kind) }));
  if (unique.length <= DETAILS_LIST_LIMIT) {
    const deadline = performance.now() + DETAILS_BUDGET_MS;
    unique.slice(0, DETAILS_ITEMS).forEach((e, i) => {
      if (performance.now() > deadline) return;
      const details = ls.getCompletionEntryDetails(fileName, cursor, e.name, undefined, e.source, undefined, e.data);
      if (details) items[i]!.signature = hideImportAlias(ts.displayPartsToString(details.displayParts));
    });
  }
  return { matches: unique.map((e) => e.name), cursorStart: rangeStart, cursorEnd: rangeEnd, items };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Start of the identifier that ends at `cursor` (the prefix being completed). */
export function identifierStart(source: string, cursor: number): number {
  let start = cursor;
  while (start > 0 && /[\p{ID_Continue}$\u200c\u200d]/u.test(source[start - 1]!)) start--;
  return start;
}

function jupyterType(kind: ts.ScriptElementKind): string {
  switch (kind) {
    case ts.ScriptElementKind.functionElement:
    case ts.ScriptElementKind.localFunctionElement:
      return "function";
    case ts.ScriptElementKind.memberFunctionElement:
    case ts.ScriptElementKind.constructSignatureElement:
    case ts.ScriptElementKind.callSignatureElement:
      return "method";
    case ts.ScriptElementKind.memberVariableElement:
    case ts.ScriptElementKind.memberGetAccessorElement:
    case ts.ScriptElementKind.memberSetAccessorElement:
    case ts.ScriptElementKind.memberAccessorVariableElement:
      return "property";
    case ts.ScriptElementKind.classElement:
    case ts.ScriptElementKind.localClassElement:
      return "class";
    case ts.ScriptElementKind.interfaceElement:
      return "interface";
    case ts.ScriptElementKind.typeElement:
    case ts.ScriptElementKind.typeParameterElement:
      return "type";
    case ts.ScriptElementKind.enumElement:
      return "enum";
    case ts.ScriptElementKind.enumMemberElement:
      return "enum member";
    case ts.ScriptElementKind.moduleElement:
    case ts.ScriptElementKind.externalModuleName:
      return "module";
    case ts.ScriptElementKind.keyword:
      return "keyword";
    case ts.ScriptElementKind.constElement:
      return "constant";
    case ts.ScriptElementKind.parameterElement:
      return "parameter";
    case ts.ScriptElementKind.directory:
    case ts.ScriptElementKind.scriptElement:
      return "path";
    case ts.ScriptElementKind.string:
      return "text";
    default:
      return "variable";
  }
}
