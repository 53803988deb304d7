// What a wrapped kernel does under autocast (DESIGN.md section 4), given the op lists:
//
//   lower        inputs rounded to the compute format (backward pass: gradients to the backward
//                format, saved forward tensors to compute), the kernel computes in float32 (float32
//                accumulation, as tensor cores do), its outputs are rounded to the format. Under fp8
//                delayed scaling each input is cast as round(x * scale) / scale with a per-tensor
//                scale and its amax recorded; outputs stay float32 (Transformer Engine's GEMMs
//                output in higher precision), and so do a fused op's bias and PReLU weights (TE
//                adds the bias in the GEMM's epilogue, in higher precision).
//   float32      run as is: inputs are float32 arrays already; the output is not rounded.
//   promote      the widest input format; outputs rounded to it (nothing when it is float32).
//   passthrough  promote without the rounding pass: the outputs are input values.
//
// An override matching the site (the layer, or the op's family) makes any op compute in the
// override's format, as "lower" does (float32: no rounding at all).
import { formats, type Format } from "../formats/index.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "../formats/kernels/attrs.js";
import type * as tf from "../tf.js";
import {
  FLOAT32,
  covers,
  formatOfData,
  isFloat32,
  isGradientData,
  markGradient,
  recordedFormat,
  setFormatOfData,
  widest,
} from "./autocast-formats.js";
import { readValues, type KernelOps } from "./autocast-kernel-ops.js";
import { disposeInfo, resolveSite, type AutocastState, type KernelEvent } from "./autocast-state.js";
import { FAMILY_KIND, isGradientKernel, type OpEntry, type OpKind } from "./op-lists.js";

type Out = tf.TensorInfo | tf.TensorInfo[];

/** Inputs of fused kernels (_FusedMatMul, FusedConv2D, ...) that fp8 leaves in float32: not GEMM operands. */
const FP8_EPILOGUE_INPUTS = new Set(["bias", "preluActivationWeights"]);

