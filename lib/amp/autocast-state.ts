// Where autocast keeps "which policy is in effect here". An AsyncLocalStorage holds the state of the
// innermost amp.autocast() around the running code, so it follows the code through awaits and
// stays out of code that runs meanwhile outside it (a timer of another cell sees no autocast even
// while the kernels are wrapped). The session holds what one autocast call (or one training step)
// collects: fp8 amaxes, the formats weights were cast to, and the trace callback.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Format } from "../formats/index.js";
import * as tf from "../tf.js";
import type { DelayedScaling } from "./delayed-scaling.js";
import type { Family } from "./families.js";
import type { Policy } from "./policy.js";
import type { OpKind } from "./op-lists.js";

export type Phase = "forward" | "backward";

/** One kernel as autocast ran it (given to the `trace` option). */
export interface KernelEvent {
  readonly kernel: string;
  readonly phase: Phase;
  /** The layer path it ran in ("conv2d_Conv2D1"), if any. */
  readonly layer: string | undefined;
  readonly family: Family;
  /** How it was treated: "lower" (compute format), "float32", "promote" or "passthrough". */
  readonly kind: OpKind | "quantize";
  /** The format it computed in (lower) or handed on (promote); float32 for float32 ops. */
  readonly format: Format;
  /** The float inputs as the kernel computed from them (after rounding), with their formats. */
  readonly inputs: Readonly<Record<string, { format: Format; values: Float32Array | null }>>;
  /** The float outputs as handed on (after rounding). */
  readonly outputs: ReadonlyArray<{ format: Format; values: Float32Array | null }>;
}

export interface AutocastOptions {
  /** fp8 per-tensor delayed scaling state (default: one kept per policy, see autocast.scaling(policy)). */
  scaling?: DelayedScaling;
  /** Called for every kernel run inside (reads values: for tests and teaching, it is slow). */
  trace?: (event: KernelEvent) => void;
  /** The model whose own name is left out of layer paths (the trainer's model). */
  model?: object;
  /** Sees each layer's outputs and the gradients flowing into recorded ops (amp.advise uses it). */
  observer?: AutocastObserver;
}

export interface AutocastObserver {
  /** A layer (not a model) returned these tensors. */
  layerOutput?(layer: string, outputs: readonly tf.Tensor[]): void;
  /** The backward pass reached an op of `layer` whose outputs are these, with these gradients. */
  gradient?(layer: string | undefined, outputs: readonly tf.Tensor[], dys: ReadonlyArray<tf.Tensor | null>): void;
}

/** How one op site resolves under a policy: the resolved policy and whether an override matched. */
export interface SiteInfo {
  readonly policy: Policy;
  readonly overridden: boolean;
  readonly delayed: boolean;
}

const siteCache = new WeakMap<Policy, Map<string, SiteInfo>>();

/** policy.resolve({ layer, family }), cached per policy (policies are immutable values). */
export function resolveSite(policy: Policy, layer: string | undefined, family: Family): SiteInfo {
  let byKey = siteCache.get(policy);
  if (byKey === undefined) {
    byKey = new Map();
    siteCache.set(policy, byKey);
  }
  const key = layer === undefined ? family : `${family}\u0000${layer}`;
  let info = byKey.get(key);
  if (info === undefined) {
    const site = layer === undefined ? { family } : { layer, family };
    const resolved = policy.resolve(site);
    info = Object.freeze({
      policy: resolved,
      overridden: policy.overrides.some((o) => o.matches(site)),
      delayed: resolved.scaling === "delayed",
    });
    byKey.set(key, info);
  }
  return info;
}

interface PendingAmax {
  format: Format;
  backend: tf.KernelBackend;
  infos: tf.TensorInfo[];
}

export class AutocastSession {
  readonly policy: Policy;
  readonly scaling: DelayedScaling | null;
  readonly trace: ((event: KernelEvent) => void) | undefined;
  readonly model: object | undefined;
  readonly observer: AutocastObserver | undefined;
  /** dataId of a tensor a lower op cast in the forward pass -> the format its gradient takes. */
  readonly castFormats = new WeakMap<object, Format>();
  readonly #counters = new Map<string, number>();
  readonly #pending = new Map<string, PendingAmax>();
  /** Rounded copies of float32 inputs of lower ops, reused while the session is open (weights are
   *  rounded once per step, not once per use: forward, and each backprop kernel). */
  readonly #rounded = new Map<object, Array<{ format: Format; info: tf.TensorInfo; backend: tf.KernelBackend }>>();
  /** False once the autocast call (or step) that made it returned: nothing more is cached. */
  open = true;

  constructor(policy: Policy, scaling: DelayedScaling | null, opts: AutocastOptions = {}) {
    this.policy = policy;
    this.scaling = scaling;
    this.trace = opts.trace;
    this.model = opts.model;
    this.observer = opts.observer;
  }

  /** Starts a forward pass: fp8 tensor names count from 1 again, so they are stable across steps. */
  beginPass(): void {
    this.#counters.clear();
  }

