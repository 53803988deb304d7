import path from "node:path";
import ts from "typescript";
import { parseDiagnostics, toCellDiagnostics, type CellDiagnostic } from "./cell-diagnostics.js";
import { nestedVarDeclarations } from "./nested-var-declarations.js";
import { notebookCompilerOptions } from "./compiler-options.js";
import { completionsAt, type Completions } from "./completions.js";
import { globalContribution, importsShim } from "./global-contribution.js";
import { NotebookHost } from "./host.js";
import { ModuleResolver, typeRootsFrom } from "./module-resolution.js";
import { globalAugmentationNames, isGlobalAugmentation, isNotebookArtifact } from "./notebook-artifacts.js";
import { parseCell } from "./parse-cell.js";
import { quickInfoAt, type QuickInfo } from "./quick-info.js";
import { topLevelNames, type CellNames } from "./top-level-names.js";

export type { CellDiagnostic } from "./cell-diagnostics.js";
export type { Completions, CompletionItem } from "./completions.js";
export type { QuickInfo } from "./quick-info.js";

export interface NotebookLanguageServiceOptions {
  /** The notebook's folder: relative imports and node_modules resolve from here. */
  cwd: string;
  /** Ambient declarations of what the kernel puts in scope (display, tf, ...). */
  preludeDts: string;
  /** Folders whose node_modules are searched after cwd's (the kernel package root). */
  fallbackModuleRoots: string[];
}

/** A cell that ran, and what of it later cells still see. */
interface CommittedCell {
  index: number;
  /** Its declaration emit. */
  dts: string;
  declared: Set<string>;
  imported: string[];
  /** Names no later cell has redeclared. */
  owned: Set<string>;
  contributionPath: string;
  shimPath: string;
  /** Whether the cell has `import "m"` (kept for global augmentations m may declare). */
  sideEffectImports: boolean;
}

// One registry for every service in the process: lib.d.ts, @types/node and package typings are
// parsed once, also across %reset (which makes a fresh service).
const documents = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames);

const RANK_PRELUDE = 0;
const RANK_CANDIDATE = Number.MAX_SAFE_INTEGER;

/**
 * A TypeScript language service over a notebook, aware of every cell that ran before.
 *
 * The cell being checked or completed (the candidate) is a module file in the notebook folder, so
 * top-level await is legal and a cell redeclaring `const x` shadows the earlier global x instead
 * of conflicting with it. When a cell is committed (it ran), its declaration emit becomes a global
 * contribution file (see global-contribution.ts), so later cells see its names, with their types,
 * as globals, exactly as the runtime makes them globals. A name redeclared by a later cell is
 * removed from the earlier cell's contribution.
 */
export class NotebookLanguageService {
  readonly #host: NotebookHost;
  readonly #ls: ts.LanguageService;
  readonly #dir: string;
  readonly #candidate: string;
  #committed = 0;
  readonly #owner = new Map<string, CommittedCell>();
  /** Names committed cells declared in their own `declare global` blocks. */
  readonly #augmented = new Set<string>();

