import path from "node:path";
import ts from "typescript";

/**
 * Resolves imports the way a cell's `import` is loaded at run time: from the notebook folder's
 * node_modules (walking up), then from each fallback root (the kernel package, so that "tsamp" and
 * tfjs resolve in any notebook folder). `node:` builtins resolve to @types/node's ambient modules.
 */
export class ModuleResolver {
  // Only resolutions made from inside packages are cached: they never change during a session,
  // while a notebook's own failed import must be retried (the user may `npm install` meanwhile).
  // Its package.json cache also spares every new program a package.json lookup per declaration
  // file (TypeScript asks each file's package scope on each program update).
  readonly #packageCache: ts.ModuleResolutionCache;

  get cache(): ts.ModuleResolutionCache {
    return this.#packageCache;
  }

  constructor(
    private readonly options: ts.CompilerOptions,
    private readonly host: ts.ModuleResolutionHost,
    cwd: string,
    private readonly fallbackRoots: readonly string[],
  ) {
    this.#packageCache = ts.createModuleResolutionCache(cwd, (f) => f, options);
  }

  resolve(
    name: string,
    containingFile: string,
    redirectedReference: ts.ResolvedProjectReference | undefined,
    mode: ts.ResolutionMode,
  ): ts.ResolvedModuleWithFailedLookupLocations {
    const inPackage = containingFile.includes(`${path.sep}node_modules${path.sep}`);
    const cache = inPackage ? this.#packageCache : undefined;
    const primary = ts.resolveModuleName(name, containingFile, this.options, this.host, cache, redirectedReference, mode);
    if (primary.resolvedModule || isRelative(name)) return primary;
    for (const root of this.fallbackRoots) {
      const from = path.join(root, "__tsamp_resolve__.ts");
      const fallback = ts.resolveModuleName(name, from, this.options, this.host, this.#packageCache, redirectedReference, mode);
      if (fallback.resolvedModule) return fallback;
    }
    return primary;
  }
}

function isRelative(name: string): boolean {
  return name.startsWith("./") || name.startsWith("../") || name === "." || name === ".." || path.isAbsolute(name);
}

/**
 * `node_modules/@types` folders from `dirs` and their parents, nearest first, deduplicated: the
 * notebook folder's own @types/node wins, the kernel's is the fallback.
 */
export function typeRootsFrom(dirs: readonly string[]): string[] {
  const roots: string[] = [];
  for (const start of dirs) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "node_modules", "@types");
      if (!roots.includes(candidate) && ts.sys.directoryExists(candidate)) roots.push(candidate);
      if (path.dirname(dir) === dir) break;
    }
  }
  return roots;
}
