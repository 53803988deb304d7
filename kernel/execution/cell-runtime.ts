/**
 * What compiled cell code calls back into. The kernel supplies it; `runtime.ts` has the default.
 */
export interface CellRuntime {
  /** Creates each name on globalThis (as `undefined`) unless it already exists there. */
  declare(names: string[]): void;
  /** Loads a module for a static `import` or a dynamic `import()` in the cell. */
  import(specifier: string, options?: { with?: Record<string, string> }): Promise<any>;
  /** What `import.meta` evaluates to in a cell (optional: without it `import.meta` is undefined). */
  meta?: object;
}

/** What the function a compiled cell evaluates to resolves to. */
export type CellResult = { hasValue: true; value: unknown } | { hasValue: false };