/** A kernel function's argument, with the backend typed (tfjs types it as {}). */
interface Args {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

interface Call {
  readonly kernelName: string;
  readonly entry: OpEntry;
  readonly original: tf.KernelFunc;
  readonly ops: KernelOps;
}

export function dispatch(state: AutocastState, call: Call, kernelArgs: Parameters<tf.KernelFunc>[0]): Out {
  const args = kernelArgs as Args;
  if (call.kernelName === QUANTIZE_KERNEL) return quantizeKernel(state, call, args);
  const family = state.family ?? call.entry.family;
  const site = resolveSite(state.policy, state.layer, family);
  let kind: OpKind = state.family !== undefined ? FAMILY_KIND[state.family] : call.entry.kind;
  if (site.overridden) kind = "lower";
  const backward = state.phase === "backward" || isGradientKernel(call.kernelName);
  switch (kind) {
    case "lower":
      return lower(state, call, args, site.policy, site.delayed, backward, family);
    case "float32":
      return finish(state, call, args, call.original(args), "float32", FLOAT32, backward, family);
    case "promote":
    case "passthrough":
      return promote(state, call, args, kind, backward, family);
  }
}

function lower(
  state: AutocastState,
  call: Call,
  args: Args,
  p: AutocastState["policy"],
  delayed: boolean,
  backward: boolean,
  family: OpEntry["family"],
): Out {
  const outFormat = backward ? p.backward : p.compute;
  if (!delayed && isFloat32(p.compute) && isFloat32(p.backward)) {
    return finish(state, call, args, call.original(args), "lower", FLOAT32, backward, family);
  }
  const backend = args.backend;
  const session = state.session;
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const rounded: Record<string, tf.TensorInfo> = {};
  const temps: tf.TensorInfo[] = [];
  // fp8 tensors are named by site, kernel and pass, numbered when a site runs a kernel again:
  // "fc1/_FusedMatMul/a", "fc1/BatchMatMul[bwd]/b", "BatchMatMul#2/a".
  const opName = delayed
    ? session.uniqueName(`${state.layer === undefined ? "" : `${state.layer}/`}${call.kernelName}${backward ? "[bwd]" : ""}`)
    : "";
  try {
    for (const name of Object.keys(inputs)) {
      const info = inputs[name];
      if (info == null || info.dtype !== "float32" || (delayed && FP8_EPILOGUE_INPUTS.has(name))) {
        if (info != null) rounded[name] = info;
        continue;
      }
      const dataId = info.dataId as object;
      const f = backward && isGradientData(dataId) ? p.backward : p.compute;
      if (!backward && !delayed) session.castFormats.set(dataId, p.backward);
      if (delayed) {
        const tensorName = `${opName}/${name}`;
        const scale = session.scaling?.scaleFor(tensorName) ?? 1;
        session.recordAmax(tensorName, f, backend, call.ops.amax(backend, info));
        const cast = call.ops.scaledRound(backend, info, f, scale);
        temps.push(cast);
        rounded[name] = cast;
      } else if (isFloat32(f) || covers(f, formatOfData(dataId))) {
        rounded[name] = info;
      } else {
        let cast = session.cachedRound(dataId, f);
        if (cast === undefined) {
          cast = call.ops.round(backend, info, f);
          setFormatOfData(cast.dataId as object, f);
          if (!session.storeRound(dataId, f, backend, cast)) temps.push(cast);
        }
        rounded[name] = cast;
      }
    }
    const raw = call.original({ inputs: rounded as tf.NamedTensorInfoMap, backend, attrs: args.attrs });
    let out: Out = raw;
    if (!delayed && !isFloat32(outFormat)) {
      out = mapOut(raw, (o) => {
        if (o.dtype !== "float32") return o;
        const r = call.ops.round(backend, o, outFormat);
        disposeInfo(backend, o);
        setFormatOfData(r.dataId as object, outFormat);
        return r;
      });
    }
    return finish(state, call, { ...args, inputs: rounded as tf.NamedTensorInfoMap }, out, "lower", delayed ? FLOAT32 : outFormat, backward, family);
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

function promote(
  state: AutocastState,
  call: Call,
  args: Args,
  kind: "promote" | "passthrough",
  backward: boolean,
  family: OpEntry["family"],
): Out {
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  // Rank-0 inputs without a format of their own do not promote (PyTorch's zero-dim tensors and
  // scalars): x_f16 * 0.5 stays float16.
  let ranked = false;
  for (const k in inputs) {
    const i = inputs[k];
    if (i != null && i.dtype === "float32" && i.shape.length > 0) {
      ranked = true;
      break;
    }
  }
  let w: Format | undefined;
  for (const k in inputs) {
    const i = inputs[k];
    if (i == null || i.dtype !== "float32") continue;
    const rec = recordedFormat(i.dataId as object);
    if (ranked && i.shape.length === 0 && rec === undefined) continue;
    const f = rec ?? FLOAT32;
    w = w === undefined ? f : widest(w, f);
    if (isFloat32(w)) break;
  }
  const raw = call.original(args);
  if (w === undefined || isFloat32(w)) return finish(state, call, args, raw, kind, FLOAT32, backward, family);
  const format = w;
  const backend = args.backend;
  const out = mapOut(raw, (o) => {
    if (o.dtype !== "float32") return o;
    if (kind === "passthrough") {
      setFormatOfData(o.dataId as object, format);
      return o;
    }
    const r = call.ops.round(backend, o, format);
    disposeInfo(backend, o);
    setFormatOfData(r.dataId as object, format);
    return r;
  });
  return finish(state, call, args, out, kind, format, backward, family);
}

const quantizeFormats = new Map<string, Format>();

/** quantize(x, fmt) inside autocast: its output holds values of fmt, and autocast records that. */
function quantizeKernel(state: AutocastState, call: Call, args: Args): Out {
  const a = args.attrs as unknown as QuantizeAttrs;
  const key = `${a.exponentBits},${a.mantissaBits},${a.bias},${a.rule}`;
  let f = quantizeFormats.get(key);
  if (f === undefined) {
    const spec = { exponentBits: a.exponentBits, mantissaBits: a.mantissaBits, bias: a.bias, rule: a.rule };
    f = formats.list().find((g) => g.sameAs(spec)) ?? formats.custom(spec);
    quantizeFormats.set(key, f);
  }
  const out = call.original(args);
  const format = f;
  mapOut(out, (o) => {
    setFormatOfData(o.dataId as object, format);
    return o;
  });
  return finish(state, call, args, out, "quantize", format, state.phase === "backward", "elementwise");
}

/** Marks gradients, and reports the kernel to a trace. */
function finish(
  state: AutocastState,
  call: Call,
  args: Args,
  out: Out,
  kind: KernelEvent["kind"],
  format: Format,
  backward: boolean,
  family: OpEntry["family"],
): Out {
  if (state.phase === "backward") mapOut(out, (o) => (markGradient(o.dataId as object), o));
  const trace = state.session.trace;
  if (trace !== undefined) {
    const backend = args.backend;
    const inputs: Record<string, { format: Format; values: Float32Array | null }> = {};
    for (const [k, i] of Object.entries(args.inputs as Record<string, tf.TensorInfo | undefined>)) {
      if (i == null || i.dtype !== "float32") continue;
      inputs[k] = { format: formatOfData(i.dataId as object), values: readValues(backend, i) };
    }
    const outputs = (Array.isArray(out) ? out : [out])
      .filter((o) => o.dtype === "float32")
      .map((o) => ({ format: formatOfData(o.dataId as object), values: readValues(backend, o) }));
    trace(
      Object.freeze({
        kernel: call.kernelName,
        phase: backward ? "backward" : "forward",
        layer: state.layer,
        family,
        kind,
        format,
        inputs: Object.freeze(inputs),
        outputs: Object.freeze(outputs),
      }),
    );
  }
  return out;
}

function mapOut(out: Out, f: (o: tf.TensorInfo) => tf.TensorInfo): Out {
  return Array.isArray(out) ? out.map(f) : f(out);
}
