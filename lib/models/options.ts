// Option checking shared by the model builders.
import { checkKeys } from "../amp/suggest.js";
import * as tf from "../tf.js";

export { checkKeys };

export function positiveInt(where: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1) throw new RangeError(`${where} must be a positive integer, got ${String(x)}`);
  return x;
}

/** A shape of `rank` positive integers. */
export function shapeOf(where: string, s: unknown, rank: number): number[] {
  if (!Array.isArray(s) || s.length !== rank || !s.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new TypeError(`${where}: inputShape must be ${rank} positive integers ([height, width, channels] for images), got ${JSON.stringify(s)}`);
  }
  return [...s] as number[];
}

/**
 * A kernel initializer, seeded when a seed is given (seed + index: each layer its own stream), so
 * that a model built twice with the same seed starts from the same weights.
 */
export function initializer(kind: "heNormal" | "glorotUniform", seed: number | undefined, index: number): ReturnType<typeof tf.initializers.heNormal> | "heNormal" | "glorotUniform" {
  if (seed === undefined) return kind;
  const s = seed + 1000 * index;
  return kind === "heNormal" ? tf.initializers.heNormal({ seed: s }) : tf.initializers.glorotUniform({ seed: s });
}
