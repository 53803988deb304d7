import ts from "#typescript";

/**
 * Turns a declaration's binding (`x`, `{ a, b: [c = 1, ...d] }`) into the equivalent assignment
 * target (`x`, `({ a, b: [c = 1, ...d] } = ...)`), so that `const {a} = o` at cell top level can
 * become an assignment to the global `a`.
 */
export function bindingToAssignmentTarget(f: ts.NodeFactory, name: ts.BindingName): ts.Expression {
  if (ts.isIdentifier(name)) return name;
  if (ts.isArrayBindingPattern(name)) {
    const elements = name.elements.map((element): ts.Expression => {
      if (ts.isOmittedExpression(element)) return element;
      const target = bindingToAssignmentTarget(f, element.name);
      if (element.dotDotDotToken) return ts.setTextRange(f.createSpreadElement(target), element);
      return withDefault(f, target, element.initializer, element);
    });
    return ts.setTextRange(f.createArrayLiteralExpression(elements), name);
  }
  const properties = name.elements.map((element): ts.ObjectLiteralElementLike => {
    if (element.dotDotDotToken) {
      return ts.setTextRange(f.createSpreadAssignment(bindingToAssignmentTarget(f, element.name)), element);
    }
    if (!element.propertyName && ts.isIdentifier(element.name)) {
      // `{ a }` / `{ a = 1 }`
      return ts.setTextRange(f.createShorthandPropertyAssignment(element.name, element.initializer), element);
    }
    const key = element.propertyName ?? (element.name as ts.Identifier);
    const target = bindingToAssignmentTarget(f, element.name);
    return ts.setTextRange(f.createPropertyAssignment(key, withDefault(f, target, element.initializer, element)), element);
  });
  return ts.setTextRange(f.createObjectLiteralExpression(properties), name);
}

function withDefault(f: ts.NodeFactory, target: ts.Expression, init: ts.Expression | undefined, range: ts.Node): ts.Expression {
  if (!init) return target;
  return ts.setTextRange(f.createAssignment(target, init), range);
}
