import path from "node:path";
import ts from "#typescript";
import { parseDiagnostics, toCellDiagnostics, type CellDiagnostic } from "./cell-diagnostics.js";
import { nestedVarDeclarations } from "./nested-var-declarations.js";
import { notebookCompilerOptions } from "./compiler-options.js";
import { completionsAt, type Completions } from "./completions.js";
import { documentCache } from "./document-cache.js";
import { EMPTY_CONTRIBUTION, globalContribution, importsShim } from "./global-contribution.js";
import { NotebookHost } from "./host.js";
import { ModuleAliases, rewriteImportTypes } from "./module-aliases.js";
import { ModuleResolver, typeRootsFrom } from "./module-resolution.js";
import { protect } from "../execution/interrupt-safety.js";
import { log } from "../log.js";
import { globalAugmentationNames, isGlobalAugmentation, isNotebookArtifact } from "./notebook-artifacts.js";
import { parseCell } from "./parse-cell.js";
import { programPath } from "./library-paths.js";
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
  source: string;
  /** Its declaration emit, import types through module aliases. */
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
const RANK_MODULE_ALIASES = 0.5;
const RANK_CANDIDATE = Number.MAX_SAFE_INTEGER;
/** Contribution slots made at a time (see #reserveSlots). */
const SLOT_BATCH = 32;

/**
 * A TypeScript language service over a notebook, aware of every cell that ran before.
 *
 * The cell being checked or completed (the candidate) is a module file in the notebook folder, so
 * top-level await is legal and a cell redeclaring `const x` shadows the earlier global x instead
 * of conflicting with it. When a cell is committed (it ran), its declaration emit becomes a global
 * contribution file (see global-contribution.ts), so later cells see its names, with their types,
 * as globals, exactly as the runtime makes them globals. A name redeclared by a later cell is
 * removed from the earlier cell's contribution.
 *
 * Speed: every check, completion and quick info builds a new TypeScript program (the candidate's
 * text changed), and a program over the prelude's ~700 declaration files is only cheap when
 * TypeScript can reuse the old program's structure "completely": the same root files, and no file
 * whose imports or module augmentations changed. So the root set does not change when a cell is
 * committed: contribution files are slots made in batches ahead of use, each holding an empty
 * contribution (`declare global {}`, one augmentation, no imports) until a cell takes it, and a
 * cell's contribution keeps that shape whenever the cell has no imports. Imports shims are no
 * roots: a contribution imports its shim when it needs it. The import types of declaration emit
 * (`import("@tensorflow/tfjs-core").Tensor`) go through global aliases (module-aliases.ts). A cell
 * is committed when the event loop is next free (see commit), and running the last cell again,
 * unchanged, changes no file at all, so its next check is answered from the same program.
 */
export class NotebookLanguageService {
  readonly #host: NotebookHost;
  readonly #ls: ts.LanguageService;
  readonly #dir: string;
  readonly #candidate: string;
  readonly #resolver: ModuleResolver;
  readonly #modules: ModuleAliases;
  readonly #modulesPath: string;
  #committed = 0;
  /** Contribution slots made so far: cells 1..#slots have a root file. */
  #slots = 0;
  readonly #owner = new Map<string, CommittedCell>();
  /** Names committed cells declared in their own `declare global` blocks. */
  readonly #augmented = new Set<string>();
  /** The last committed cell. */
  #last: CommittedCell | undefined;
  /** The candidate's declarations, made at a project version (the same version, the same files). */
  #emitted: { version: string; dts: string } | undefined;
  /** Cells that ran, not yet committed (see commit). */
  readonly #pending: string[] = [];
  /** Work scheduled for when the event loop is next free (see #whenIdle). */
  #idle: NodeJS.Immediate | undefined;
  /** Whether the next program is a full rebuild, worth making before it is asked for. */
  #warmUp = false;

