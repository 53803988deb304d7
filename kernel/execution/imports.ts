// Resolving `import` in cells: node builtins, then packages and files from the notebook's folder
// (walking up node_modules like Node does, honoring package "exports" for ESM-only packages), then
// the kernel's own dependencies (tfjs, tsamp itself).
import { builtinModules, createRequire } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILTINS = new Set(builtinModules);
const CONDITIONS = ["node", "import", "module-sync", "default"];

export type ImportOptions = { with?: Record<string, string> };

export function createImporter(cwd: () => string): (specifier: string, options?: ImportOptions) => Promise<unknown> {
  const load = loader(cwd);
  return async (specifier, options) => withCommonJsNames(await load(specifier, options));
}

/**
 * Node gives a CommonJS module only the named exports its static scanner detects, so
 * `import { answer } from "cjs-pkg"` finds nothing when the package assigns `module.exports = {...}`
 * computed at run time. TypeScript (esModuleInterop) types those names from module.exports, so the
 * cell gets them from there too: names missing from the namespace fall back to the default export.
 */
function withCommonJsNames(namespace: unknown): unknown {
  const ns = namespace as Record<string, unknown>;
  const fallback = ns?.default;
  if (typeof fallback !== "object" && typeof fallback !== "function") return namespace;
  if (fallback === null) return namespace;
  const missing = Object.keys(fallback).filter((name) => !(name in ns));
  if (missing.length === 0) return namespace;
  const merged: Record<string, unknown> = { ...ns };
  for (const name of missing) merged[name] = (fallback as Record<string, unknown>)[name];
  return merged;
}

function loader(cwd: () => string): (specifier: string, options?: ImportOptions) => Promise<unknown> {
  return async (specifier, options) => {
    // Import attributes (`with { type: "json" }`) pass through to Node's loader.
    const attributes = options?.with ? { with: options.with } : undefined;
    if (specifier.startsWith("node:") || BUILTINS.has(specifier)) return import(specifier);
    const local = resolveFrom(specifier, cwd());
    if (local) return import(pathToFileURL(local).href, attributes);
    try {
      return await import(specifier, attributes);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_MODULE_NOT_FOUND" && !specifier.startsWith(".")) {
        throw new Error(
          `Cannot find package "${specifier}" from ${cwd()} or tsamp's own dependencies; install it next to the notebook with: npm install ${packageName(specifier)}`,
        );
      }
      throw err;
    }
  };
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** A file path for `specifier` as seen from `dir`, or null to let the kernel's own resolution try. */
export function resolveFrom(specifier: string, dir: string): string | null {
  if (specifier.startsWith(".") || isAbsolute(specifier)) {
    return resolveFile(resolve(dir, specifier));
  }
  const name = packageName(specifier);
  const subpath = "." + specifier.slice(name.length);
  for (let at = dir; ; at = dirname(at)) {
    const pkgDir = join(at, "node_modules", name);
    if (existsSync(join(pkgDir, "package.json"))) return resolvePackage(pkgDir, subpath, specifier, at);
    if (dirname(at) === at) return null;
  }
}

function resolveFile(path: string): string | null {
  for (const candidate of [path, `${path}.js`, `${path}.mjs`, `${path}.cjs`, join(path, "index.js")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function resolvePackage(pkgDir: string, subpath: string, specifier: string, from: string): string | null {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
    exports?: unknown;
    main?: string;
  };
  if (pkg.exports !== undefined) {
    const target = matchExports(pkg.exports, subpath);
    if (target) return join(pkgDir, target);
    throw new Error(`package "${specifier}" does not export "${subpath}" (see its package.json "exports")`);
  }
  if (subpath !== ".") return resolveFile(join(pkgDir, subpath));
  // No "exports": defer to Node's CommonJS resolution for "main" and its extension rules.
  try {
    return createRequire(join(from, "noop.js")).resolve(specifier);
  } catch {
    return resolveFile(join(pkgDir, pkg.main ?? "index.js"));
  }
}

function matchExports(exports: unknown, subpath: string): string | null {
  if (typeof exports === "string" || Array.isArray(exports)) return subpath === "." ? pickTarget(exports) : null;
  const map = exports as Record<string, unknown>;
  const keys = Object.keys(map);
  if (!keys.some((k) => k.startsWith("."))) return subpath === "." ? pickTarget(map) : null;
  if (subpath in map) return pickTarget(map[subpath]);
  for (const key of keys) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const target = pickTarget(map[key]);
      return target ? target.replace("*", subpath.slice(prefix.length, subpath.length - suffix.length)) : null;
    }
  }
  return null;
}

function pickTarget(target: unknown): string | null {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickTarget(t);
      if (picked) return picked;
    }
    return null;
  }
  if (target && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (CONDITIONS.includes(condition)) {
        const picked = pickTarget(value);
        if (picked) return picked;
      }
    }
  }
  return null;
}

/** `import.meta` in cells: as if the cell were a module file in the notebook's folder. */
export function notebookImportMeta(cwd: string): { url: string; dirname: string; filename: string; resolve(specifier: string): string } {
  const filename = join(cwd, "notebook.ts");
  return {
    url: pathToFileURL(filename).href,
    dirname: cwd,
    filename,
    resolve(specifier: string): string {
      const local = resolveFrom(specifier, cwd);
      return local ? pathToFileURL(local).href : import.meta.resolve(specifier);
    },
  };
}
