import path from "node:path";
import ts from "#typescript";

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
    memoizePackageJsonLookups(this.#packageCache.getPackageJsonInfoCache());
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

/**
 * Resolution asks, for each file it looks at under node_modules, which package.json scope the file
 * is in (walking up the file's folders and looking each `<folder>/package.json` up in this cache;
 * the program's own files no longer ask on every new program, see library-paths.ts). The cache
 * normalises the path of each lookup before its map lookup; most of that time goes away with a
 * map in front of it keyed by the path exactly as asked (TypeScript asks with normalised absolute
 * paths, so the two agree).
 * `getPackageJsonInfo`/`setPackageJsonInfo` are TypeScript internals: without them, nothing changes.
 */
function memoizePackageJsonLookups(cache: ts.PackageJsonInfoCache): void {
  type Lookup = (packageJsonPath: string) => unknown;
  type Store = (packageJsonPath: string, info: unknown) => void;
  const internals = cache as unknown as { getPackageJsonInfo?: Lookup; setPackageJsonInfo?: Store; clear: () => void };
  const lookup = internals.getPackageJsonInfo;
  const store = internals.setPackageJsonInfo;
  const clear = internals.clear;
  if (typeof lookup !== "function" || typeof store !== "function" || typeof clear !== "function") return;
  const memo = new Map<string, unknown>();
  internals.getPackageJsonInfo = (packageJsonPath) => {
    let info = memo.get(packageJsonPath);
    if (info === undefined) {
      info = lookup.call(cache, packageJsonPath);
      if (info !== undefined) memo.set(packageJsonPath, info);
    }
    return info;
  };
  internals.setPackageJsonInfo = (packageJsonPath, info) => {
    memo.clear(); // another spelling of the same path may be memoized
    store.call(cache, packageJsonPath, info);
  };
  internals.clear = () => {
    memo.clear();
    clear.call(cache);
  };
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