  constructor(opts: NotebookLanguageServiceOptions) {
    this.#dir = path.resolve(opts.cwd);
    const roots = opts.fallbackModuleRoots.map((r) => path.resolve(r));
    const options = notebookCompilerOptions(typeRootsFrom([this.#dir, ...roots]));
    this.#host = new NotebookHost(this.#dir, options);
    this.#resolver = this.#host.resolver = new ModuleResolver(options, this.#host, this.#dir, roots);
    this.#host.setFile(this.#file("__tsamp_prelude__.d.ts"), asGlobalDeclarations(opts.preludeDts), RANK_PRELUDE);
    this.#modules = new ModuleAliases((specifier) => this.#isPlainModule(specifier));
    this.#modulesPath = this.#file("__tsamp_modules__.d.ts");
    this.#host.setFile(this.#modulesPath, this.#modules.text(), RANK_MODULE_ALIASES);
    this.#candidate = this.#file("__tsamp_cell__.ts");
    this.#reserveSlots(1);
    this.#ls = ts.createLanguageService(this.#host, documentCache(documents));
  }

  /** Syntax and type errors of a cell about to run, positioned in the cell. */
  check(source: string): CellDiagnostic[] {
    this.#commitPending();
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

  /**
   * The cell ran: its top-level declarations become globals for later cells. The work (the cell's
   * declaration emit: ~1 ms, ~10-20 ms for a cell with tensors, whose types take long to name) is
   * done when the event loop is next free, so after the kernel has replied, or at the latest
   * before the next check, completion or quick info.
   */
  commit(source: string): void {
    this.#pending.push(source);
    this.#whenIdle();
  }

  #commitPending(): void {
    while (this.#pending.length > 0) {
      const source = this.#pending.shift()!;
      try {
        this.#commitNow(source);
      } catch (err) {
        // Later cells will not see this one's declarations; the request that made us commit
        // (another cell's check, a completion) must not fail for it.
        log(`language service: committing a cell failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }

  #commitNow(source: string): void {
    const parsed = parseCell(this.#candidate, source, true);
    if (parseDiagnostics(parsed).length > 0) return; // it cannot have run
    const names = topLevelNames(parsed);
    globalAugmentationNames(parsed).forEach((n) => this.#augmented.add(n));
    if (names.declared.length === 0 && !parsed.statements.some((s) => ts.isImportDeclaration(s) || isGlobalAugmentation(s))) return;

    this.#setCandidate(source + exportList(names));
    const dts = this.#declarations(names);
    // Running the last cell again, unchanged, with the same declarations, changes nothing for
    // later cells: keeping the files as they are keeps the program (and the next check of the
    // same cell is answered from it).
    const last = this.#last;
    if (last && last.index === this.#committed && last.source === source && last.dts === dts && last.owned.size === last.declared.size) return;

    const index = ++this.#committed;
    this.#reserveSlots(index);
    const cell: CommittedCell = {
      index,
      source,
      dts,
      declared: new Set(names.declared),
      imported: names.imported,
      owned: new Set(names.declared),
      contributionPath: this.#contributionPath(index),
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
    if (parsed.statements.some(ts.isImportDeclaration)) this.#host.setFile(cell.shimPath, importsShim(parsed, names.imported));
    for (const c of touched) this.#writeContribution(c);
    this.#last = cell;
  }

  /** The candidate's declaration emit, with its nested `var`s, import types through module aliases. */
  #declarations(names: CellNames): string {
    const version = this.#host.getProjectVersion();
    if (this.#emitted?.version === version) return this.#emitted.dts;
    const program = this.#ls.getProgram();
    const emitted = this.#ls.getEmitOutput(this.#candidate, true, true);
    let dts = emitted.outputFiles.find((f) => f.name.endsWith(".d.ts"))?.text ?? "";
    const file = program?.getSourceFile(this.#candidate);
    if (program && file) dts += nestedVarDeclarations(program, file, names.nestedVars);
    dts = rewriteImportTypes(dts, (specifier) => this.#modules.alias(specifier));
    this.#emitted = { version, dts };
    if (this.#host.setFile(this.#modulesPath, this.#modules.text(), RANK_MODULE_ALIASES)) this.#warmUp = true;
    return dts;
  }

  /** Completions at `cursor` (a UTF-16 offset in `source`). */
  complete(source: string, cursor: number): Completions {
    this.#commitPending();
    this.#setCandidate(source);
    return completionsAt(this.#ls, this.#candidate, source, clamp(cursor, source));
  }

  /** Signature, documentation and tags of the symbol at or just before `cursor`. */
  quickInfo(source: string, cursor: number): QuickInfo {
    this.#commitPending();
    this.#setCandidate(source);
    return quickInfoAt(this.#ls, this.#candidate, clamp(cursor, source));
  }

  /**
   * How much of the previous program TypeScript reused to build the current one ("complete" is
   * the fast case this service is laid out for; see the class comment), and its file count. For
   * tests and benchmarks: `structureIsReused` is internal to TypeScript.
   */
  programReuse(): { reuse: "none" | "modules" | "complete" | "unknown"; files: number } {
    this.#commitPending();
    const program = this.#ls.getProgram();
    const reused = (program as { structureIsReused?: number } | undefined)?.structureIsReused;
    const reuse = reused === 0 ? "none" : reused === 1 ? "modules" : reused === 2 ? "complete" : "unknown";
    return { reuse, files: program?.getSourceFiles().length ?? 0 };
  }

  /** The modules whose import types committed declarations go through an alias for (for tests). */
  moduleAliases(): readonly string[] {
    this.#commitPending();
    return this.#modules.registered();
  }

  /** Releases the parsed files this service holds in the shared registry. */
  dispose(): void {
    if (this.#idle) clearImmediate(this.#idle);
    this.#pending.length = 0;
    this.#ls.dispose();
  }

  /**
   * (Re)writes a cell's contribution for the names it still owns. The shim stays in memory when
   * no longer imported (it then is no part of the program): deleting a file of the current
   * program would make TypeScript rebuild the next one from scratch.
   */
  #writeContribution(cell: CommittedCell): void {
    const text = globalContribution({
      dts: cell.dts,
      owned: cell.owned,
      declared: cell.declared,
      importedOwned: cell.imported.filter((n) => cell.owned.has(n)),
      shimSpecifier: `./${path.basename(cell.shimPath, ".d.ts")}`,
      sideEffectImports: cell.sideEffectImports,
    });
    this.#host.setFile(cell.contributionPath, text, cell.index);
  }

  /**
   * Makes contribution slots up to at least cell `index`, in batches that grow with the notebook
   * (each batch changes the root set once, which costs one full program rebuild).
   */
  #reserveSlots(index: number): void {
    if (index <= this.#slots) return;
    const target = Math.max(index, this.#slots + Math.max(SLOT_BATCH, this.#slots >> 1));
    for (let i = this.#slots + 1; i <= target; i++) this.#host.setFile(this.#contributionPath(i), EMPTY_CONTRIBUTION, i);
    this.#slots = target;
    this.#warmUp = true;
  }

  /**
   * Commits the pending cells when the event loop is next free, typically while the kernel waits
   * for the next request; then, after a change that makes TypeScript rebuild the next program from
   * scratch (new root files, a new module alias), builds that program, so that the next check
   * only pays for its own cell. Protected from interrupts like all of the kernel's own work: an
   * interrupt that stopped it halfway would leave the notebook's declarations inconsistent.
   */
  #whenIdle(): void {
    if (this.#idle) return;
    this.#idle = setImmediate(() => {
      this.#idle = undefined;
      try {
        protect(() => {
          this.#commitPending();
          if (this.#warmUp) this.#ls.getProgram();
          this.#warmUp = false;
        });
      } catch (err) {
        // Nothing awaits this work, and the kernel must not die of it: the next request redoes it.
        log(`language service: preparing the next program failed: ${(err as Error).stack ?? String(err)}`);
      }
    });
    this.#idle.unref();
  }

  #contributionPath(index: number): string {
    return this.#file(`__tsamp_cell_${index}__.d.ts`);
  }

  /**
   * Whether `specifier`, imported from the notebook folder, is a module without `export =` that
   * `require` and `import` resolve alike (see module-aliases.ts). Asked while the current program
   * is the committed cell's.
   */
  #isPlainModule(specifier: string): boolean {
    const program = this.#ls.getProgram();
    if (!program) return false;
    const checker = program.getTypeChecker();
    const resolved = this.#resolver.resolve(specifier, this.#candidate, undefined, ts.ModuleKind.ESNext).resolvedModule;
    const required = this.#resolver.resolve(specifier, this.#candidate, undefined, ts.ModuleKind.CommonJS).resolvedModule;
    if (resolved?.resolvedFileName !== required?.resolvedFileName) return false;
    let module: ts.Symbol | undefined;
    if (resolved) {
      // The resolver gives disk paths; the program knows library files by another name.
      const file = program.getSourceFile(programPath(resolved.resolvedFileName));
      module = file && checker.getSymbolAtLocation(file);
    } else {
      const name = JSON.stringify(specifier);
      module = checker.getAmbientModules().find((m) => m.name === name);
    }
    return module !== undefined && !module.exports?.has(ts.InternalSymbolName.ExportEquals);
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
