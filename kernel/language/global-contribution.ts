import ts from "#typescript";

/**
 * Turning a committed cell into declarations that later cells see as globals.
 *
 * A cell is checked as a module, so its declarations are module-scoped. Once it has run, its names
 * are globals at run time, so the checker must see them as globals too: the cell's declaration
 * emit (.d.ts) is rewritten into a "global contribution" file,
 *
 *     import ... (the .d.ts's own imports, for the types it mentions)
 *     import * as __tsamp_imports from "./<cell>.imports";
 *     declare global {
 *       const x: number;                     // every declaration, `declare`/`export` removed
 *       export import path = __tsamp_imports.path;   // every name the cell imported
 *       interface Own {}                     // the body of the cell's own `declare global {}`
 *     }
 *     export {};
 *
 * The file always has exactly one `declare global` block, even when the cell contributes nothing
 * (any more): TypeScript counts it as a module augmentation, and a program whose files keep their
 * imports and augmentations is rebuilt reusing everything of the old one (see service.ts).
 *
 * Imported names go through a separate "imports shim" module that re-exports them: an alias
 * `import p = A.p` keeps every meaning of p (value, type, namespace) with its generics, which
 * `const p: typeof ...` / `type p = ...` cannot. (`import p = x` with a single identifier only
 * accepts namespaces, hence the qualified name through the shim.)
 */

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
export const IMPORTS_ALIAS = "__tsamp_imports";

/**
 * The imports shim of a cell: its import declarations with `type` markers removed (an alias to a
 * name exported with `export type` may not be used as a value) and every imported name exported.
 * Side-effect imports are kept: a module may augment global types.
 */
export function importsShim(cell: ts.SourceFile, importedNames: readonly string[]): string {
  const f = ts.factory;
  const lines: string[] = [];
  for (const statement of cell.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const clause = statement.importClause;
    if (!clause) {
      lines.push(`import ${statement.moduleSpecifier.getText(cell)};`);
      continue;
    }
    let bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      bindings = f.updateNamedImports(
        bindings,
        bindings.elements.map((e) => f.updateImportSpecifier(e, false, e.propertyName, e.name)),
      );
    }
    const plain = f.updateImportDeclaration(
      statement,
      undefined,
      f.updateImportClause(clause, undefined, clause.name, bindings),
      statement.moduleSpecifier,
      statement.attributes,
    );
    lines.push(printer.printNode(ts.EmitHint.Unspecified, plain, cell));
  }
  lines.push(importedNames.length > 0 ? `export { ${importedNames.join(", ")} };` : "export {};");
  return lines.join("\n") + "\n";
}

export interface ContributionInput {
  /** The cell's declaration emit. */
  dts: string;
  /** Names this cell still provides (a later cell that redeclares a name takes it over). */
  owned: ReadonlySet<string>;
  /** Every top-level name of the cell (owned or not). */
  declared: ReadonlySet<string>;
  /** Imported names still owned, aliased from the shim. */
  importedOwned: readonly string[];
  /** Module specifier of the cell's imports shim, relative to the contribution file. */
  shimSpecifier: string;
  /** Whether the cell has `import "m"`: the shim keeps it (m may augment global types). */
  sideEffectImports: boolean;
}

/** The contribution of a cell that contributes nothing (yet, or any more). */
export const EMPTY_CONTRIBUTION = "declare global {}\nexport {};\n";

/** The global contribution file text; EMPTY_CONTRIBUTION when the cell contributes nothing any more. */
export function globalContribution(input: ContributionInput): string {
  const file = ts.createSourceFile("cell.d.ts", input.dts, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const imports: string[] = [];
  const augmentations: string[] = [];
  const inGlobal: string[] = [];
  const ownGlobal: string[] = [];
  // `export default expr` emits `declare const _default: T; export default _default;`: the
  // helper name is not one of the cell's names and must not become a global.
  const defaultHelpers = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression)) defaultHelpers.add(statement.expression.text);
  }
  const keep = (name: string) => input.owned.has(name) || (!input.declared.has(name) && !defaultHelpers.has(name));

  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      imports.push(statement.getText(file));
    } else if (ts.isExportDeclaration(statement) || ts.isExportAssignment(statement)) {
      // The export list that made the cell's declarations visible to declaration emit.
    } else if (ts.isModuleDeclaration(statement) && !ts.isIdentifier(statement.name)) {
      augmentations.push(statement.getText(file)); // `declare module "m" {}`: stays a module augmentation
    } else if (ts.isModuleDeclaration(statement) && statement.flags & ts.NodeFlags.GlobalAugmentation) {
      // The cell's own `declare global {}`: its body joins the one global block.
      if (statement.body && ts.isModuleBlock(statement.body)) statement.body.statements.forEach((s) => ownGlobal.push(s.getText(file)));
    } else {
      const kept = keepDeclaration(statement, keep);
      if (kept) inGlobal.push(printer.printNode(ts.EmitHint.Unspecified, kept, file));
    }
  }
  for (const name of input.importedOwned) inGlobal.push(`export import ${name} = ${IMPORTS_ALIAS}.${name};`);
  inGlobal.push(...ownGlobal);
  const sideEffects = input.sideEffectImports ? [`import ${JSON.stringify(input.shimSpecifier)};`] : [];
  // The imports only serve the declarations: alone they contribute nothing.
  if (inGlobal.length === 0 && augmentations.length === 0) return sideEffects.length > 0 ? [...sideEffects, EMPTY_CONTRIBUTION].join("\n") : EMPTY_CONTRIBUTION;

  if (input.importedOwned.length > 0) imports.push(`import * as ${IMPORTS_ALIAS} from ${JSON.stringify(input.shimSpecifier)};`);
  else imports.push(...sideEffects);
  const body = inGlobal.map((text) => text.replace(/^/gm, "    ")).join("\n");
  return [...imports, ...augmentations, `declare global {\n${body}\n}`, "export {};", ""].join("\n");
}

/**
 * The declaration without the names the cell no longer owns, with `export`/`declare`/`default`
 * removed (not allowed, or meaningless, inside `declare global`); undefined if nothing is left.
 */
function keepDeclaration(statement: ts.Statement, keep: (name: string) => boolean): ts.Statement | undefined {
  const f = ts.factory;
  if (ts.isVariableStatement(statement)) {
    const declarations = statement.declarationList.declarations.filter((d) => namesOf(d.name).some(keep));
    if (declarations.length === 0) return undefined;
    return f.updateVariableStatement(
      statement,
      globalModifiers(statement.modifiers),
      f.updateVariableDeclarationList(statement.declarationList, declarations),
    );
  }
  const name = (statement as { name?: ts.Node }).name;
  if (name && ts.isIdentifier(name) && !keep(name.text)) return undefined;
  if (!ts.canHaveModifiers(statement)) return statement;
  return f.replaceModifiers(statement, globalModifiers(statement.modifiers));
}

function globalModifiers(modifiers: ts.NodeArray<ts.ModifierLike> | undefined): ts.Modifier[] {
  const dropped = [ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.DeclareKeyword, ts.SyntaxKind.DefaultKeyword];
  const kept: ts.Modifier[] = [];
  for (const m of modifiers ?? []) if (ts.isModifier(m) && !dropped.includes(m.kind)) kept.push(m);
  return kept;
}

function namesOf(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : namesOf(e.name)));
}
