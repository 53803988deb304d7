import ts from "#typescript";
import { bindingNames } from "../execution/binding-names.js";

/** The names a cell declares at top level, as the type checker sees them. */
export interface CellNames {
  /** Every top-level name: values, types, namespaces, import bindings. */
  declared: string[];
  /** The subset bound by import declarations. */
  imported: string[];
  /** Names the cell already exports itself (`export const x`, `export { x }`). */
  exported: Set<string>;
  /** `var` names declared inside top-level blocks and loops (declaration emit leaves them out). */
  nestedVars: string[];
}

export function topLevelNames(file: ts.SourceFile): CellNames {
  const declared = new Set<string>();
  const imported = new Set<string>();
  const exported = new Set<string>();
  const nested = new Set<string>();
  // `export default function f` exports f as "default", not as "f".
  const isExported = (node: ts.Node) => hasModifier(node, ts.SyntaxKind.ExportKeyword) && !hasModifier(node, ts.SyntaxKind.DefaultKeyword);
  const add = (name: string, node: ts.Node) => {
    declared.add(name);
    if (isExported(node)) exported.add(name);
  };

  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) bindingNames(decl.name).forEach((n) => add(n, statement));
    } else if (
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement)
    ) {
      // `export default function () {}` has no name to carry over.
      if (statement.name) add(statement.name.text, statement);
    } else if (ts.isModuleDeclaration(statement)) {
      // `namespace N {}` declares N; `declare global {}` and `declare module "m" {}` declare no name.
      if (ts.isIdentifier(statement.name) && !(statement.flags & ts.NodeFlags.GlobalAugmentation)) add(statement.name.text, statement);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      const names: string[] = [];
      if (clause.name) names.push(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => names.push(e.name.text));
      names.forEach((n) => (declared.add(n), imported.add(n)));
    } else if (ts.isImportEqualsDeclaration(statement)) {
      add(statement.name.text, statement);
    } else if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause) {
      if (ts.isNamedExports(statement.exportClause)) statement.exportClause.elements.forEach((e) => exported.add(e.name.text));
    } else {
      nestedVars(statement, (n) => (declared.add(n), nested.add(n)));
    }
  }
  return { declared: [...declared], imported: [...imported], exported, nestedVars: [...nested] };
}

/**
 * `var` declared in top-level blocks and loops (`for (var i = 0; ...)`): the runtime makes them
 * globals like any top-level name (in a script they would be), so the checker must know them.
 */
function nestedVars(node: ts.Node, add: (name: string) => void): void {
  if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
  if (ts.isVariableDeclarationList(node)) {
    if ((node.flags & ts.NodeFlags.BlockScoped) === 0) node.declarations.forEach((d) => bindingNames(d.name).forEach(add));
    return;
  }
  if (ts.isExpression(node)) return;
  ts.forEachChild(node, (child) => nestedVars(child, add));
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}
