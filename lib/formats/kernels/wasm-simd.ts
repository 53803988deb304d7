// The WebAssembly SIMD quantize (wasm-simd/quantize.wat, compiled into wasm-simd-binary.ts) run on
// tfjs-backend-wasm's own memory. The module imports that WebAssembly.Memory, so it reads the input
// tensor and writes the output tensor where the backend keeps them (dataIdMap -> memoryOffset): no
// copy at all. Where the memory cannot be imported, a module with a memory of its own rounds through
// it in fixed-size chunks (two copies per element, measured by bench/quantize.mjs). Where the engine
// has no SIMD, or a format is outside what the module handles, the caller runs the JS loop.
//
// The .wat says how each rounding mode works; this file turns a RoundPlan into its parameters.
// Results equal the scalar reference (roundBits) bit for bit, except that a NaN may come out as
// another NaN than its canonical one (DESIGN.md: any NaN matches), which the fastest nearest-even
// functions and the trimmed stochastic ones use.
import { pow2Bits } from "../bits.js";
import { seedKeys } from "../random.js";
import { Mode, floatStepFits, modeOf, nearestEvenLimit, planFor, type RoundPlan } from "../round.js";
import { specOf, type QuantizeAttrs } from "./attrs.js";
import { QUANTIZE_WASM_BASE64 } from "./wasm-simd-binary.js";
import { WA, backendMemory, instantiateOn, moduleVariants, type EmscriptenMemoryHolder, type WasmMemory } from "../../wasm-module.js";

/** How the wasm kernel rounds: "auto" picks the first of "imported", "scratch", "js" that works. */
export type WasmQuantizePath = "imported" | "scratch" | "js";
let forced: WasmQuantizePath | "auto" = "auto";
let lastPath: WasmQuantizePath | null = null;

/**
 * Forces one path (tests and bench/quantize.mjs compare them); "auto" restores the default. A forced
 * SIMD path that cannot run still falls back to the JS loop, never to the other SIMD path.
 */
export function setWasmQuantizePath(path: WasmQuantizePath | "auto"): void {
  forced = path;
}

/** The path the last wasm quantize took (null before the first). */
export function lastWasmQuantizePath(): WasmQuantizePath | null {
  return lastPath;
}

/** @internal Called by the kernel with the path it took. */
export function noteWasmQuantizePath(path: WasmQuantizePath): void {
  lastPath = path;
}

// ---------------------------------------------------------------------------------------------
// Modules and instances.

type RunFn = (src: number, dst: number, n: number, ...params: number[]) => void;
interface Exports {
  nearestEven: RunFn;
  nearestEvenFloat: RunFn;
  nearestEvenFloatClamped: RunFn;
  nearestEvenFloatInfNaN: RunFn;
  nearestEvenInt: RunFn;
  nearestEvenIntClamped: RunFn;
  towardZero: RunFn;
  stochastic: RunFn;
  stochasticClamped: RunFn;
  stochasticInfNaN: RunFn;
  memory?: WasmMemory;
}

/** The compiled variant (about 1.3 KB), or null where the engine rejects it (no SIMD, or no shared memory). */
const moduleOf = moduleVariants(QUANTIZE_WASM_BASE64);

/** True when this engine runs the SIMD module (wasm SIMD: Node >= 16.4, every current browser). */
export function wasmSimdSupported(): boolean {
  return moduleOf("owned") !== null;
}

/** The part of tfjs-backend-wasm's Emscripten module this file uses. */
export interface EmscriptenModuleLike extends EmscriptenMemoryHolder {
  HEAPU8: Uint8Array;
}

/** Instances on a backend's memory, per Emscripten module (one per backend), or null: cannot. */
const imported = new WeakMap<object, Exports | null>();

