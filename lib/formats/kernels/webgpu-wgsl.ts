// The WGSL of TsampQuantize: roundBits (lib/formats/round.ts) on u32 bit patterns, and draw32
// (lib/formats/random.ts) for stochastic rounding, so the webgpu kernel agrees bit for bit with the
// cpu and wasm kernels, seeded draws included.
//
// Everything is integer arithmetic on bitcast<u32> patterns: GPUs (and lavapipe) may flush float32
// subnormals in float arithmetic, and subnormals are where formats differ most. Loads, stores and
// bitcasts are moves, which keep every bit.
//
// The function is written once for a type T, u32 or vec4<u32> (four elements per invocation when the
// size allows), and branch-free: every case is computed and select() picks one, which is what a GPU
// does with divergent branches anyway. WGSL takes runtime shift amounts modulo 32, so shifts are
// clamped below 32 where a case that will be discarded could ask for more.
//
// The format travels as uniforms (one pipeline serves every format); the rounding mode is compiled
// in (three pipelines), so nearest-even and toward-zero carry no generator code.
import { Mode } from "../round.js";

/** The uniforms the shader reads, in the order the kernel passes them (all u32). */
export const QUANTIZE_UNIFORMS = [
  "s0", // 23 - M
  "efNorm", // float32 exponent field of the format's smallest normal
  "maxBits",
  "minSubnormalBits",
  "overflowBits",
  "infBits",
  "signedZero", // 1, or 0 for fnuz
  "k0", // seedKeys(seed), stochastic only
  "k1",
] as const;

export function uniformDeclarations(): string {
  return QUANTIZE_UNIFORMS.map((u) => `${u} : u32,`).join(" ");
}

/** The grid-rounded magnitude `bGrid` (spacing 2^s ulps, s <= 23) and `bTiny` (s >= 24), per mode. */
function modeBody(mode: Mode): string {
  switch (mode) {
    case Mode.NearestEven:
      // Ties to even on the grid index (the significand shifted right by s); at s = 0 the pattern
      // already is on the grid. Below the grid: the smallest subnormal only when above half of it.
      return `
  let lsb = select((sig >> sc) & T(1u), T(0u), s == T(0u));
  let bGrid = (a + (mask >> T(1u)) + lsb) & ~mask;
  let bTiny = select(T(0u), T(uniforms.minSubnormalBits),
                     (s == T(24u)) & !sub & ((a & T(0x7fffffu)) != T(0u)));`;
    case Mode.TowardZero:
      return `
  let bGrid = a & ~mask;
  let bTiny = T(0u);`;
    case Mode.Stochastic:
      // Up when u < rem / 2^s with u = draw / 2^32, i.e. draw < rem * 2^(32-s): exact in u32 since
      // rem < 2^s. Below the grid, up when draw < sig * 2^(32-s) = t: for s <= 32 a shift, above
      // that ceil(sig / 2^(s-32)) (a u32 draw is below a real x exactly when it is below ceil(x)).
      return `
  let rem = a & mask;
  let bGrid = (a & ~mask) + select(T(0u), mask + T(1u), draw < (rem << (T(32u) - max(sc, T(1u)))));
  let tLow = sig << (T(32u) - clamp(s, T(24u), T(32u)));
  let k = min(max(s, T(32u)) - T(32u), T(31u));
  let tHigh = (sig >> k) + select(T(0u), T(1u), (sig & ((T(1u) << k) - T(1u))) != T(0u));
  let bTiny = select(T(0u), T(uniforms.minSubnormalBits), draw < select(tHigh, tLow, s <= T(32u)));`;
  }
}

/** tsampRound(x, draw) -> pattern, for T = u32 or vec4<u32>. */
function roundFunction(mode: Mode, vec4: boolean): string {
  const T = vec4 ? "vec4<u32>" : "u32";
  // Toward-zero never overflows past max for finite input (a truncated grid value above max gives max).
  const overflow = mode === Mode.TowardZero ? "uniforms.maxBits" : "uniforms.overflowBits";
  const body = `
fn tsampRound(x : T, draw : T) -> T {
  let sign = x & T(0x80000000u);
  let a = x & T(0x7fffffffu);
  let ef = a >> T(23u);
  let sub = ef == T(0u);
  let efNorm = T(uniforms.efNorm);
  // Grid spacing in float32 ulps: 2^s. Float32 subnormals share the field-1 exponent.
  let s = select(T(uniforms.s0) + efNorm - max(ef, T(1u)), T(uniforms.s0), ef >= efNorm);
  let sc = min(s, T(31u));
  let mask = (T(1u) << sc) - T(1u);
  // The 24-bit significand (float32 subnormals: the mantissa field alone).
  let sig = select((a & T(0x7fffffu)) | T(0x800000u), a, sub);
  ${modeBody(mode).trim()}
  let b = select(bTiny, bGrid, s <= T(23u));
  let nan = T(0x7fc00000u);
  let over = T(${overflow});
  let overflowed = select(over | sign, nan, over == nan);
  let inf = T(uniforms.infBits);
  let special = select(select(inf | sign, nan, inf == nan), nan, a != T(0x7f800000u));
  var r = select(b | sign, T(0u), (b == T(0u)) & (T(uniforms.signedZero) == T(0u)));
  r = select(r, overflowed, b > T(uniforms.maxBits));
  return select(r, special, ef == T(255u));
}`;
  return body.replaceAll("T(", `${T}(`).replaceAll(": T", `: ${T}`).replaceAll("-> T", `-> ${T}`);
}

/** lowbias32 over the keyed counter: draw32(k0, k1, i) of random.ts. u32 multiplication wraps like Math.imul. */
function drawFunction(vec4: boolean): string {
  const T = vec4 ? "vec4<u32>" : "u32";
  return `
fn tsampMix(v : ${T}) -> ${T} {
  var x = v;
  x = x ^ (x >> ${T}(16u));
  x = x * ${T}(0x21f0aaadu);
  x = x ^ (x >> ${T}(15u));
  x = x * ${T}(0x735a2d97u);
  x = x ^ (x >> ${T}(15u));
  return x;
}
fn tsampDraw(i : ${T}) -> ${T} {
  return tsampMix((i + ${T}(uniforms.k0)) ^ ${T}(uniforms.k1));
}`;
}

/**
 * The user code of the program: tfjs-backend-webgpu declares the buffers (input A, output `result`,
 * as f32 or vec4<f32>), the uniforms and `main`'s header around it.
 */
export function quantizeShader(mode: Mode, vec4: boolean, mainHeader: string): string {
  const stochastic = mode === Mode.Stochastic;
  const draw = stochastic
    ? vec4
      ? "tsampDraw(vec4<u32>(u32(index) * 4u) + vec4<u32>(0u, 1u, 2u, 3u))"
      : "tsampDraw(u32(index))"
    : vec4
      ? "vec4<u32>(0u)"
      : "0u";
  const [u, f] = vec4 ? ["vec4<u32>", "vec4<f32>"] : ["u32", "f32"];
  return `${stochastic ? drawFunction(vec4) : ""}
${roundFunction(mode, vec4)}
${mainHeader} {
  if (index < uniforms.size) {
    result[index] = bitcast<${f}>(tsampRound(bitcast<${u}>(A[index]), ${draw}));
  }
}
`;
}
