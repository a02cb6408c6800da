/**
 * The workbook's synthetic data sets, as plain arrays ready for `tf.tensor3d`.
 *
 * Every generator returns a {@link SequenceData}: inputs `x` shaped
 * `[samples, timesteps, features]` and targets `y` shaped `[samples, outputs]`.
 * The defaults reproduce the problems of notebooks 02, 03, 04 and 07 exactly.
 */
import { createRng, uniform } from "./random";
import {
  assert3D,
  assertFiniteNumber,
  assertMatrix,
  assertPositiveInteger,
  assertSameLength,
  fail,
  assertKnownOptions,
} from "./validate";

/** Inputs and targets of a recurrent problem, with their shapes spelled out. */
export interface SequenceData {
  /** Inputs, `[samples, timesteps, features]`. */
  x: number[][][];
  /** Targets, `[samples, outputs]`. */
  y: number[][];
  /** Shape of `x`: `[samples, timesteps, features]`. */
  xShape: [number, number, number];
  /** Shape of `y`: `[samples, outputs]`. */
  yShape: [number, number];
}

/**
 * Checks `x` and `y` and bundles them with their shapes.
 * Introduced in notebook 02 (one-to-one); every generator and `makeWindows` return one.
 */
export function toSequenceData(x: number[][][], y: number[][]): SequenceData {
  const xShape = assert3D("x", x);
  const yShape = assertMatrix("y", y);
  assertSameLength("x", xShape[0], "y", yShape[0], "Every input window needs exactly one row of targets.");
  return { x, y, xShape, yShape };
}

/** Options of {@link linearOneToOne}. */
export interface LinearOneToOneOptions {
  /** How many samples (X = 1, 2, …, count). Default: 20. */
  count?: number;
  /** The multiplier in Y = factor · X. Default: 15. */
  factor?: number;
}

/**
 * One feature, one time step: X = 1..count, Y = factor · X.
 * Defaults give x `[20, 1, 1]` and y `[20, 1]`.
 * Introduced in notebook 02 (one-to-one).
 */
export function linearOneToOne(options: LinearOneToOneOptions = {}): SequenceData {
  assertKnownOptions(options, ["count", "factor"], "{ count: 20, factor: 15 }");
  const { count = 20, factor = 15 } = options;
  assertPositiveInteger("count", count, "It is the number of samples, e.g. count: 20.");
  assertFiniteNumber("factor", factor, "It is the multiplier in Y = factor · X, e.g. factor: 15.");
  const xs = range(1, count);
  return toSequenceData(
    xs.map((v) => [[v]]), // [count, 1, 1]
    xs.map((v) => [factor * v]), // [count, 1]
  );
}

/** Options of {@link productFeatures}. */
export interface ProductFeaturesOptions {
  /** How many samples (X1 = 2, 4, …, 2·count; X2 = 3, 6, …, 3·count). Default: 25. */
  count?: number;
}

/**
 * Two features, one time step: X1 = 2, 4, …; X2 = 3, 6, …; Y = X1 · X2.
 * Defaults give x `[25, 1, 2]` and y `[25, 1]`.
 * Introduced in notebook 02 (one-to-one).
 */
export function productFeatures(options: ProductFeaturesOptions = {}): SequenceData {
  assertKnownOptions(options, ["count"], "{ count: 25 }");
  const { count = 25 } = options;
  assertPositiveInteger("count", count, "It is the number of samples, e.g. count: 25.");
  const ks = range(1, count);
  return toSequenceData(
    ks.map((k) => [[2 * k, 3 * k]]), // [count, 1, 2]
    ks.map((k) => [2 * k * (3 * k)]), // [count, 1]
  );
}

/** Options shared by the arithmetic-sequence generators of notebooks 03 and 04. */
export interface ArithmeticWindowsOptions {
  /** How many samples (non-overlapping windows). Default: 15. */
  samples?: number;
  /** Time steps per sample. Default: 3. */
  lookBack?: number;
}

/** Options of {@link sumOfThree}. */
export interface SumOfThreeOptions extends ArithmeticWindowsOptions {}

/**
 * One feature, many steps: the integers 1..samples·lookBack cut into samples of
 * `lookBack` steps; Y = the sum of each sample. Defaults: x `[15, 3, 1]`, Y = 6, 15, …, 132.
 * Introduced in notebook 03 (many-to-one).
 */
export function sumOfThree(options: SumOfThreeOptions = {}): SequenceData {
  const { samples, lookBack } = readArithmeticOptions(options);
  const x = chunk(range(1, samples * lookBack), lookBack).map((w) => w.map((v) => [v])); // [samples, lookBack, 1]
  const y = x.map((w) => [w.reduce((sum, step) => sum + step[0], 0)]); // [samples, 1]
  return toSequenceData(x, y);
}

/** Options of {@link twoFeatureSum}. */
export interface TwoFeatureSumOptions extends ArithmeticWindowsOptions {}

/**
 * Two features, many steps: X1 = 3, 6, …; X2 = 5, 10, …; Y = X1 + X2 at the last step.
 * Defaults: x `[15, 3, 2]` starting `[[3, 5], [6, 10], [9, 15]]`, Y = 24, 48, …, 360.
 * Introduced in notebook 03 (many-to-one).
 */
