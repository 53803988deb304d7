import ts from "#typescript";
import { bindingNames } from "./binding-names.js";
import { bindingToAssignmentTarget } from "./binding-to-assignment.js";
import { HOOKS } from "./hooks-name.js";

/** What the pass found out about the cell, read by compileCell after emit. */
export interface GlobalizeReport {
  declaredNames: string[];
  hasValue: boolean;
}

/**
 * `after` transformer (runs on the JavaScript AST, after TypeScript has lowered enums, namespaces,
 * parameter properties and decorators) that makes the cell's top-level scope persistent.
 *
 * The cell becomes `(async function (__tsamp_hooks) { "use strict"; ... })`, where
 * - `__tsamp_hooks.declare([...names])` first creates every top-level name on globalThis: the body
 *   is strict, and a strict assignment to an undeclared global throws;
 * - `const`/`let`/`var` (with destructuring) become assignments to those globals, so later cells
 *   and re-runs see them (a re-run `const x` is just another assignment);
 * - function declarations become assignments hoisted to the top of the body, as JS hoists them;
 * - classes become `C = class C {...}` where they stand (classes are not hoisted);
 * - `export` is stripped: a cell is not a module anyone imports;
 * - the last top-level expression statement becomes `return { hasValue: true, value: expr }`,
 *   boxed so that a Promise value is shown as a value, not adopted by the async function.
 */
export function globalizeTransformer(report: GlobalizeReport): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (file) => {
    const f = context.factory;
    const names = new Set<string>();
    const hoisted: ts.Statement[] = [];
    const body: ts.Statement[] = [];
    // Names whose enum/namespace `var` has already been reset in this cell (see lowerVariableStatement).
    const reset = new Set<string>();
    const valueStatement = lastExpressionStatement(ts.getOriginalNode(file, ts.isSourceFile) ?? file);

    const assign = (target: ts.Expression, value: ts.Expression, range: ts.Node): ts.Statement =>
      ts.setOriginalNode(ts.setTextRange(f.createExpressionStatement(f.createAssignment(target, value)), range), range);

    const lowerVariableStatement = (statement: ts.VariableStatement): ts.Statement[] => {
      const list = statement.declarationList;
      const scoping = list.flags & ts.NodeFlags.BlockScoped;
      // `using` needs its disposal scope; it stays a local of the cell.
      if (scoping !== 0 && scoping !== ts.NodeFlags.Let && scoping !== ts.NodeFlags.Const) return [statement];
      const isVar = scoping === 0;
      // TypeScript lowers `enum E` / `namespace N` to `var E; (function (E) {...})(E || (E = {}))`.
      // The language service treats a cell's enum as replacing an earlier cell's, so the first such
      // `var` in a cell starts from a fresh object; later ones in the same cell must merge into it.
      const original = ts.getOriginalNode(statement);
      const lowered = ts.isEnumDeclaration(original) || ts.isModuleDeclaration(original);
      const out: ts.Statement[] = [];
      for (const decl of list.declarations) {
        if (isGeneratedName(decl.name)) {
          // A temporary TypeScript made while lowering (`env_1` for `using`): a local of the cell.
          out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([decl], list.flags)));
          continue;
        }
        const declared = bindingNames(decl.name);
        declared.forEach((n) => names.add(n));
        if (decl.initializer) {
          out.push(assign(bindingToAssignmentTarget(f, decl.name), decl.initializer, decl));
        } else if (ts.isIdentifier(decl.name)) {
          const name = decl.name.text;
          const mustReset = !isVar || (lowered && !reset.has(name));
          if (lowered) reset.add(name);
          // A plain `var x;` keeps x's value, as in JavaScript.
          if (mustReset) out.push(assign(f.createIdentifier(name), f.createVoidZero(), decl));
        }
      }
      return out;
    };

    // `var` inside top-level blocks and loops is also top-level scope in a script.
    const visitNested = (node: ts.Node): ts.VisitResult<ts.Node> => {
      if (ts.isFunctionLike(node) || ts.isClassLike(node)) return node;
      if (ts.isVariableStatement(node) && isPlainVar(node.declarationList)) {
        const assignments = lowerVariableStatement(node);
        if (assignments.length === 0) return ts.setTextRange(f.createEmptyStatement(), node);
        return assignments.length === 1 ? assignments[0] : f.createBlock(assignments, false);
      }
      if ((ts.isForInStatement(node) || ts.isForOfStatement(node)) && isPlainVar(node.initializer)) {
        const decl = node.initializer.declarations[0]!;
        bindingNames(decl.name).forEach((n) => names.add(n));
        const target = bindingToAssignmentTarget(f, decl.name);
        const statement = ts.visitNode(node.statement, visitNested, ts.isStatement);
        return ts.isForInStatement(node)
          ? f.updateForInStatement(node, target, node.expression, statement)
          : f.updateForOfStatement(node, node.awaitModifier, target, node.expression, statement);
      }
      if (ts.isForStatement(node) && isPlainVar(node.initializer)) {
        const assignments: ts.Expression[] = [];
        for (const decl of node.initializer.declarations) {
          bindingNames(decl.name).forEach((n) => names.add(n));
          if (decl.initializer) assignments.push(f.createAssignment(bindingToAssignmentTarget(f, decl.name), decl.initializer));
        }
        const init = assignments.length === 0 ? undefined : assignments.reduce((a, b) => f.createComma(a, b));
        const statement = ts.visitNode(node.statement, visitNested, ts.isStatement);
        return f.updateForStatement(node, init, node.condition, node.incrementor, statement);
      }
      if (ts.isStatement(node) || ts.isCaseBlock(node) || ts.isCaseOrDefaultClause(node) || ts.isCatchClause(node)) {
        return ts.visitEachChild(node, visitNested, context);
      }
      return node; // an expression: functions inside it have their own scope
    };

    for (const statement of file.statements) {
      if (ts.isVariableStatement(statement)) {
        body.push(...lowerVariableStatement(statement));
      } else if (ts.isFunctionDeclaration(statement) && statement.body) {
        const fn = f.createFunctionExpression(
          asyncOnly(statement.modifiers),
          statement.asteriskToken,
          statement.name,
          undefined,
          statement.parameters,
          undefined,
          statement.body,
        );
        ts.setTextRange(fn, statement);
        if (statement.name) {
          names.add(statement.name.text);
          hoisted.push(assign(f.createIdentifier(statement.name.text), fn, statement));
        } else {
          // `export default function () {}`: only an expression.
          body.push(ts.setOriginalNode(ts.setTextRange(f.createExpressionStatement(f.createParenthesizedExpression(fn)), statement), statement));
        }
      } else if (ts.isClassDeclaration(statement)) {
        const cls = f.createClassExpression(
          statement.modifiers?.filter((m) => ts.isDecorator(m)),
          statement.name,
          undefined,
          statement.heritageClauses,
          statement.members,
        );
        ts.setTextRange(cls, statement);
        if (statement.name) {
          names.add(statement.name.text);
          body.push(assign(f.createIdentifier(statement.name.text), cls, statement));
        } else {
          body.push(ts.setOriginalNode(ts.setTextRange(f.createExpressionStatement(f.createParenthesizedExpression(cls)), statement), statement));
        }
      } else if (ts.isExportAssignment(statement)) {
        // `export default expr` / `export = expr`: just evaluate expr.
        body.push(
          ts.setOriginalNode(ts.setTextRange(f.createExpressionStatement(statement.expression), statement), statement),
        );
      } else if (ts.isExportDeclaration(statement) || ts.isImportDeclaration(statement)) {
        // `export { a }`, `export * from "m"`, TypeScript's `export {}` module marker: nothing to run.
        // (Import declarations were lowered by the `before` pass; any left are type-only.)
      } else {
        body.push(ts.visitNode(statement, visitNested, ts.isStatement));
      }
    }

    // The last top-level expression statement of the cell is its value.
    let hasValue = false;
    if (valueStatement) {
      const index = body.findIndex((s) => ts.getOriginalNode(s) === valueStatement && ts.isExpressionStatement(s));
      if (index >= 0 && index === body.length - 1) {
        const statement = body[index] as ts.ExpressionStatement;
        body[index] = ts.setTextRange(f.createReturnStatement(boxed(f, true, statement.expression)), statement);
        hasValue = true;
      }
    }
    if (!hasValue) body.push(f.createReturnStatement(boxed(f, false)));

    const declaredNames = [...names];
    const prologue: ts.Statement[] = [f.createExpressionStatement(f.createStringLiteral("use strict"))];
    if (declaredNames.length > 0) {
      const list = f.createArrayLiteralExpression(declaredNames.map((n) => f.createStringLiteral(n)));
      const declare = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(HOOKS), "declare"), undefined, [list]);
      prologue.push(f.createExpressionStatement(declare));
    }
    const fn = f.createFunctionExpression(
      [f.createModifier(ts.SyntaxKind.AsyncKeyword)],
      undefined,
      undefined,
      undefined,
      [f.createParameterDeclaration(undefined, undefined, HOOKS)],
      undefined,
      f.createBlock([...prologue, ...hoisted, ...body], true),
    );
    report.declaredNames = declaredNames;
    report.hasValue = hasValue;
    return f.updateSourceFile(file, [f.createExpressionStatement(f.createParenthesizedExpression(fn))]);
  };
}

