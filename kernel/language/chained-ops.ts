import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "#typescript";

// tfjs-core declares each chained op (`t.add(b)`, `t.conv2d(...)`: ~140 of them) in a file of its
// own, as a module augmentation of its Tensor class, and register_all_chained_ops.d.ts imports
// them all. TypeScript merges every module augmentation into its target again for each new
// program, and the notebook builds a new program for every new cell: ~140 merges into Tensor's
// members, plus ~140 more files to reuse, were a quarter of checking a new cell (measured). The
// language service's host therefore shows the program register_all_chained_ops.d.ts as one
// augmentation holding every chained op's members, with their imports: the same declarations,
// one merge, and the per-op files drop out of the program.

/** The file whose text is replaced, by the end of its path. */
export const CHAINED_OPS_REGISTRY = ["@tensorflow", "tfjs-core", "dist", "public", "chained_ops", "register_all_chained_ops.d.ts"].join(path.sep);

/** The module each chained-op file augments, as it names it. */
const TENSOR_MODULE = "../../tensor";

/**
 * The text that stands for register_all_chained_ops.d.ts at `registryPath` (a disk path): every
 * file it imports, merged into one augmentation. undefined where a file is not of the one shape
 * this knows (named imports, then `declare module '../../tensor' { interface Tensor<...> {...} }`)
 * or two files import one name from different modules: the original files are then used as
 * they are, which is slower, never wrong.
 */
export function mergedChainedOps(registryPath: string): string | undefined {
  const folder = path.dirname(registryPath);
  const registry = parse(registryPath);
  if (!registry) return undefined;
  const imports = new Map<string, string>(); // imported name -> module specifier
  const members: string[] = [];
  let header: string | undefined;
  for (const statement of registry.statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause || !ts.isStringLiteral(statement.moduleSpecifier)) return undefined;
    const op = parse(path.join(folder, `${statement.moduleSpecifier.text}.d.ts`));
    if (!op) return undefined;
    for (const s of op.statements) {
      if (ts.isImportDeclaration(s)) {
        const bindings = s.importClause?.namedBindings;
        if (!ts.isStringLiteral(s.moduleSpecifier) || s.importClause?.name || !bindings || !ts.isNamedImports(bindings)) return undefined;
        for (const element of bindings.elements) {
          if (element.propertyName) return undefined;
          const from = imports.get(element.name.text);
          if (from !== undefined && from !== s.moduleSpecifier.text) return undefined;
          imports.set(element.name.text, s.moduleSpecifier.text);
        }
        continue;
      }
      const tensor = tensorInterface(s);
      if (!tensor) return undefined;
      // Every file declares the interface alike (`interface Tensor<R extends Rank = Rank>`).
      const own = op.text.slice(tensor.getStart(op), tensor.members.pos);
      if (header !== undefined && own !== header) return undefined;
      header = own;
      for (const member of tensor.members) members.push(`    ${member.getText(op)}`);
    }
  }
  if (header === undefined) return undefined;
  const byModule = new Map<string, string[]>();
  for (const [name, from] of imports) byModule.set(from, [...(byModule.get(from) ?? []), name]);
  return [
    "// tsamp: tfjs-core's chained ops, every file this one imports merged into one augmentation",
    "// (kernel/language/chained-ops.ts).",
    ...[...byModule].map(([from, names]) => `import { ${names.join(", ")} } from ${JSON.stringify(from)};`),
    `declare module ${JSON.stringify(TENSOR_MODULE)} {`,
    `  ${header}`,
    ...members,
    "  }",
    "}",
    "",
  ].join("\n");
}

function parse(file: string): ts.SourceFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** The `interface Tensor` of `declare module '../../tensor' { interface Tensor ... }`, if s is that. */
function tensorInterface(s: ts.Statement): ts.InterfaceDeclaration | undefined {
  if (!ts.isModuleDeclaration(s) || !ts.isStringLiteral(s.name) || s.name.text !== TENSOR_MODULE) return undefined;
  const body = s.body;
  if (!body || !ts.isModuleBlock(body) || body.statements.length !== 1) return undefined;
  const only = body.statements[0]!;
  return ts.isInterfaceDeclaration(only) && only.name.text === "Tensor" ? only : undefined;
}
