// Making the main thread safe to interrupt (see kernel/transport/interrupter.ts for the mechanism).
//
// 1. Node keeps a stack of async contexts that JavaScript frames push and pop. Terminating user
//    code mid-callback skips the pops, and when async hooks are enabled (AsyncLocalStorage, which
//    routes output to its cell, enables them) Node aborts the whole process on the mismatch. The
//    kernel is started with --no-force-async-hooks-checks; enabling hooks turns the checks back on
//    through two counters (kCheck, kTotals), which we keep at zero, and after an interrupt the stale
//    contexts are cleared.
// 2. The kernel's own long synchronous work (loading TypeScript, type-checking) must not be
//    terminated: it would leave the kernel half-initialised. While it runs, a shared flag tells the
//    server thread to wait for the acknowledgement instead of terminating.

interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  constants: { kCheck: number; kTotals: number };
  clearAsyncIdStack(): void;
}

function asyncWrap(): AsyncWrapBinding | null {
  const proc = process as unknown as { binding(name: string): unknown; noDeprecation?: boolean };
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true; // process.binding warns (DEP0111), and stderr goes to the notebook
  try {
    return proc.binding("async_wrap") as AsyncWrapBinding;
  } catch {
    return null;
  } finally {
    proc.noDeprecation = quiet;
  }
}

const binding = asyncWrap();

/** Call before user code runs: hooks enabled since (by us or a library) re-armed the checks. */
export function relaxAsyncHookChecks(): void {
  if (!binding) return;
  binding.async_hook_fields[binding.constants.kCheck] = 0;
  binding.async_hook_fields[binding.constants.kTotals] = 0;
}

/** After an interrupt: drop the contexts the terminated frames never popped. */
export function clearStaleAsyncContexts(): void {
  setImmediate(() => binding?.clearAsyncIdStack());
}

let shared: Int32Array | null = null;

/** Index in the shared Int32Array: >0 while the kernel does work that must not be terminated. */
export const PROTECTED_SLOT = 1;

export function attachInterruptFlags(flags: Int32Array): void {
  shared = flags;
}

/** Runs fn (sync or async) with termination held off; the interrupt is delivered afterwards. */
export function protect<T>(fn: () => T): T {
  if (!shared) return fn();
  const flags = shared;
  Atomics.add(flags, PROTECTED_SLOT, 1);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    Atomics.sub(flags, PROTECTED_SLOT, 1);
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(() => Atomics.sub(flags, PROTECTED_SLOT, 1)) as T;
  }
  Atomics.sub(flags, PROTECTED_SLOT, 1);
  return result;
}