  /** `base`, or `base#2`, `base#3` for later casts at the same site in one pass. */
  uniqueName(base: string): string {
    const n = (this.#counters.get(base) ?? 0) + 1;
    this.#counters.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  }

  /** A rounded copy of dataId's values in `format` made earlier in this session, if any. */
  cachedRound(dataId: object, format: Format): tf.TensorInfo | undefined {
    const list = this.#rounded.get(dataId);
    if (list === undefined) return undefined;
    for (const r of list) if (r.format === format) return r.info;
    return undefined;
  }

  /** Keeps a rounded copy (owned by the session) for later uses; false when the session is closed. */
  storeRound(dataId: object, format: Format, backend: tf.KernelBackend, info: tf.TensorInfo): boolean {
    if (!this.open) return false;
    const list = this.#rounded.get(dataId);
    if (list === undefined) this.#rounded.set(dataId, [{ format, info, backend }]);
    else list.push({ format, info, backend });
    return true;
  }

  /** Ends the session: frees the rounded copies; later kernels (a late backward pass) cache nothing. */
  close(): void {
    this.open = false;
    for (const list of this.#rounded.values()) for (const r of list) disposeInfo(r.backend, r.info);
    this.#rounded.clear();
  }

  /** Keeps a scalar amax (owned by the session from now on) until the step's flush. */
  recordAmax(name: string, format: Format, backend: tf.KernelBackend, info: tf.TensorInfo): void {
    const p = this.#pending.get(name);
    if (p === undefined) this.#pending.set(name, { format, backend, infos: [info] });
    else p.infos.push(info);
  }

  get hasPendingAmax(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Reads the step's amaxes (the max over repeated casts of one tensor, e.g. micro-batches) and
   * updates the delayed-scaling state once per tensor: the scales the next step casts with.
   */
  flushScaling(): void {
    const read = [...this.#pending].map(([name, p]) => [name, p, p.infos.map((i) => readScalar(p.backend, i))] as const);
    this.#apply(read);
  }

  async flushScalingAsync(): Promise<void> {
    const read = await Promise.all(
      [...this.#pending].map(async ([name, p]) => [name, p, await Promise.all(p.infos.map((i) => readScalarAsync(p.backend, i)))] as const),
    );
    this.#apply(read);
  }

  /** Reads without updating (to apply later, in a step's commit). */
  async readScaling(sync: boolean): Promise<Array<[string, Format, number]>> {
    const out: Array<[string, Format, number]> = [];
    for (const [name, p] of this.#pending) {
      const vals = sync ? p.infos.map((i) => readScalar(p.backend, i)) : await Promise.all(p.infos.map((i) => readScalarAsync(p.backend, i)));
      out.push([name, p.format, maxOf(vals)]);
    }
    this.discardScaling();
    return out;
  }

  /** Applies amaxes read by readScaling. */
  applyScaling(amaxes: ReadonlyArray<[string, Format, number]>): void {
    if (this.scaling === null) return;
    for (const [name, format, amax] of amaxes) this.scaling.update(name, amax, format);
  }

  /** Frees the pending amaxes without using them (a failed step). */
  discardScaling(): void {
    for (const p of this.#pending.values()) for (const i of p.infos) disposeInfo(p.backend, i);
    this.#pending.clear();
  }

  #apply(read: ReadonlyArray<readonly [string, PendingAmax, number[]]>): void {
    this.discardScaling();
    this.applyScaling(read.map(([name, p, vals]) => [name, p.format, maxOf(vals)]));
  }
}

function maxOf(vals: number[]): number {
  let m = 0;
  for (const v of vals) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

function readScalar(backend: tf.KernelBackend, info: tf.TensorInfo): number {
  return Number((backend.readSync(info.dataId) as ArrayLike<number>)[0]);
}

async function readScalarAsync(backend: tf.KernelBackend, info: tf.TensorInfo): Promise<number> {
  return Number(((await backend.read(info.dataId)) as ArrayLike<number>)[0]);
}

export function disposeInfo(backend: tf.KernelBackend, info: tf.TensorInfo): void {
  const b = backend as tf.KernelBackend & { disposeIntermediateTensorInfo?: (i: tf.TensorInfo) => void };
  if (typeof b.disposeIntermediateTensorInfo === "function") b.disposeIntermediateTensorInfo(info);
  else backend.disposeData(info.dataId);
}

/** What the wrapped kernels read: the policy, session, pass and site of the running code. */
export interface AutocastState {
  readonly policy: Policy;
  readonly session: AutocastSession;
  readonly phase: Phase;
  /** The layer path ops run in now (undefined outside layers). */
  layer: string | undefined;
  /** A family forced on every op here (a norm layer, the loss), or undefined. */
  family: Family | undefined;
  /** Names of the layers being applied, outermost first, with whether each is a model. */
  readonly stack: Array<{ name: string; container: boolean }>;
}

export const storage = new AsyncLocalStorage<AutocastState>();

export function currentState(): AutocastState | undefined {
  return storage.getStore();
}

/** Runs fn with every op in it treated as `family` (the trainer's loss: "loss"). */
export function inFamily<T>(family: Family, fn: () => T): T {
  const s = storage.getStore();
  if (s === undefined) return fn();
  const saved = s.family;
  s.family = family;
  try {
    return fn();
  } finally {
    s.family = saved;
  }
}
