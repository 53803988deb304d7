import ts from "#typescript";
import { HOOKS } from "./hooks-name.js";

/**
 * `before` transformer (runs on the TypeScript AST, before TypeScript's own passes).
 *
 * A cell is evaluated as a *script* by `vm.runInThisContext`, where `import` declarations are a
 * syntax error and `import()` has no loader. So every static import becomes an awaited call of the
 * runtime hook plus a `const` binding (which the `after` pass then turns into a global), and every
 * dynamic `import(x)` / `import.meta` goes through the hooks object as well.
 *
 * It runs *before* TypeScript on purpose: TypeScript's import elision would otherwise drop imported
 * names that this cell does not use as values, but a later cell may use them.
 */
export function importTransformer(context: ts.TransformationContext): ts.Transformer<ts.SourceFile> {
  const f = context.factory;

  const hookCall = (method: string, args: ts.Expression[]): ts.Expression =>
    f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(HOOKS), method), undefined, args);

  // `import("x", opts)` -> `__tsamp_hooks.import("x", opts)`; `import.meta` -> `__tsamp_hooks.meta`.
  const visitDynamic = (node: ts.Node): ts.Node => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const args = node.arguments.map((a) => ts.visitNode(a, visitDynamic, ts.isExpression));
      return ts.setTextRange(hookCall("import", args), node);
    }
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      return ts.setTextRange(f.createPropertyAccessExpression(f.createIdentifier(HOOKS), "meta"), node);
    }
    return ts.visitEachChild(node, visitDynamic, context);
  };

  const importCall = (decl: ts.ImportDeclaration | ts.ImportEqualsDeclaration, specifier: ts.Expression): ts.Expression => {
    const args: ts.Expression[] = [f.createStringLiteral((specifier as ts.StringLiteral).text)];
    const attributes = ts.isImportDeclaration(decl) ? decl.attributes : undefined;
    if (attributes) {
      // `with { type: "json" }` -> second argument `{ with: { type: "json" } }`, as for import().
      const props = attributes.elements.map((e) =>
        f.createPropertyAssignment(
          ts.isIdentifier(e.name) ? f.createIdentifier(e.name.text) : f.createStringLiteral(e.name.text),
          e.value,
        ),
      );
      args.push(f.createObjectLiteralExpression([f.createPropertyAssignment("with", f.createObjectLiteralExpression(props))]));
    }
    return f.createAwaitExpression(hookCall("import", args));
  };

  const constStatement = (name: ts.BindingName, init: ts.Expression, range: ts.Node): ts.Statement =>
    ts.setTextRange(
      f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, init)], ts.NodeFlags.Const),
      ),
      range,
    );

  const lowerImport = (node: ts.ImportDeclaration): ts.Statement[] => {
    const clause = node.importClause;
    if (!clause) {
      // Side-effect import: keep the side effect.
      return [ts.setTextRange(f.createExpressionStatement(importCall(node, node.moduleSpecifier)), node)];
    }
    if (clause.isTypeOnly) return []; // `import type ...` has no runtime existence.

    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      // `import d, * as ns from "x"`: bind the namespace, then take `default` from it.
      const out = [constStatement(f.createIdentifier(bindings.name.text), importCall(node, node.moduleSpecifier), node)];
      if (clause.name) {
        const pattern = f.createObjectBindingPattern([
          f.createBindingElement(undefined, "default", f.createIdentifier(clause.name.text)),
        ]);
        out.push(constStatement(pattern, f.createIdentifier(bindings.name.text), node));
      }
      return out;
    }

    const elements: ts.BindingElement[] = [];
    if (clause.name) elements.push(f.createBindingElement(undefined, "default", f.createIdentifier(clause.name.text)));
    if (bindings) {
      for (const spec of bindings.elements) {
        if (spec.isTypeOnly) continue;
        const imported = spec.propertyName ?? spec.name;
        const property: ts.PropertyName = ts.isStringLiteral(imported)
          ? f.createStringLiteral(imported.text)
          : f.createIdentifier(imported.text);
        const local = f.createIdentifier(spec.name.text);
        const samePlainName = !spec.propertyName || (ts.isIdentifier(imported) && imported.text === spec.name.text);
        elements.push(f.createBindingElement(undefined, samePlainName ? undefined : property, local));
      }
    }
    if (elements.length === 0) {
      // `import {} from "x"` is written for its side effect; `import { type T } from "x"` is not
      // (TypeScript elides it).
      const onlyTypes = bindings !== undefined && bindings.elements.length > 0;
      return onlyTypes ? [] : [ts.setTextRange(f.createExpressionStatement(importCall(node, node.moduleSpecifier)), node)];
    }
    return [constStatement(f.createObjectBindingPattern(elements), importCall(node, node.moduleSpecifier), node)];
  };

  // `import x = require("y")`: what `require` gives is a CommonJS module's `module.exports`,
  // which dynamic import exposes as `default`.
  const lowerImportEquals = (node: ts.ImportEqualsDeclaration): ts.Statement[] => {
    if (node.isTypeOnly) return [];
    const ref = node.moduleReference;
    if (!ts.isExternalModuleReference(ref)) return [node]; // `import x = N.y`: TypeScript lowers it.
    const ns = f.createUniqueName("ns");
    const interop = f.createArrowFunction(
      undefined,
      undefined,
      [f.createParameterDeclaration(undefined, undefined, ns)],
      undefined,
      undefined,
      f.createBinaryExpression(f.createPropertyAccessExpression(ns, "default"), ts.SyntaxKind.QuestionQuestionToken, ns),
    );
    const value = f.createCallExpression(f.createParenthesizedExpression(interop), undefined, [importCall(node, ref.expression)]);
    return [constStatement(f.createIdentifier(node.name.text), value, node)];
  };

  return (file) => {
    const statements: ts.Statement[] = [];
    const hasImports = file.text.includes("import");
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) statements.push(...lowerImport(statement));
      else if (ts.isImportEqualsDeclaration(statement)) statements.push(...lowerImportEquals(statement));
      else if (hasImports) statements.push(ts.visitNode(statement, visitDynamic, ts.isStatement));
      else statements.push(statement);
    }
    return f.updateSourceFile(file, statements);
  };
}
