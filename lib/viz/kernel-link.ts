// How lib/viz reaches the kernel's display without importing kernel/: the kernel puts its services
// on globalThis under Symbol.for("tsamp.kernel") (kernel/prelude.ts); a plain Node script has none.

export interface KernelDisplayHandle {
  readonly id: string;
  update(value: unknown): void;
}

export interface KernelServices {
  display(value: unknown, options?: { id?: string | boolean }): KernelDisplayHandle;
}

const KERNEL = Symbol.for("tsamp.kernel");

/** The running kernel's services, or null outside Jupyter. */
export function kernelServices(): KernelServices | null {
  const k = (globalThis as Record<symbol, unknown>)[KERNEL] as Partial<KernelServices> | undefined;
  return k && typeof k.display === "function" ? (k as KernelServices) : null;
}