  constructor(opts: NotebookLanguageServiceOptions) {
    this.#dir = path.resolve(opts.cwd);
    const roots = opts.fallbackModuleRoots.map((r) => path.resolve(r));
    const options = notebookCompilerOptions(typeRootsFrom([this.#dir, ...roots]));
    this.#host = new NotebookHost(this.#dir, options);
    this.#host.resolver = new ModuleResolver(options, this.#host, this.#dir, roots);
    this.#host.setFile(this.#file("__tsamp_prelude__.d.ts"), asGlobalDeclarations(opts.preludeDts), RANK_PRELUDE);
    this.#candidate = this.#file("__tsamp_cell__.ts");
    this.#ls = ts.createLanguageService(this.#host, documents);
  }

  /** Syntax and type errors of a cell about to run, positioned in the cell. */
  check(source: string): CellDiagnostic[] {
    const parsed = parseCell(this.#candidate, source);
    const syntax = parseDiagnostics(parsed);
    if (syntax.length > 0) return toCellDiagnostics(parsed, syntax, source.length);

    this.#setCandidate(source + exportList(topLevelNames(parsed)));
    const program = this.#ls.getProgram();
    const file = program?.getSourceFile(this.#candidate);
    if (!program || !file) return [];
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    const real = diagnostics.filter((d) => !isNotebookArtifact(d, file, this.#augmented));
    return toCellDiagnostics(file, real, source.length);
  }

  /** The cell ran: its top-level declarations become globals for later cells. */
  commit(source: string): void {
    const parsed = parseCell(this.#candidate, source, true);
    if (parseDiagnostics(parsed).length > 0) return; // it cannot have run
    const names = topLevelNames(parsed);
    globalAugmentationNames(parsed).forEach((n) => this.#augmented.add(n));
    if (names.declared.length === 0 && !parsed.statements.some((s) => ts.isImportDeclaration(s) || isGlobalAugmentation(s))) return;

    this.#setCandidate(source + exportList(names));
    const emitted = this.#ls.getEmitOutput(this.#candidate, true, true);
    let dts = emitted.outputFiles.find((f) => f.name.endsWith(".d.ts"))?.text ?? "";
    const program = this.#ls.getProgram();
    const file = program?.getSourceFile(this.#candidate);
    if (program && file) dts += nestedVarDeclarations(program, file, names.nestedVars);
    const index = ++this.#committed;
    const cell: CommittedCell = {
      index,
      dts,
      declared: new Set(names.declared),
      imported: names.imported,
      owned: new Set(names.declared),
      contributionPath: this.#file(`__tsamp_cell_${index}__.d.ts`),
      shimPath: this.#file(`__tsamp_cell_${index}_imports__.d.ts`),
      sideEffectImports: parsed.statements.some((s) => ts.isImportDeclaration(s) && !s.importClause),
    };
    const touched = new Set<CommittedCell>([cell]);
    for (const name of names.declared) {
      const previous = this.#owner.get(name);
      if (previous) {
        previous.owned.delete(name);
        touched.add(previous);
      }
      this.#owner.set(name, cell);
    }
    if (parsed.statements.some(ts.isImportDeclaration)) this.#host.setFile(cell.shimPath, importsShim(parsed, names.imported), index);
    for (const c of touched) this.#writeContribution(c);
  }

  /** Completions at `cursor` (a UTF-16 offset in `source`). */
  complete(source: string, cursor: number): Completions {
    this.#setCandidate(source);
    return completionsAt(this.#ls, this.#candidate, source, clamp(cursor, source));
  }

  /** Signature, documentation and tags of the symbol at or just before `cursor`. */
  quickInfo(source: string, cursor: number): QuickInfo {
    this.#setCandidate(source);
    return quickInfoAt(this.#ls, this.#candidate, clamp(cursor, source));
  }

  /** Releases the parsed files this service holds in the shared registry. */
  dispose(): void {
    this.#ls.dispose();
  }

  /** (Re)writes a cell's contribution for the names it still owns; drops what became empty. */
  #writeContribution(cell: CommittedCell): void {
    const importedOwned = cell.imported.filter((n) => cell.owned.has(n));
    const text = globalContribution({
      dts: cell.dts,
      owned: cell.owned,
      declared: cell.declared,
      importedOwned,
      shimSpecifier: `./${path.basename(cell.shimPath, ".d.ts")}`,
    });
    if (text === undefined) this.#host.deleteFile(cell.contributionPath);
    else this.#host.setFile(cell.contributionPath, text, cell.index);
    if (importedOwned.length === 0 && !cell.sideEffectImports) this.#host.deleteFile(cell.shimPath);
  }

  #setCandidate(text: string): void {
    this.#host.setFile(this.#candidate, text, RANK_CANDIDATE);
  }

  #file(name: string): string {
    return path.join(this.#dir, name);
  }
}

/**
 * `export { a, b };` for every top-level name the cell does not export itself: declaration emit
 * only describes exported names, and every name of a cell is visible to later cells.
 */
function exportList(names: CellNames): string {
  const missing = names.declared.filter((n) => !names.exported.has(n));
  return missing.length > 0 ? `\nexport { ${missing.join(", ")} };\n` : "";
}

function clamp(cursor: number, source: string): number {
  return Math.max(0, Math.min(source.length, Math.floor(cursor)));
}

/**
 * The prelude as a file of global declarations: `declare global {}` is only allowed in a module,
 * so a prelude written as a script with `declare global` gets an `export {}`.
 */
function asGlobalDeclarations(prelude: string): string {
  const file = ts.createSourceFile("prelude.d.ts", prelude, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const augments = file.statements.some(isGlobalAugmentation);
  return augments && !ts.isExternalModule(file) ? `${prelude}\nexport {};\n` : prelude;
}
