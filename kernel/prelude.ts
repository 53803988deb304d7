// What every cell has in scope without importing: tf, display, input, comms and the tsamp surface.
// The runtime values go on globalThis; the matching declarations are an ambient .d.ts the language
// service loads, so the type checker and completion know them too.
import type { Display } from "./display/display-api.js";
import type { CommRegistry } from "./comm/registry.js";
import type { LibrarySurface } from "./execution/engine.js";
import type { RunningCell } from "./execution/cell-signal.js";

/** Exports of `tsamp` put in scope in cells, when the library has them. */
const LIBRARY_GLOBALS = ["tf", "formats", "amp", "data", "models", "viz", "backends"];

export interface PreludeValues {
  display: Display;
  input: (prompt?: string, options?: { password?: boolean }) => Promise<string>;
  comms: CommRegistry;
  /** Hold interrupts off while fn runs (a training step's commit). */
  protect: <T>(fn: () => T) => T;
  /** The running cell's AbortSignal, aborted by an interrupt. */
  readonly signal: AbortSignal;
  /** The running cell's identity (frontend cell id when sent, code, execution msg_id). */
  readonly cell: RunningCell | null;
}

export async function loadLibrary(): Promise<Record<string, unknown>> {
  return (await import(new URL("../lib/index.js", import.meta.url).href)) as Record<string, unknown>;
}

export function installPrelude(library: Record<string, unknown>, values: PreludeValues): { names: string[]; surface: LibrarySurface } {
  const scope = globalThis as Record<string, unknown>;
  const names = LIBRARY_GLOBALS.filter((name) => name in library);
  for (const name of names) scope[name] = library[name];
  scope.display = values.display;
  scope.input = values.input;
  scope.comms = values.comms;
  // Library code reaches kernel services only through this symbol, never by importing kernel/.
  scope[Symbol.for("tsamp.kernel") as unknown as string] = values;
  return { names, surface: library as unknown as LibrarySurface };
}

export function preludeDts(libraryNames: string[]): string {
  // tf is a namespace: an import alias makes its types usable too (tf.Tensor, tf.Sequential), as
  // with \`import * as tf\`. The rest are objects: a const of their type.
  const declare = (name: string) => (name === "tf" ? `  export import tf = __tsamp.tf;` : `  const ${name}: typeof __tsamp.${name};`);
  return `import * as __tsamp from "tsamp";
declare global {
${libraryNames.map(declare).join("\n")}
  interface DisplayOptions {
    /** Display id: pass one (or true) to update this output later with handle.update(). */
    id?: string | boolean;
    metadata?: Record<string, unknown>;
  }
  interface DisplayHandle {
    readonly id: string;
    /** Replace the output shown under this display id. */
    update(value: unknown, options?: { metadata?: Record<string, unknown> }): void;
  }
  /** Show a value as rich output (objects with [Symbol.for("Jupyter.display")]() render their bundle). */
  const display: {
    (value: unknown, options?: DisplayOptions): DisplayHandle;
    html(html: string, options?: DisplayOptions): DisplayHandle;
    markdown(markdown: string, options?: DisplayOptions): DisplayHandle;
    svg(svg: string, options?: DisplayOptions): DisplayHandle;
    png(bytes: Uint8Array | string, options?: DisplayOptions): DisplayHandle;
    json(value: unknown, options?: DisplayOptions): DisplayHandle;
    /** Clear this cell's output; with wait, only when new output arrives. */
    clear(options?: { wait?: boolean }): void;
  };
  /** Ask the user for a line of text (the frontend shows a prompt). */
  function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
  interface Comm {
    readonly id: string;
    readonly targetName: string;
    send(data: Record<string, unknown>, options?: { metadata?: Record<string, unknown>; buffers?: Uint8Array[] }): void;
    close(data?: Record<string, unknown>): void;
    onMessage(handler: (data: Record<string, unknown>, message: { metadata: Record<string, unknown>; buffers: Uint8Array[] }) => void): void;
    onClose(handler: (data: Record<string, unknown>) => void): void;
  }
  /** Jupyter comms: register targets the frontend opens, or open comms from the kernel. */
  const comms: {
    registerTarget(name: string, target: (comm: Comm, data: Record<string, unknown>) => void): void;
    unregisterTarget(name: string): void;
    open(targetName: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>): Comm;
  };
}
export {};
`;
}
