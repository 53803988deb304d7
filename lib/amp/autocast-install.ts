// Installing autocast at op dispatch, and taking it out again. While at least one autocast is
// running, every kernel of the active backend is replaced in tfjs's registry by a wrapper (same
// name, same setup and dispose functions); the wrapper asks the AsyncLocalStorage whether the
// running code is inside an autocast and, if not, calls the original at once. Two more hooks go in
// with the kernels, and come out with them:
//   - tf.layers' Layer.prototype.apply, to know which layer an op belongs to (overrides by layer
//     name, normalization layers as the "norm" family, the policy's output format at layer ends);
//   - the engine's addTapeNode, so that a gradient function runs in the backward pass of the same
//     site: with the policy's backward format and the layer of the op it differentiates (also when
//     the gradient is taken after the autocast returned, as PyTorch's backward outside autocast).
// When the last autocast returns, each original kernel config object is registered again (the very
// objects tfjs had), and the two hooks are removed: outside autocast nothing is wrapped.
import * as tf from "../tf.js";
import { covers, formatOf, isFloat32, setFormatOfData } from "./autocast-formats.js";
import { dispatch } from "./autocast-dispatch.js";
import { KernelOps } from "./autocast-kernel-ops.js";
import { currentState, resolveSite, storage, type AutocastState } from "./autocast-state.js";
import type { Family } from "./families.js";
import { LAYER_FAMILIES, opEntry } from "./op-lists.js";
import { quantize } from "../formats/index.js";

interface Installation {
  readonly backendName: string;
  refs: number;
  readonly originals: Map<string, tf.KernelConfig>;
  readonly wrappers: Map<string, tf.KernelConfig>;
}

const installations = new Map<string, Installation>();

/** Wraps the active backend's kernels (or counts one more user of the wrappers). */
export function acquire(): Installation {
  const backendName = tf.getBackend();
  let inst = installations.get(backendName);
  if (inst === undefined) {
    inst = install(backendName);
    installations.set(backendName, inst);
    if (installations.size === 1) patchHooks();
  }
  inst.refs += 1;
  return inst;
}

/** One user fewer; the last restores the backend's original kernels and removes the hooks. */
export function release(inst: Installation): void {
  if (installations.get(inst.backendName) !== inst) return; // reset() took it out already
  inst.refs -= 1;
  if (inst.refs > 0) return;
  uninstall(inst);
  installations.delete(inst.backendName);
  if (installations.size === 0) unpatchHooks();
}

/**
 * Takes every wrapper and hook out, whoever still holds them: for after an interrupt terminated
 * JavaScript inside an autocast (its finally blocks never ran, so its count never went down).
 * Autocasts still running afterwards run unwrapped.
 */
export function resetInstallations(): void {
  for (const inst of installations.values()) {
    inst.refs = 0;
    uninstall(inst);
  }
  installations.clear();
  unpatchHooks();
}

/** True while autocast's wrappers are registered (for any backend). */
export function isInstalled(): boolean {
  return installations.size > 0;
}

function install(backendName: string): Installation {
  const configs = tf.getKernelsForBackend(backendName);
  const originals = new Map<string, tf.KernelConfig>();
  for (const c of configs) originals.set(c.kernelName, c);
  const ops = new KernelOps(originals);
  const wrappers = new Map<string, tf.KernelConfig>();
  for (const config of configs) {
    const call = { kernelName: config.kernelName, entry: opEntry(config.kernelName), original: config.kernelFunc, ops };
    const original = config.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      const state = storage.getStore();
      return state === undefined ? original(args) : dispatch(state, call, args);
    };
    const wrapper: tf.KernelConfig = { ...config, kernelFunc };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(wrapper);
    wrappers.set(config.kernelName, wrapper);
  }
  return { backendName, refs: 0, originals, wrappers };
}

function uninstall(inst: Installation): void {
  for (const [name, wrapper] of inst.wrappers) {
    // Someone registered another kernel under this name meanwhile (backends.use re-registering
    // tsamp's kernels): theirs stays.
    if (tf.getKernel(name, inst.backendName) !== wrapper) continue;
    tf.unregisterKernel(name, inst.backendName);
    tf.registerKernel(inst.originals.get(name)!);
  }
}

// ---- hooks: Layer.prototype.apply and the engine's addTapeNode ----

type ApplyFn = (this: tf.layers.Layer, inputs: unknown, kwargs?: unknown) => unknown;

interface TapeNode {
  outputs: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: Array<TapeNode & { saved?: tf.Tensor[] }> | null; gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
}

let originalApply: ApplyFn | null = null;
let engineHook: { engine: EngineInternals; own: PropertyDescriptor | undefined } | null = null;

