import ts from "#typescript";

/**
 * Global names for the modules that committed cells' declarations mention.
 *
 * Declaration emit writes the type of `const t = tf.tensor([1])` as
 * `import("@tensorflow/tfjs-core").Tensor<...>`, and TypeScript counts such an import type as an
 * import of the file: a contribution holding one would change its file's imports, and a program
 * with a file whose imports changed is rebuilt without reusing the old one's structure (several
 * times slower; see service.ts). So import types are rewritten to qualified names through one
 * file that imports each module once,
 *
 *     import __tsamp_m0 = require("@tensorflow/tfjs-core");
 *     declare global {
 *       namespace __tsamp_modules {
 *         export import m0 = __tsamp_m0;
 *       }
 *     }
 *
 * (`import("@tensorflow/tfjs-core").Tensor<R>` becomes `__tsamp_modules.m0.Tensor<R>`), whose
 * imports change only when a cell first mentions a module.
 *
 * `import x = require()` names the module symbol itself, as an import type does. (A namespace
 * import, `import * as x`, would be the same module but, under esModuleInterop, makes the checker
 * build the module's whole object type on first use: every export of tfjs resolved, ~10 ms in
 * each new program.) An alias is only made when it names what the import type names: a module
 * without `export =` (the alias must be a namespace), which `require` resolves to the same file
 * as `import` (packages may have different "exports" for the two).
 */
export class ModuleAliases {
  static readonly NAMESPACE = "__tsamp_modules";
  readonly #aliases = new Map<string, string | undefined>();
  readonly #registered: string[] = [];

  /**
   * @param aliasable whether a module specifier (as written in a contribution, so relative to the
   * notebook folder) can have an alias (see above); asked once per specifier.
   */
  constructor(private readonly aliasable: (specifier: string) => boolean) {}

  /** The qualified name standing for `import(specifier)`, or undefined to keep the import type. */
  alias(specifier: string): string | undefined {
    if (this.#aliases.has(specifier)) return this.#aliases.get(specifier);
    let alias: string | undefined;
    if (this.aliasable(specifier)) {
      alias = `${ModuleAliases.NAMESPACE}.m${this.#registered.length}`;
      this.#registered.push(specifier);
    }
    this.#aliases.set(specifier, alias);
    return alias;
  }

  /** The module specifiers that have an alias, in the order they got it. */
  registered(): readonly string[] {
    return [...this.#registered];
  }

  /** The text of the file that declares the aliases. */
  text(): string {
    const imports = this.#registered.map((specifier, i) => `import __tsamp_m${i} = require(${JSON.stringify(specifier)});\n`).join("");
    const aliases = this.#registered.map((_, i) => `        export import m${i} = __tsamp_m${i};\n`).join("");
    return `${imports}declare global {\n    namespace ${ModuleAliases.NAMESPACE} {\n${aliases}    }\n}\nexport {};\n`;
  }
}

/**
 * `dts` with every import type `import("m").A.B<T>` / `typeof import("m").a` / `typeof import("m")`
 * whose module has an alias rewritten to go through it (`alias.A.B<T>`, ...). Only the
 * `import("m").` part is replaced, so type arguments (which may hold import types themselves),
 * comments and layout stay as they are.
 */
export function rewriteImportTypes(dts: string, alias: (specifier: string) => string | undefined): string {
  if (!dts.includes("import(")) return dts;
  const file = ts.createSourceFile("cell.d.ts", dts, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportTypeNode(node) && !node.attributes && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const name = alias(node.argument.literal.text);
      // `import("m")` alone names the module as a type, which a namespace cannot stand for.
      if (name !== undefined && (node.qualifier || node.isTypeOf)) {
        const start = dts.lastIndexOf("import", node.argument.getStart(file));
        const close = dts.indexOf(")", node.argument.end);
        if (start >= node.getStart(file) && close >= 0) {
          const end = node.qualifier ? node.qualifier.getStart(file) : close + 1;
          edits.push({ start, end, text: node.qualifier ? `${name}.` : name });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = dts;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
