// TsampQuantize on tfjs-backend-webgpu: a WebGPU program (WGSL from webgpu-wgsl.ts) run by the
// backend's runWebGPUProgram, like the backend's own unary kernels. The backend is typed
// structurally, so this module imports nothing from tfjs-backend-webgpu (an optional dependency)
// and registers whether or not it is installed.
import * as tf from "../../tf.js";
import { seedKeys } from "../random.js";
import { Mode, modeOf, type RoundPlan } from "../round.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "./attrs.js";
import { planOf } from "./round-array.js";
import { QUANTIZE_UNIFORMS, quantizeShader, uniformDeclarations } from "./webgpu-wgsl.js";

/** A WebGPUProgram (tfjs-backend-webgpu's webgpu_program.ts), the fields this kernel sets. */
interface WebgpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  outputComponent?: number;
  size: boolean;
  uniforms: string;
  getUserCode(): string;
}

type ProgramUniform = Array<{ type: "uint32"; data: number[] }>;

/** The part of WebGPUBackend this kernel uses. */
interface WebgpuBackendLike {
  runWebGPUProgram(program: WebgpuProgram, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms: ProgramUniform): tf.TensorInfo;
}

const WORKGROUP_SIZE = 128;

// getMainHeaderString("index") of the backend: the entry it calls with the flat invocation index.
const MAIN_HEADER = "fn main(index : i32)";

/**
 * One element per invocation, or four (vec4 loads and stores) when the size is a multiple of 4, as
 * the backend's elementwise programs do. The tensor is treated as flat: the result only depends on
 * each element and its flat index (the draw counter), so the shape need not reach the shader.
 */
function quantizeProgram(size: number, mode: Mode): WebgpuProgram {
  const vec4 = size % 4 === 0;
  const perInvocation = vec4 ? 4 : 1;
  return {
    outputShape: [size],
    shaderKey: `tsampQuantize_${mode}_${perInvocation}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / (WORKGROUP_SIZE * perInvocation)), 1, 1],
    variableNames: ["A"],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    ...(vec4 ? { outputComponent: 4 } : {}),
    size: true,
    uniforms: uniformDeclarations(),
    getUserCode: () => quantizeShader(mode, vec4, MAIN_HEADER),
  };
}


function uniformsOf(plan: RoundPlan, mode: Mode, seed: number): ProgramUniform {
  const [k0, k1] = mode === Mode.Stochastic ? seedKeys(seed) : [0, 0];
  const values: Record<(typeof QUANTIZE_UNIFORMS)[number], number> = {
    s0: plan.s0,
    efNorm: plan.efNorm,
    maxBits: plan.maxBits,
    minSubnormalBits: plan.minSubnormalBits,
    overflowBits: plan.overflowBits,
    infBits: plan.infBits,
    signedZero: plan.signedZero ? 1 : 0,
    k0,
    k1,
  };
  return QUANTIZE_UNIFORMS.map((u) => ({ type: "uint32" as const, data: [values[u] >>> 0] }));
}

const webgpuQuantize: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as tf.TensorInfo;
  if (x.dtype !== "float32") throw new Error(`${QUANTIZE_KERNEL} expects float32, got ${x.dtype}`);
  const a = attrs as unknown as QuantizeAttrs;
  const mode = modeOf(a.rounding);
  const size = tf.util.sizeFromShape(x.shape);
  const gpu = backend as unknown as WebgpuBackendLike;
  // Run on the flat view and hand back the input's shape: a reshape on the same data id, as the
  // backend's Reshape kernel does (the output is new, so it needs no extra reference).
  const flat: tf.TensorInfo = { dataId: x.dataId, shape: [size], dtype: "float32" };
  const out = gpu.runWebGPUProgram(quantizeProgram(size, mode), [flat], "float32", uniformsOf(planOf(a), mode, a.seed));
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
};

export const webgpuQuantizeKernel: tf.KernelConfig = {
  kernelName: QUANTIZE_KERNEL,
  backendName: "webgpu",
  kernelFunc: webgpuQuantize,
};
