// Learning-rate schedules: pure functions of the optimizer's step count (0 for the first step)
// and its base lr. An optimizer asks schedule.lr(step, lr) before each step, as PyTorch's
// schedulers set the lr that the next optimizer.step() uses.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { checkKeys } from "./suggest.js";

export interface Schedule {
  readonly kind: string;
  /** The lr for optimizer step `step` (0-based) given the optimizer's base lr. */
  lr(step: number, baseLr: number): number;
  toString(): string;
}

/** A schedule object, or any function (step, baseLr) => lr. */
export type ScheduleLike = Schedule | ((step: number, baseLr: number) => number);

class NamedSchedule implements Schedule {
  constructor(
    readonly kind: string,
    private readonly describe: string,
    private readonly f: (step: number, baseLr: number) => number,
  ) {
    Object.freeze(this);
  }

  lr(step: number, baseLr: number): number {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`schedule ${this.kind}: step must be a non-negative integer, got ${step}`);
    return this.f(step, baseLr);
  }

  toString(): string {
    return this.describe;
  }

  [DISPLAY](): MimeBundle {
    return { "text/plain": this.describe, "text/html": `<code>${this.describe}</code>` };
  }
}

function positiveInteger(where: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1) throw new RangeError(`${where} must be a positive integer, got ${String(x)}`);
  return x;
}

function nonNegative(where: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new RangeError(`${where} must be a finite number >= 0, got ${String(x)}`);
  return x;
}

/** The base lr at every step. */
export function constant(): Schedule {
  return new NamedSchedule("constant", "constant()", (_step, base) => base);
}

/** PyTorch's StepLR: base * gamma^floor(step / stepSize); gamma defaults to 0.1 as there. */
export function step(opts: { stepSize: number; gamma?: number }): Schedule {
  checkKeys("amp.schedule.step", opts ?? {}, ["stepSize", "gamma"]);
  const stepSize = positiveInteger("amp.schedule.step: stepSize", opts?.stepSize);
  const gamma = nonNegative("amp.schedule.step: gamma", opts.gamma ?? 0.1);
  return new NamedSchedule("step", `step(stepSize=${stepSize}, gamma=${gamma})`, (s, base) => base * gamma ** Math.floor(s / stepSize));
}

/**
 * Linear warmup, then cosine decay to minLr (Hugging Face's get_cosine_schedule_with_warmup, with
 * CosineAnnealingLR's eta_min):
 *   step < warmupSteps:  base * step / warmupSteps          (0 at step 0, base at warmupSteps)
 *   otherwise:           minLr + (base - minLr) * (1 + cos(pi * p)) / 2,
 *                        p = min(1, (step - warmupSteps) / (totalSteps - warmupSteps))
 * so it stays at minLr after totalSteps.
 */
export function cosine(opts: { totalSteps: number; warmupSteps?: number; minLr?: number }): Schedule {
  checkKeys("amp.schedule.cosine", opts ?? {}, ["totalSteps", "warmupSteps", "minLr"]);
  const totalSteps = positiveInteger("amp.schedule.cosine: totalSteps", opts?.totalSteps);
  const warmupSteps = opts.warmupSteps ?? 0;
  if (!Number.isSafeInteger(warmupSteps) || warmupSteps < 0) {
    throw new RangeError(`amp.schedule.cosine: warmupSteps must be a non-negative integer, got ${String(warmupSteps)}`);
  }
  if (warmupSteps >= totalSteps) {
    throw new RangeError(`amp.schedule.cosine: warmupSteps (${warmupSteps}) must be below totalSteps (${totalSteps})`);
  }
  const minLr = nonNegative("amp.schedule.cosine: minLr", opts.minLr ?? 0);
  return new NamedSchedule(
    "cosine",
    `cosine(warmupSteps=${warmupSteps}, totalSteps=${totalSteps}, minLr=${minLr})`,
    (s, base) => {
      if (s < warmupSteps) return (base * s) / warmupSteps;
      const p = Math.min(1, (s - warmupSteps) / (totalSteps - warmupSteps));
      return minLr + ((base - minLr) * (1 + Math.cos(Math.PI * p))) / 2;
    },
  );
}

/** A Schedule from a schedule or a plain function. */
export function toSchedule(s: ScheduleLike): Schedule {
  if (typeof s === "function") return new NamedSchedule("custom", "custom schedule", s);
  if (typeof s === "object" && s !== null && typeof s.lr === "function") return s;
  throw new TypeError("a schedule is amp.schedule.constant() | .step({...}) | .cosine({...}) or a function (step, baseLr) => lr");
}

export const schedule = Object.freeze({ constant, step, cosine });
