/**
 * Which input features a trained model relies on: permutation importance.
 * Shuffle one feature's windows across the samples, so that the feature no
 * longer belongs to its sample but keeps its distribution, and measure how much
 * the model's error grows. A feature the model ignores costs nothing when
 * shuffled; a feature it depends on costs a lot. No retraining is needed.
 * Introduced in notebook 08 (ETTh1).
 */
import * as tf from "@tensorflow/tfjs";
import { mae, mse, rmse, MetricValues } from "./metrics";
import { createRng, shuffledIndices } from "./random";
import {
  assert3D,
  assertKnownOptions,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
  assertSameLength,
  assertSeries,
  described,
  fail,
} from "./validate";

/** Error measures {@link permutationImportance} can use. */
export const IMPORTANCE_METRICS = ["mae", "rmse", "mse"] as const;
/** One of {@link IMPORTANCE_METRICS}. */
export type ImportanceMetric = (typeof IMPORTANCE_METRICS)[number];

const METRIC_FUNCTIONS: Record<ImportanceMetric, (yTrue: MetricValues, yPred: MetricValues) => number> = { mae, rmse, mse };

/** Options of {@link permutationImportance}. */
export interface PermutationImportanceOptions {
  /** One name per feature (x.shape[2]), used in the result. Default: "feature 0", "feature 1", … */
  featureNames?: string[];
  /** The error measured: `"mae"`, `"rmse"` or `"mse"`. Default: `"mae"`. */
  metric?: ImportanceMetric;
  /** Shuffles per feature; the error is averaged over them. Default: 1. */
  repeats?: number;
  /** Seed of the shuffles; the same seed gives the same result. Default: 42. */
  seed?: number;
  /**
   * Turns the model's raw outputs `[samples, outputs]` into one forecast per sample in the
   * units of `y`, e.g. undoing the scaling, or adding a predicted change to the last value.
   * It receives the **unshuffled** inputs as its second argument, so a forecast built as
   * "last value + predicted change" keeps the true last value and measures only what the
   * model itself makes of the feature. Default: the first output column as it is.
   */
  toForecast?: (predicted: number[][], x: number[][][]) => number[];
}

/** The importance of one feature. */
export interface FeatureImportance {
  /** The feature's name (from `featureNames`). */
  feature: string;
  /** Its column in the inputs' last axis. */
  index: number;
  /** The error with this feature shuffled (mean over the repeats). */
  error: number;
  /** `error` minus the error with nothing shuffled: how much the model loses without the feature. */
  increase: number;
}

/** What {@link permutationImportance} returns. */
export interface PermutationImportance {
  /** The metric used. */
  metric: ImportanceMetric;
  /** The model's error on the unshuffled inputs. */
  baseline: number;
  /** One entry per feature, in column order. */
  features: FeatureImportance[];
}

/**
 * Permutation importance of every input feature of a trained model: for each feature,
 * shuffle its whole window (all `lookBack` steps) across the samples, predict, and
 * compare the error (in the units of `y`, via `toForecast`) with the unshuffled error.
 * `x` is `[samples, lookBack, numFeatures]`, `y` one true value per sample
 * (`number[]` or `[samples, 1]`). Use held-out rows, e.g. the test windows.
 * Introduced in notebook 08 (ETTh1).
 */