function patchHooks(): void {
  const proto = tf.layers.Layer.prototype as unknown as { apply: ApplyFn };
  originalApply = proto.apply;
  proto.apply = patchedApply;
  const engine = tf.engine() as unknown as EngineInternals;
  const own = Object.getOwnPropertyDescriptor(engine, "addTapeNode");
  const base = engine.addTapeNode;
  engineHook = { engine, own };
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]) {
    base.apply(this, args);
    const s = storage.getStore();
    if (s === undefined || s.phase === "backward") return;
    const tape = this.state.activeTape;
    const node = tape?.[tape.length - 1];
    if (node?.gradient !== undefined) wrapGradient(node, s);
  };
}

function unpatchHooks(): void {
  if (originalApply !== null) {
    (tf.layers.Layer.prototype as unknown as { apply: ApplyFn }).apply = originalApply;
    originalApply = null;
  }
  if (engineHook !== null) {
    const { engine, own } = engineHook;
    if (own === undefined) delete (engine as unknown as Record<string, unknown>)["addTapeNode"];
    else Object.defineProperty(engine, "addTapeNode", own);
    engineHook = null;
  }
}

/** The gradient of a node recorded under autocast runs in that autocast's backward pass, at its site. */
function wrapGradient(node: TapeNode, s: AutocastState): void {
  const gradient = node.gradient!;
  const site = { policy: s.policy, session: s.session, layer: s.layer, family: s.family };
  const inBackward = <T>(fn: () => T): T => {
    const inst = acquire();
    try {
      const state: AutocastState = { ...site, phase: "backward", stack: [] };
      return storage.run(state, fn);
    } finally {
      release(inst);
    }
  };
  const observer = s.session.observer;
  node.gradient = (dys) => {
    observer?.gradient?.(site.layer, node.outputs, dys);
    const thunks = inBackward(() => gradient(dys));
    const wrapped: Record<string, () => tf.Tensor> = {};
    for (const k of Object.keys(thunks)) wrapped[k] = () => inBackward(thunks[k]!);
    return wrapped;
  };
}

function isSymbolic(inputs: unknown): boolean {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  return list.some((x) => x instanceof tf.SymbolicTensor);
}

function patchedApply(this: tf.layers.Layer, inputs: unknown, kwargs?: unknown): unknown {
  const apply = originalApply!;
  const s = currentState();
  if (s === undefined || s.phase === "backward" || isSymbolic(inputs)) return apply.call(this, inputs, kwargs);
  const container = this instanceof tf.LayersModel;
  // A model's own name is not part of its layers' paths: the root of the stack, or the model the
  // autocast was given, is left out ("dense_Dense1", not "sequential_1/dense_Dense1").
  const root = (s.stack.length === 0 && container) || this === s.session.model;
  const savedLayer = s.layer;
  const savedFamily = s.family;
  s.stack.push({ name: root ? "" : this.name, container });
  const path = s.stack
    .map((e) => e.name)
    .filter((n) => n !== "")
    .join("/");
  s.layer = path === "" ? savedLayer : path;
  const fam: Family | undefined = LAYER_FAMILIES[this.getClassName()];
  if (fam !== undefined) s.family = fam;
  let out: unknown;
  try {
    out = apply.call(this, inputs, kwargs);
  } finally {
    s.stack.pop();
    s.layer = savedLayer;
    s.family = savedFamily;
  }
  if (container || path === "") return out;
  const handed = atLayerEnd(s, path, out);
  const observer = s.session.observer;
  if (observer?.layerOutput !== undefined) {
    const list = (Array.isArray(handed) ? handed : [handed]).filter((t): t is tf.Tensor => t instanceof tf.Tensor);
    observer.layerOutput(path, list);
  }
  return handed;
}

/**
 * The policy's output format at the end of a layer: outputs in a wider format are rounded to it
 * (a pure float16 policy hands float16 on); outputs already within it keep their format (a float16
 * value handed on "as float32" is the same value).
 */
function atLayerEnd(s: AutocastState, layer: string, out: unknown): unknown {
  const outFormat = resolveSite(s.policy, layer, "elementwise").policy.output;
  if (isFloat32(outFormat)) return out;
  const one = (t: unknown): unknown => {
    if (!(t instanceof tf.Tensor) || t.dtype !== "float32") return t;
    if (covers(outFormat, formatOf(t))) return t;
    const r = quantize(t, outFormat);
    setFormatOfData(r.dataId as object, outFormat);
    return r;
  };
  return Array.isArray(out) ? out.map(one) : one(out);
}

/**
 * After a function given to tf.variableGrads threw: tfjs leaves its tape behind, with the tensors
 * the recorded ops saved for their gradients (a normal backward pass disposes them). Frees them.
 */
export function discardFailedTape(): void {
  const e = tf.engine() as unknown as EngineInternals;
  if (e.state.gradientDepth !== 0 || e.state.activeTape == null) return;
  for (const node of e.state.activeTape) for (const t of node.saved ?? []) t.dispose();
  e.state.activeTape = null;
}
