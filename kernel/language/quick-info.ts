import ts from "#typescript";

export interface QuickInfo {
  found: boolean;
  /** Signature, documentation and JSDoc tags as plain text. */
  plain: string;
  /** The same as Markdown: the signature in a typescript code block. */
  markdown: string;
}

const NOT_FOUND: QuickInfo = { found: false, plain: "", markdown: "" };

/**
 * Quick info of the symbol at `cursor`, or just before it: Jupyter's inspect and `?name` send the
 * cursor at the end of the name, where TypeScript sees the next token.
 */
export function quickInfoAt(ls: ts.LanguageService, fileName: string, cursor: number): QuickInfo {
  const info = ls.getQuickInfoAtPosition(fileName, cursor) ?? (cursor > 0 ? ls.getQuickInfoAtPosition(fileName, cursor - 1) : undefined);
  if (info) return render(hideImportAlias(ts.displayPartsToString(info.displayParts)), info.documentation, info.tags);
  // Inside a call's parentheses (`Math.max(|`), as IPython does, describe the function called.
  const help = ls.getSignatureHelpItems(fileName, cursor, undefined);
  const item = help?.items[help.selectedItemIndex];
  if (!item) return NOT_FOUND;
  const parameters = item.parameters.map((p) => ts.displayPartsToString(p.displayParts)).join(ts.displayPartsToString(item.separatorDisplayParts));
  const signature = ts.displayPartsToString(item.prefixDisplayParts) + parameters + ts.displayPartsToString(item.suffixDisplayParts);
  return render(signature, item.documentation, item.tags);
}

function render(signature: string, docs: ts.SymbolDisplayPart[] | undefined, jsdocTags: ts.JSDocTagInfo[] | undefined): QuickInfo {
  const documentation = ts.displayPartsToString(docs);
  const tags = jsdocTags ?? [];
  const plainTags = tags.map((t) => `@${t.name}${t.text ? ` ${ts.displayPartsToString(t.text)}` : ""}`);
  const markdownTags = tags.map((t) => `*@${t.name}*${t.text ? ` — ${ts.displayPartsToString(t.text)}` : ""}`);
  const plain = [signature, documentation, plainTags.join("\n")].filter((s) => s !== "").join("\n\n");
  const markdown = ["```typescript\n" + signature + "\n```", documentation, markdownTags.join("  \n")].filter((s) => s !== "").join("\n\n");
  return { found: true, plain, markdown };
}

/**
 * A name imported in an earlier cell is a global alias of the imports shim
 * (`import path = __tsamp_imports.path`), which TypeScript shows as a last line `import path = path`:
 * the notebook's plumbing, not the user's code.
 */
export function hideImportAlias(signature: string): string {
  if (!signature.startsWith("(alias)")) return signature;
  return signature.replace(/\nimport [\p{ID_Continue}$]+ = [\p{ID_Continue}$.]+$/u, "");
}