/** Names TypeScript generates (`_a`, `env_1`) carry an auto-generate record (internal API). */
function isGeneratedName(name: ts.BindingName): boolean {
  return ts.isIdentifier(name) && (name as { emitNode?: { autoGenerate?: unknown } }).emitNode?.autoGenerate !== undefined;
}

function isPlainVar(list: ts.Node | undefined): list is ts.VariableDeclarationList {
  return list !== undefined && ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.BlockScoped) === 0;
}

function asyncOnly(modifiers: ts.NodeArray<ts.ModifierLike> | undefined): ts.Modifier[] | undefined {
  const kept = modifiers?.filter((m): m is ts.Modifier => m.kind === ts.SyntaxKind.AsyncKeyword);
  return kept && kept.length > 0 ? kept : undefined;
}

/** `{ hasValue: true, value: expr }` or `{ hasValue: false }`. */
function boxed(f: ts.NodeFactory, hasValue: boolean, value?: ts.Expression): ts.Expression {
  const props = [f.createPropertyAssignment("hasValue", hasValue ? f.createTrue() : f.createFalse())];
  if (value) props.push(f.createPropertyAssignment("value", value));
  return f.createObjectLiteralExpression(props, false);
}

/**
 * The statement whose value the cell shows: its last statement, if that is an expression statement
 * (or `export default expr`). A cell ending in a declaration has no value.
 */
function lastExpressionStatement(original: ts.SourceFile): ts.Statement | undefined {
  const statements = original.statements.filter((s) => !ts.isEmptyStatement(s));
  const last = statements[statements.length - 1];
  if (!last) return undefined;
  if (ts.isExpressionStatement(last)) return last;
  if (ts.isExportAssignment(last)) return last;
  return undefined;
}
