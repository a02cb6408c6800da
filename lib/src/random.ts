/**
 * Seeded pseudo-random numbers, so every random choice in the workbook
 * (generators, shuffling) gives the same numbers on every run.
 * Introduced in notebook 07 (random walk); used by `fit` for shuffling.
 */
import { assertNonNegativeInteger, assertPositiveInteger } from "./validate";

/** A function returning numbers uniform in [0, 1), like `Math.random`, but seeded. */
export type Rng = () => number;

/**
 * Creates a seeded generator (mulberry32: 32-bit state, period 2^32).
 * @param seed a non-negative integer; the same seed gives the same sequence.
 */
export function createRng(seed: number): Rng {
  assertNonNegativeInteger("seed", seed, "Pick any whole number, e.g. seed: 42.");
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number uniform in [low, high) drawn from `rng`. */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng();
}

/** Shuffles `items` in place (Fisher–Yates) with `rng` and returns it. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** The integers 0..count-1 in a seeded random order. */
export function shuffledIndices(count: number, rng: Rng): number[] {
  assertPositiveInteger("count", count);
  return shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    rng,
  );
}