function importedInstance(em: EmscriptenModuleLike): Exports | null {
  let ex = imported.get(em);
  if (ex === undefined) {
    // null when the memory's limits do not match the import: the kernel copies through instead.
    const memory = backendMemory(em);
    ex = memory === null ? null : (instantiateOn(memory, (shared) => moduleOf(shared ? "importedShared" : "imported")) as Exports | null);
    imported.set(em, ex);
  }
  return ex;
}

/** Elements per chunk of the copy-through path: its memory stays at 1 MiB whatever the tensor. */
const SCRATCH_ELEMENTS = 1 << 18;
let scratch: Exports | null | undefined;

function scratchInstance(): Exports | null {
  if (scratch === undefined) {
    const mod = moduleOf("owned");
    scratch = mod === null || WA === undefined ? null : (new WA.Instance(mod, {}).exports as Exports);
    if (scratch !== null) {
      const memory = scratch.memory!;
      const pages = (SCRATCH_ELEMENTS * 4) / 65536 - memory.buffer.byteLength / 65536;
      if (pages > 0) memory.grow(pages);
    }
  }
  return scratch;
}

// ---------------------------------------------------------------------------------------------
// Parameters.

/** A function of quantize.wat. */
type FunctionName = Exclude<keyof Exports, "memory">;

interface Call {
  run: FunctionName;
  /** Everything after (src, dst, n); for stochastic the last two are k0 and k1. */
  params: number[];
}

/** The functions that take the seed's keys. */
const STOCHASTIC: ReadonlySet<FunctionName> = new Set<FunctionName>(["stochastic", "stochasticClamped", "stochasticInfNaN"]);

const calls = new Map<string, Call | null>();

/**
 * The function and parameters of quantize.wat for these attributes (the seed aside), or null when
 * the format is outside what the module's float steps handle exactly: C = 2^(qmin + 23) must be a
 * float32 (qmin <= 104), and for stochastic rounding 2^(31 - qmin) >= 1 (qmin <= 31). Every named
 * format has qmin <= -9; only custom formats whose smallest subnormal exceeds 2^31 take the JS loop.
 */
function callFor(attrs: QuantizeAttrs, mode: Mode): Call | null {
  const key = `${attrs.exponentBits},${attrs.mantissaBits},${attrs.bias},${attrs.rule},${attrs.saturate},${mode}`;
  let call = calls.get(key);
  if (call === undefined) {
    call = makeCall(planFor(specOf(attrs), attrs.saturate), mode);
    calls.set(key, call);
  }
  return call;
}

const INF = 0x7f800000;

function makeCall(p: RoundPlan, mode: Mode): Call | null {
  const s0 = p.s0;
  const qmin = p.efNorm - 150 + s0;
  if (qmin > 104 || (mode === Mode.Stochastic && qmin > 31)) return null;
  const mask0 = (1 << s0) - 1;
  const c = pow2Bits(qmin + 23);
  const minNormal = p.efNorm << 23;
  // The sign test (see the .wat): b + zadd > zt, signed, means "no sign".
  const zadd = p.signedZero ? 0 : 0x7fffffff;
  const zt = (INF + zadd) | 0;
  switch (mode) {
    case Mode.NearestEven: {
      const halfp = (mask0 >>> 1) + (s0 === 23 ? 1 : 0);
      const unitL = s0 === 0 || s0 === 23 ? 0 : 1 << s0;
      const t1 = nearestEvenLimit(p);
      if (floatStepFits(p)) {
        if (p.signedZero) {
          if (p.overflowBits === p.maxBits) return { run: "nearestEvenFloatClamped", params: [s0 << 23, c, p.maxBits] };
          return { run: "nearestEvenFloatInfNaN", params: [s0 << 23, c, t1, p.overflowBits] };
        }
        return { run: "nearestEvenFloat", params: [s0 << 23, c, t1, p.overflowBits, zadd, zt] };
      }
      if (p.efNorm === 1 && s0 < 23) {
        if (p.signedZero && (p.overflowBits === p.maxBits || (p.overflowBits === INF && p.maxBits + (1 << s0) === INF))) {
          // The clamp: max, or inf (which changes nothing).
          return { run: "nearestEvenIntClamped", params: [halfp + 1, unitL, mask0, p.overflowBits] };
        }
        return { run: "nearestEvenInt", params: [halfp + 1, unitL, mask0, t1, p.overflowBits, zadd, zt] };
      }
      return { run: "nearestEven", params: [halfp + 1, unitL, mask0, c, minNormal, t1, p.overflowBits, zadd, zt] };
    }
    case Mode.TowardZero:
      return { run: "towardZero", params: [mask0, c, p.minSubnormalBits, minNormal, p.maxBits, p.infBits, zadd, zt] };
    case Mode.Stochastic: {
      const g = 31 - qmin;
      const g1 = Math.min(g, 127);
      const shared = [32 - s0, mask0, c, p.minSubnormalBits, pow2Bits(g1), pow2Bits(g - g1), minNormal, p.maxBits];
      // The trimmed functions keep the canonical NaN's pattern through the add-and-truncate (its
      // low 22 bits are zero) and need a shift below 32 (see the .wat); the seed keys go last.
      if (p.signedZero && s0 >= 1 && s0 <= 22) {
        if (p.overflowBits === p.maxBits) return { run: "stochasticClamped", params: [...shared, 0, 0] };
        return { run: "stochasticInfNaN", params: [...shared, p.overflowBits, 0, 0] };
      }
      return { run: "stochastic", params: [...shared, p.overflowBits, zadd, zt, 0, 0] };
    }
  }
}

