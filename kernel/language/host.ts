import ts from "#typescript";
import { CHAINED_OPS_REGISTRY, mergedChainedOps } from "./chained-ops.js";
import type { ModuleResolver } from "./module-resolution.js";
import { diskPath, programPath } from "./library-paths.js";

// Versions of in-memory files are unique across every host in the process: hosts share one
// DocumentRegistry (so lib.d.ts and @types/node are parsed once), and the registry reuses a
// parsed file when path and version match, so two hosts must never give different texts of the
// same path the same version.
let nextVersion = 1;

interface VirtualFile {
  text: string;
  version: string;
  snapshot: ts.IScriptSnapshot;
  /**
   * Root files are ordered by rank: prelude, committed cells in order, candidate cell. A file
   * without a rank is no root: it is part of the program only when a root imports it.
   */
  rank: number | undefined;
}

/**
 * The LanguageServiceHost of one notebook: in-memory files for the prelude, the committed cells
 * and the cell being edited, everything else read from disk once (node_modules and lib files do
 * not change under a running kernel, so their version is constant and they are never re-parsed).
 */
export class NotebookHost implements ts.LanguageServiceHost {
  readonly #files = new Map<string, VirtualFile>();
  readonly #disk = new Map<string, ts.IScriptSnapshot | undefined>();
  #projectVersion = 0;
  /** The root file names in rank order, until the set of roots changes. */
  #roots: string[] | undefined;
  resolver: ModuleResolver | undefined;

  constructor(
    private readonly cwd: string,
    private readonly options: ts.CompilerOptions,
  ) {}

  /**
   * Creates or replaces an in-memory file, a root file when it has a rank; returns false when
   * nothing changed. Keeping the same text keeps the version, so the program keeps the parsed file.
   */
  setFile(fileName: string, text: string, rank?: number): boolean {
    const existing = this.#files.get(fileName);
    if (existing && existing.text === text && existing.rank === rank) return false;
    if (existing?.rank !== rank) this.#roots = undefined;
    const version = existing && existing.text === text ? existing.version : String(nextVersion++);
    const snapshot = existing && existing.text === text ? existing.snapshot : ts.ScriptSnapshot.fromString(text);
    this.#files.set(fileName, { text, version, snapshot, rank });
    this.#projectVersion++;
    return true;
  }

  deleteFile(fileName: string): void {
    const existing = this.#files.get(fileName);
    if (!existing) return;
    this.#files.delete(fileName);
    if (existing.rank !== undefined) this.#roots = undefined;
    this.#projectVersion++;
  }

  getFileText(fileName: string): string | undefined {
    return this.#files.get(fileName)?.text;
  }

  getProjectVersion(): string {
    return String(this.#projectVersion);
  }

  getScriptFileNames(): string[] {
    this.#roots ??= [...this.#files.entries()]
      .filter(([, file]) => file.rank !== undefined)
      .sort((a, b) => a[1].rank! - b[1].rank!)
      .map(([name]) => name);
    return this.#roots;
  }

  getScriptVersion(fileName: string): string {
    return this.#files.get(fileName)?.version ?? "disk";
  }

  getScriptSnapshot(fileName: string): ts.IScriptSnapshot | undefined {
    const file = this.#files.get(fileName);
    if (file) return file.snapshot;
    if (!this.#disk.has(fileName)) {
      const disk = diskPath(fileName);
      // tfjs-core's chained ops as one file (see chained-ops.ts); the files as they are otherwise.
      const text = (disk.endsWith(CHAINED_OPS_REGISTRY) ? mergedChainedOps(disk) : undefined) ?? ts.sys.readFile(disk);
      this.#disk.set(fileName, text === undefined ? undefined : ts.ScriptSnapshot.fromString(text));
    }
    return this.#disk.get(fileName);
  }

  getCompilationSettings(): ts.CompilerOptions {
    return this.options;
  }

  getCurrentDirectory(): string {
    return this.cwd;
  }

  getDefaultLibFileName(options: ts.CompilerOptions): string {
    return programPath(ts.getDefaultLibFilePath(options));
  }

  // Disk access takes the program's names (see library-paths.ts) as well as disk paths.
  fileExists(fileName: string): boolean {
    return this.#files.has(fileName) || ts.sys.fileExists(diskPath(fileName));
  }

  readFile(fileName: string): string | undefined {
    return this.#files.get(fileName)?.text ?? ts.sys.readFile(diskPath(fileName));
  }

  directoryExists(directoryName: string): boolean {
    return ts.sys.directoryExists(diskPath(directoryName));
  }

  getDirectories(directoryName: string): string[] {
    return ts.sys.getDirectories(diskPath(directoryName));
  }

  readDirectory(dir: string, extensions?: readonly string[], exclude?: readonly string[], include?: readonly string[], depth?: number): string[] {
    return ts.sys.readDirectory(diskPath(dir), extensions, exclude, include, depth).map(programPath);
  }

  realpath(fileName: string): string {
    if (this.#files.has(fileName)) return fileName;
    return programPath(ts.sys.realpath ? ts.sys.realpath(diskPath(fileName)) : diskPath(fileName));
  }

  useCaseSensitiveFileNames(): boolean {
    return ts.sys.useCaseSensitiveFileNames;
  }

  getModuleResolutionCache(): ts.ModuleResolutionCache | undefined {
    return this.resolver?.cache;
  }

  resolveModuleNameLiterals(
    literals: readonly ts.StringLiteralLike[],
    containingFile: string,
    redirectedReference: ts.ResolvedProjectReference | undefined,
    options: ts.CompilerOptions,
    containingSourceFile: ts.SourceFile,
  ): readonly ts.ResolvedModuleWithFailedLookupLocations[] {
    const resolver = this.resolver;
    if (!resolver) throw new Error("NotebookHost used before its resolver was set");
    return literals.map((literal) =>
      renamed(resolver.resolve(literal.text, diskPath(containingFile), redirectedReference, ts.getModeForUsageLocation(containingSourceFile, literal, options))),
    );
  }

  resolveTypeReferenceDirectiveReferences<T extends ts.FileReference | string>(
    references: readonly T[],
    containingFile: string,
    redirectedReference: ts.ResolvedProjectReference | undefined,
    options: ts.CompilerOptions,
    containingSourceFile: ts.SourceFile | undefined,
  ): readonly ts.ResolvedTypeReferenceDirectiveWithFailedLookupLocations[] {
    return references.map((reference) => {
      const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
      const mode = typeof reference === "string" || !containingSourceFile ? undefined : ts.getModeForFileReference(reference, containingSourceFile.impliedNodeFormat);
      const resolved = ts.resolveTypeReferenceDirective(name, diskPath(containingFile), options, ts.sys, redirectedReference, undefined, mode);
      const directive = resolved.resolvedTypeReferenceDirective;
      if (!directive?.resolvedFileName) return resolved;
      return { ...resolved, resolvedTypeReferenceDirective: { ...directive, resolvedFileName: programPath(directive.resolvedFileName) } };
    });
  }
}

/** A module resolution with its file under the program's name for it (see library-paths.ts). */
function renamed(resolution: ts.ResolvedModuleWithFailedLookupLocations): ts.ResolvedModuleWithFailedLookupLocations {
  const module = resolution.resolvedModule;
  if (!module) return resolution;
  return { ...resolution, resolvedModule: { ...module, resolvedFileName: programPath(module.resolvedFileName) } };
}
