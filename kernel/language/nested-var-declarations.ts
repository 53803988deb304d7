import ts from "#typescript";

/**
 * Declarations for `var`s declared inside top-level loops and blocks of a cell
 * (`for (var i = 0; ...)`), which declaration emit leaves out (it only emits top-level
 * statements) although the runtime makes them globals. Their types come from the checker.
 */
export function nestedVarDeclarations(program: ts.Program, file: ts.SourceFile, names: readonly string[]): string {
  if (names.length === 0) return "";
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(file);
  if (!module) return "";
  const exports = new Map(checker.getExportsOfModule(module).map((s) => [s.name, s]));
  const lines: string[] = [];
  for (const name of names) {
    const symbol = exports.get(name);
    if (!symbol) continue;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const type = checker.typeToString(checker.getTypeOfSymbol(target), file, ts.TypeFormatFlags.NoTruncation);
    lines.push(`declare var ${name}: ${type};`);
  }
  return lines.join("\n") + "\n";
}