/**
 * @internal The quantize.wat function that these attributes run, or null where the JS loop runs
 * (tests check that every function is exercised).
 */
export function wasmSimdFunction(attrs: QuantizeAttrs): Call["run"] | null {
  return callFor(attrs, modeOf(attrs.rounding))?.run ?? null;
}

function paramsWithSeed(call: Call, attrs: QuantizeAttrs, firstIndex: number): number[] {
  if (!STOCHASTIC.has(call.run)) return call.params;
  const [k0, k1] = seedKeys(attrs.seed);
  const params = call.params.slice();
  // draw32 counts from i + k0; a chunk that starts at element firstIndex starts its count there.
  params[params.length - 2] = (k0 + firstIndex) | 0;
  params[params.length - 1] = k1 | 0;
  return params;
}

// ---------------------------------------------------------------------------------------------
// Running.

/**
 * Rounds n float32 elements at byte offset src of the backend's heap into byte offset dst, and
 * returns the path taken, or null when neither SIMD path can (the caller then runs the JS loop).
 */
export function quantizeOnHeap(em: EmscriptenModuleLike, src: number, dst: number, n: number, attrs: QuantizeAttrs): WasmQuantizePath | null {
  if (forced === "js" || n < 4) return null;
  const call = callFor(attrs, modeOf(attrs.rounding));
  if (call === null) return null;
  if (forced !== "scratch") {
    const ex = importedInstance(em);
    if (ex !== null) {
      // Offsets above 2^31 pass as negative i32: the same 32 bits, which wasm reads as unsigned.
      ex[call.run](src | 0, dst | 0, n, ...paramsWithSeed(call, attrs, 0));
      return "imported";
    }
    if (forced === "imported") return null;
  }
  const ex = scratchInstance();
  if (ex === null) return null;
  const run = ex[call.run];
  for (let start = 0; start < n; start += SCRATCH_ELEMENTS) {
    // A last chunk under 4 elements moves back to end at n (its overlap is recomputed the same).
    const first = Math.min(start, n - 4);
    const count = Math.min(SCRATCH_ELEMENTS, n - first);
    const own = new Uint8Array(ex.memory!.buffer, 0, count * 4);
    own.set(em.HEAPU8.subarray(src + first * 4, src + (first + count) * 4));
    run(0, 0, count, ...paramsWithSeed(call, attrs, first));
    em.HEAPU8.set(own, dst + first * 4);
  }
  return "scratch";
}
