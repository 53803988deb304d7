// What tsamp's hand-written WebAssembly kernels (quantize in lib/formats/kernels, the training
// kernels in lib/backends/wasm-kernels) share: the WebAssembly JS API typed without the DOM lib,
// synchronous compiling of a module shipped as base64, and instantiating it on tfjs-backend-wasm's
// own memory, so kernels read and write tensors where the backend keeps them.

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: abstract new (...args: never[]) => WasmMemory;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

function decode(base64: string): Uint8Array {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The compiled module, or null where the engine rejects it (no SIMD, no shared memory, or no
 * WebAssembly). Compiled synchronously because kernels are synchronous; keep modules small (a
 * browser's main thread allows a synchronous compile of up to 4 KB).
 */
export function compileBase64(base64: string): WasmModule | null {
  if (WA === undefined) return null;
  try {
    const bytes = decode(base64);
    return WA.validate(bytes) ? new WA.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * The variants of a module (base64 per variant name), each compiled on first use and kept (null
 * where the engine rejects it).
 */
export function moduleVariants<V extends string>(base64: Record<V, string>): (variant: V) => WasmModule | null {
  const compiled = new Map<V, WasmModule | null>();
  return (variant) => {
    let m = compiled.get(variant);
    if (m === undefined) compiled.set(variant, (m = compileBase64(base64[variant])));
    return m;
  };
}

/** The part of tfjs-backend-wasm's Emscripten module that holds its memory. */
export interface EmscriptenMemoryHolder {
  /** The instance's exports (the memory is exported as "memory" in the single-threaded builds). */
  asm?: Record<string, unknown>;
  /** Set by the threaded build, whose memory is created in JS and imported. */
  wasmMemory?: unknown;
}

/** The backend's WebAssembly.Memory, or null when it cannot be found. */
export function backendMemory(em: EmscriptenMemoryHolder): WasmMemory | null {
  if (WA === undefined) return null;
  const candidates = [em.asm?.["memory"], em.wasmMemory, ...Object.values(em.asm ?? {})];
  for (const c of candidates) if (c instanceof WA.Memory) return c;
  return null;
}

/**
 * An instance importing `memory` as env.memory, from the module variant built for a plain or a
 * shared memory (the threaded backend's); null when there is no such module or the memory's limits
 * do not match the import.
 */
export function instantiateOn(memory: WasmMemory, moduleFor: (shared: boolean) => WasmModule | null): object | null {
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const mod = moduleFor(shared);
  if (mod === null || WA === undefined) return null;
  try {
    return new WA.Instance(mod, { env: { memory } }).exports;
  } catch {
    return null;
  }
}
