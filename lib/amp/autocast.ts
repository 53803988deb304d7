// amp.autocast(policy, fn): runs fn (sync or async) with mixed precision applied where PyTorch
// applies it, at op dispatch (DESIGN.md section 4): every kernel of the active backend is wrapped
// for the duration (autocast-install.ts) and decides from the op lists (op-lists.ts) and the
// policy, resolved per site (layer, op family), how to round its inputs and outputs
// (autocast-dispatch.ts). The model's code is untouched: Layers models and plain tf functions alike.
//
//   const loss = amp.autocast("mixed_float16", () => tf.losses.softmaxCrossEntropy(y, model.apply(x)));
//
// Gradients taken inside (tf.variableGrads around or within fn) use the policy's backward format,
// and so do gradients taken later of what fn recorded on a tape. Outside, nothing is wrapped.
import * as tf from "../tf.js";
import { DelayedScaling, delayedScaling } from "./delayed-scaling.js";
import { formatOf } from "./autocast-formats.js";
import { acquire, isInstalled, release, resetInstallations } from "./autocast-install.js";
import { AutocastSession, currentState, inFamily, storage, type AutocastOptions, type AutocastState } from "./autocast-state.js";
import { family as checkFamily, type Family } from "./families.js";
import { policy as toPolicy, type Policy, type PolicyLike } from "./policy.js";
import { checkKeys } from "./suggest.js";

export type { AutocastOptions, KernelEvent, Phase } from "./autocast-state.js";
export { formatOf } from "./autocast-formats.js";

const scalingByPolicy = new WeakMap<Policy, DelayedScaling>();

/** Whether a policy (or one of its overrides) uses fp8 delayed scaling. */
export function usesDelayedScaling(p: Policy): boolean {
  return p.scaling === "delayed" || p.overrides.some((o) => o.changes.scaling === "delayed");
}

/** The delayed-scaling state autocast keeps for a policy (fp8_hybrid), created on first use. */
export function scalingFor(policyLike: PolicyLike): DelayedScaling {
  const p = toPolicy(policyLike);
  let s = scalingByPolicy.get(p);
  if (s === undefined) {
    s = delayedScaling();
    scalingByPolicy.set(p, s);
  }
  return s;
}

interface InternalOptions extends AutocastOptions {
  /** The trainer's: a session it opens and closes itself (one per optimizer step). */
  session?: AutocastSession;
}

const OPTION_KEYS = ["scaling", "trace", "model", "observer", "session"];

/** A session for a policy: what the trainer opens per step; autocast opens one per call. */
export function openSession(p: Policy, opts: AutocastOptions = {}): AutocastSession {
  const scaling = usesDelayedScaling(p) ? (opts.scaling ?? scalingFor(p)) : null;
  return new AutocastSession(p, scaling, opts);
}

/** Ends a session: applies fp8 amaxes (once per step), frees its rounded copies. */
export function closeSession(session: AutocastSession, ok: boolean): void | Promise<void> {
  session.close();
  if (!session.hasPendingAmax) return;
  if (!ok) return session.discardScaling();
  if (canReadSync()) return session.flushScaling();
  return session.flushScalingAsync();
}

/** Backends whose tensors can be read synchronously (webgpu in Node cannot). */
export function canReadSync(): boolean {
  return tf.getBackend() !== "webgpu";
}

export function autocast<T>(policyLike: PolicyLike, fn: () => T, opts: InternalOptions = {}): T {
  if (typeof fn !== "function") throw new TypeError("amp.autocast(policy, fn): fn must be a function (sync or async)");
  checkKeys("amp.autocast", opts, OPTION_KEYS);
  const p = toPolicy(policyLike);
  const outer = currentState();
  let session = opts.session;
  let owns = false;
  if (session === undefined) {
    if (outer !== undefined && outer.policy === p && opts.trace === undefined && opts.scaling === undefined) {
      session = outer.session;
    } else {
      session = openSession(p, { ...opts, model: opts.model ?? outer?.session.model });
      session.beginPass();
      owns = true;
    }
  }
  const state: AutocastState = {
    policy: p,
    session,
    phase: outer?.phase ?? "forward",
    layer: outer?.layer,
    family: outer?.family,
    stack: outer === undefined ? [] : [...outer.stack],
  };
  const inst = acquire();
  let result: T;
  try {
    result = storage.run(state, fn);
  } catch (err) {
    release(inst);
    if (owns) void closeSession(session, false);
    throw err;
  }
  if (isPromiseLike(result)) {
    const s = session;
    return Promise.resolve(result).then(
      async (value) => {
        release(inst);
        if (owns) await closeSession(s, true);
        return value;
      },
      async (err: unknown) => {
        release(inst);
        if (owns) await closeSession(s, false);
        throw err;
      },
    ) as T;
  }
  release(inst);
  if (owns) {
    const done = closeSession(session, true);
    if (done instanceof Promise) done.catch(() => {});
  }
  return result;
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/** Runs fn with every op in it treated as one family (e.g. "loss": float32), inside an autocast. */
export function region<T>(familyName: Family, fn: () => T): T {
  return inFamily(checkFamily(familyName), fn);
}

/** The policy in effect for the running code, or null outside autocast. */
export function activePolicy(): Policy | null {
  return currentState()?.policy ?? null;
}

export const autocastApi = Object.assign(autocast, {
  /** The virtual format of a tensor: what autocast recorded for its data (float32 if nothing). */
  formatOf: (t: tf.Tensor) => formatOf(t),
  /** The fp8 delayed-scaling state autocast keeps for a policy (per tensor: scale, amax history). */
  scaling: scalingFor,
  /** True while autocast's kernel wrappers are registered. */
  installed: isInstalled,
  active: activePolicy,
  region,
  /**
   * Unwraps everything now. An interrupt that terminates JavaScript inside an autocast skips its
   * cleanup; the kernel (or the user) calls this afterwards so that nothing stays wrapped.
   */
  reset: resetInstallations,
});

export { DelayedScaling };