export function twoFeatureSum(options: TwoFeatureSumOptions = {}): SequenceData {
  const { samples, lookBack } = readArithmeticOptions(options);
  const x = twoFeatureWindows(samples, lookBack); // [samples, lookBack, 2]
  const y = x.map((w) => [w[lookBack - 1][0] + w[lookBack - 1][1]]); // [samples, 1]
  return toSequenceData(x, y);
}

/** Options of {@link nextStepMultiOutput}. */
export interface NextStepMultiOutputOptions extends ArithmeticWindowsOptions {}

/**
 * The inputs of {@link twoFeatureSum}; Y = the next step of both features.
 * Defaults: first sample `[[3, 5], [6, 10], [9, 15]]` → `[12, 20]`, last → `[138, 230]`.
 * Introduced in notebook 04 (multi-output).
 */
export function nextStepMultiOutput(options: NextStepMultiOutputOptions = {}): SequenceData {
  const { samples, lookBack } = readArithmeticOptions(options);
  const x = twoFeatureWindows(samples, lookBack); // [samples, lookBack, 2]
  const y = x.map((w) => [w[lookBack - 1][0] + 3, w[lookBack - 1][1] + 5]); // [samples, 2]
  return toSequenceData(x, y);
}

/** Options of {@link randomWalk}. */
export interface RandomWalkOptions {
  /** Seed of the random numbers; required, so that every run gives the same data. No default. */
  seed: number;
  /** How many independent walks. Default: 1000. */
  samples?: number;
  /** Values per walk given as input; the next value is the target. Default: 50. */
  lookBack?: number;
  /** Lowest possible start value (inclusive). Default: 0. */
  startLow?: number;
  /** Highest possible start value (exclusive). Default: 100. */
  startHigh?: number;
  /** Each step adds a number uniform in [-stepSize, stepSize). Default: 0.5. */
  stepSize?: number;
}

/**
 * Seeded random walks: start uniform in [startLow, startHigh), each step adds
 * uniform noise in [-stepSize, stepSize); `lookBack` values in, the next one is y.
 * Defaults: x `[1000, 50, 1]`, y `[1000, 1]`.
 * Introduced in notebook 07 (random walk).
 */
export function randomWalk(options: RandomWalkOptions): SequenceData {
  const example = "{ seed: 42, samples: 1000, lookBack: 50 }";
  assertKnownOptions(options, ["seed", "samples", "lookBack", "startLow", "startHigh", "stepSize"], example);
  const { seed, samples = 1000, lookBack = 50, startLow = 0, startHigh = 100, stepSize = 0.5 } = options;
  if (seed === undefined) {
    fail("seed", "a non-negative integer", seed, "The seed is required so that every run gives the same data, e.g. seed: 42.");
  }
  assertPositiveInteger("samples", samples, "It is the number of walks, e.g. samples: 1000.");
  assertPositiveInteger("lookBack", lookBack, "It is the number of input steps per walk, e.g. lookBack: 50.");
  assertFiniteNumber("startLow", startLow);
  assertFiniteNumber("startHigh", startHigh);
  if (!(startHigh > startLow)) {
    fail("startHigh", `a number greater than startLow (${startLow})`, startHigh, "Start values are drawn from [startLow, startHigh).");
  }
  assertFiniteNumber("stepSize", stepSize);
  if (!(stepSize > 0)) {
    fail("stepSize", "a positive number", stepSize, "Each step adds noise in [-stepSize, stepSize), e.g. stepSize: 0.5.");
  }
  const rng = createRng(seed);
  const start = () => uniform(rng, startLow, startHigh);
  const step = () => uniform(rng, -stepSize, stepSize);
  const walks = Array.from({ length: samples }, () => walk(lookBack + 1, start, step)); // [samples, lookBack + 1]
  return toSequenceData(
    walks.map((w) => w.slice(0, lookBack).map((v) => [v])), // [samples, lookBack, 1]
    walks.map((w) => [w[lookBack]]), // [samples, 1]
  );
}

/** A walk of `length` values: a start, then each value the previous plus a step. */
function walk(length: number, start: () => number, step: () => number): number[] {
  const values = [start()];
  for (let t = 1; t < length; t++) values.push(values[t - 1] + step());
  return values;
}

/** Samples of X1 = 3k, X2 = 5k for k = 1..samples·lookBack. */
function twoFeatureWindows(samples: number, lookBack: number): number[][][] {
  return chunk(range(1, samples * lookBack), lookBack).map((w) => w.map((k) => [3 * k, 5 * k]));
}

/** Checks and fills in the defaults of {@link ArithmeticWindowsOptions}. */
function readArithmeticOptions(options: ArithmeticWindowsOptions): Required<ArithmeticWindowsOptions> {
  assertKnownOptions(options, ["samples", "lookBack"], "{ samples: 15, lookBack: 3 }");
  const { samples = 15, lookBack = 3 } = options;
  assertPositiveInteger("samples", samples, "It is the number of samples, e.g. samples: 15.");
  assertPositiveInteger("lookBack", lookBack, "It is the number of time steps per sample, e.g. lookBack: 3.");
  return { samples, lookBack };
}

/** The integers from..to, inclusive. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Cuts `values` into consecutive pieces of `size`. */
function chunk<T>(values: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));
}