export function permutationImportance(
  model: tf.LayersModel,
  x: number[][][],
  y: MetricValues,
  options: PermutationImportanceOptions = {},
): PermutationImportance {
  const example = '{ featureNames: ["HUFL", "OT"], metric: "mae", repeats: 3, seed: 1 }';
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js model, e.g. from buildRecurrentModel", model);
  const [samples, lookBack, numFeatures] = assert3D("x", x, "Pass windows shaped [samples, lookBack, numFeatures].");
  if (samples < 2) fail("x", "at least 2 samples, so that a feature can be shuffled between them", described(`${samples} sample`));
  const truth = readTruth(y, samples);
  assertKnownOptions(options, ["featureNames", "metric", "repeats", "seed", "toForecast"], example);
  const metric = options.metric ?? "mae";
  assertOneOf("options.metric", metric, IMPORTANCE_METRICS);
  const repeats = options.repeats ?? 1;
  assertPositiveInteger("options.repeats", repeats, "It is how many shuffles are averaged per feature, e.g. repeats: 3.");
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const names = readNames(options.featureNames, numFeatures);
  const toForecast = options.toForecast ?? ((predicted: number[][]) => predicted.map((row) => row[0]));
  if (typeof toForecast !== "function") fail("options.toForecast", "a function (predicted, x) => number[]", toForecast);
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 3 || (inputShape[1] !== null && inputShape[1] !== lookBack) || inputShape[2] !== numFeatures) {
    fail(
      "x",
      `windows shaped like the model's inputs [samples, ${inputShape[1] ?? "timesteps"}, ${inputShape[2]}]`,
      described(`shape [${samples}, ${lookBack}, ${numFeatures}]`),
      "Pass the windows the model was trained on (same lookBack and features).",
    );
  }

  const score = (inputs: Float32Array): number => {
    const forecast = toForecast(predictRows(model, inputs, [samples, lookBack, numFeatures]), x);
    const values = assertSeries("options.toForecast(...)", forecast, "toForecast must return one number per sample.");
    assertSameLength("options.toForecast(...)", values.length, "x", samples, "Return one forecast per sample.");
    return METRIC_FUNCTIONS[metric](truth, values);
  };
  const flat = new Float32Array(samples * lookBack * numFeatures); // [samples, lookBack, numFeatures], row-major
  x.forEach((window, i) => window.forEach((step, t) => flat.set(step, (i * lookBack + t) * numFeatures)));
  const baseline = score(flat);
  const rng = createRng(seed);
  const shuffled = new Float32Array(flat.length);
  const features = names.map((feature, index) => {
    let total = 0;
    for (let r = 0; r < repeats; r++) {
      const order = shuffledIndices(samples, rng);
      shuffled.set(flat);
      for (let i = 0; i < samples; i++) {
        for (let t = 0; t < lookBack; t++) shuffled[(i * lookBack + t) * numFeatures + index] = flat[(order[i] * lookBack + t) * numFeatures + index]; // sample i gets sample order[i]'s feature
      }
      total += score(shuffled);
    }
    const error = total / repeats;
    return { feature, index, error, increase: error - baseline };
  });
  return { metric, baseline, features };
}

/** The model's outputs `[samples, outputs]` for inputs given as one row-major array of `shape`. */
function predictRows(model: tf.LayersModel, x: Float32Array, shape: [number, number, number]): number[][] {
  const samples = shape[0];
  const input = tf.tensor3d(x, shape); // [samples, lookBack, numFeatures]
  try {
    const output = model.predict(input) as tf.Tensor; // [samples, outputs]
    const rows = output.reshape([samples, -1]).arraySync() as number[][]; // [samples, outputs]
    output.dispose();
    return rows;
  } finally {
    input.dispose();
  }
}

/** The true values as one number per sample. */
function readTruth(y: unknown, samples: number): number[] {
  let values: unknown = y;
  if (Array.isArray(y) && y.length > 0 && Array.isArray(y[0])) {
    if ((y as unknown[][]).some((row) => !Array.isArray(row) || row.length !== 1)) {
      fail("y", "one true value per sample: number[] or [samples, 1]", described("rows with more than one value"), "Pass the column of the target you forecast.");
    }
    values = (y as number[][]).map((row) => row[0]);
  }
  const list = assertSeries("y", values, "Pass one true value per sample: number[] or [samples, 1].");
  assertSameLength("x", samples, "y", list.length, "Every window needs its true value.");
  return list;
}

/** Feature names, one per column; defaults to "feature i". */
function readNames(names: unknown, numFeatures: number): string[] {
  if (names === undefined) return Array.from({ length: numFeatures }, (_, i) => `feature ${i}`);
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) {
    fail("options.featureNames", `an array of ${numFeatures} names`, names);
  }
  assertSameLength("options.featureNames", names.length, "x.shape[2] (features)", numFeatures, "Give one name per feature column.");
  if (new Set(names).size !== names.length) fail("options.featureNames", "distinct names", names, "Name each feature once.");
  return names as string[];
}
