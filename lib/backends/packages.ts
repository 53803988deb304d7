// Finding optional packages without loading them, and loading them by a computed name (so that
// TypeScript does not require their types, and a missing one is an error we word ourselves).
import { createRequire } from "node:module";
import { dirname } from "node:path";

const require = createRequire(import.meta.url);

/** The resolved entry file of a package, or null when it is not installed. */
export function resolvePackage(name: string): string | null {
  try {
    return require.resolve(name);
  } catch {
    return null;
  }
}

export function packageDir(name: string): string | null {
  const entry = resolvePackage(name);
  return entry === null ? null : dirname(entry);
}

/** Dynamic import of a package whose name is only known at run time. */
export async function importPackage(name: string): Promise<Record<string, unknown>> {
  const spec: string = name;
  return (await import(spec)) as Record<string, unknown>;
}
