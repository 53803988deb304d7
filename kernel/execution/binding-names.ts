import ts from "#typescript";

/**
 * Every identifier a binding introduces: `x`, or each leaf of a destructuring pattern
 * (`{ a, b: [c, ...d] }` -> a, c, d). Shared by the cell compiler and the language service so
 * both agree on which names a cell declares.
 */
export function bindingNames(name: ts.BindingName, into: string[] = []): string[] {
  if (ts.isIdentifier(name)) {
    into.push(name.text);
    return into;
  }
  for (const element of name.elements) {
    if (ts.isOmittedExpression(element)) continue;
    bindingNames(element.name, into);
  }
  return into;
}
