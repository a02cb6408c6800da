/**
 * Small experiments: train one model on scaled data and answer one
 * question in the units of the problem; teach a model a known symmetry by
 * adding copies of the samples with their two features swapped; and chart how
 * far each model's answer is from the truth, beside the seed article's.
 * Introduced in notebook 03 (many-to-one); used again in notebook 04 (multi-output).
 */
import * as tf from "@tensorflow/tfjs";
import { PlotlyFigure, PlotlyTrace, ChartOptions } from "./charts";
import { distance, Value } from "./checks";
import { SequenceData, toSequenceData } from "./generators";
import { RecurrentModelOptions } from "./models";
import { ScalingPipeline } from "./pipeline";
import { MinMaxScaler, StandardScaler } from "./scalers";
import { fit, FitOptions, trainingRowCount, TrainingHistory } from "./training";
import {
  assert3D,
  assertFiniteNumber,
  assertKnownOptions,
  assertMatrix,
  assertOneOf,
  assertSameLength,
  described,
  fail,
} from "./validate";

/** What a model is trained to predict: the targets themselves, or their change from the last input step. */
export const TARGET_KINDS = ["level", "change"] as const;
/** One of {@link TARGET_KINDS}. */
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Scalers {@link trainAndAnswer} can use for inputs and targets. */
export const SCALER_KINDS = ["minMax", "standard"] as const;
/** One of {@link SCALER_KINDS}. */
export type ScalerKind = (typeof SCALER_KINDS)[number];

/** Model options without the shapes, to share one recipe between models of different shapes. */
export type ShapelessModelOptions = Omit<RecurrentModelOptions, "lookBack" | "numFeatures" | "outputs">;

/** Options of {@link trainAndAnswer}. */
export interface TrainAndAnswerOptions {
  /** Training options passed to `fit` (`epochs` required); a `validationSplit` also keeps the held-out rows out of the scalers. Required, no default. */
  fit: FitOptions;
  /** Scaler of inputs and targets, fitted on the training rows only: `"minMax"` or `"standard"`. Default: `"minMax"`. */
  scaler?: ScalerKind;
  /** Range the training rows' minimum and maximum map to, for `scaler: "minMax"`. Default: `[0, 1]`. */
  featureRange?: [number, number];
  /**
   * `"level"`: learn the targets as they are. `"change"`: learn each target minus the
   * same feature at the last input step (needs one target per input feature, as in
   * "predict the next step of every feature"), and add that step back to the answer.
   * Default: `"level"`.
   */
  target?: TargetKind;
}

/** What {@link trainAndAnswer} returns. */
export interface TrainedAnswer {
  /** The answer to the question, one value per output, in the units of the targets. */
  answer: number[];
  /** The loss history from `fit`. */
  history: TrainingHistory;
  /** The scaling, fitted on the training rows (for `target: "change"`, its targets are the changes). */
  pipeline: ScalingPipeline;
  /** The validation loss after the last epoch (scaled units), or `null` without validation data. */
  validationLoss: number | null;
  /** The model's predictions in the units of the targets for any inputs `[samples, lookBack, numFeatures]`. */
  predict(x: number[][][]): number[][];
  /** The largest absolute error over the rows and outputs of `rows` (e.g. the validation rows), in the units of the targets. */
  largestError(rows: { x: number[][][]; y: number[][] }): number;
}

/**
 * Trains `model` (e.g. from `buildRecurrentModel`) on `data` and answers `question`:
 * fits the scaling on the training rows only (those `fit` keeps after its
 * `validationSplit`), trains with `fit` (live chart in a notebook), and returns the
 * answer to `question` (`[1, lookBack, numFeatures]`, never trained on) in the units
 * of the targets.
 * Introduced in notebook 03 (many-to-one); `target: "change"` in notebook 04 (multi-output).
 */
export async function trainAndAnswer(
  model: tf.LayersModel,
  data: SequenceData,
  question: number[][][],
  options: TrainAndAnswerOptions,
): Promise<TrainedAnswer> {
  const example = "{ fit: { epochs: 600, validationSplit: 0.2, seed: 1 }, featureRange: [-0.1, 0.1] }";
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js model, e.g. from buildRecurrentModel", model);
  const { xShape, yShape } = checkData(data);
  const [samples, lookBack, numFeatures] = xShape;
  const outputs = yShape[1];
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 3 || inputShape[1] !== lookBack || inputShape[2] !== numFeatures) {
    fail(
      "model",
      `a model for inputs [samples, ${lookBack}, ${numFeatures}], like data.x`,
      described(`a model for inputs [${inputShape.map((d) => d ?? "samples").join(", ")}]`),
      `Build it with lookBack: ${lookBack} and numFeatures: ${numFeatures}.`,
    );
  }
  const outputShape = model.outputs[0].shape;
  if (outputShape.length !== 2 || outputShape[1] !== outputs) {
    fail(
      "model",
      `a model with ${outputs} output(s) per sample, like data.y`,
      described(`a model with output shape [${outputShape.map((d) => d ?? "samples").join(", ")}]`),
      `Build it with outputs: ${outputs}.`,
    );
  }
  const questionShape = assert3D("question", question, "Pass one sample shaped [1, lookBack, numFeatures], e.g. [[[50], [51], [52]]].");
  if (questionShape[0] !== 1 || questionShape[1] !== lookBack || questionShape[2] !== numFeatures) {
    fail(
      "question",
      `one sample of shape [1, ${lookBack}, ${numFeatures}], like the samples of data.x`,
      described(`shape [${questionShape.join(", ")}]`),
      "Wrap the sample in one more pair of brackets if needed: [[[50], [51], [52]]].",
    );
  }
  assertKnownOptions(options, ["fit", "scaler", "featureRange", "target"], example);
  const { scaler = "minMax", target = "level" } = options;
  if (options.fit === null || typeof options.fit !== "object") fail("options.fit", `training options, as in ${example}`, options.fit);
  assertOneOf("options.scaler", scaler, SCALER_KINDS);
  assertOneOf("options.target", target, TARGET_KINDS);
  if (options.featureRange !== undefined && scaler !== "minMax") {
    fail("options.featureRange", 'unset unless scaler is "minMax"', options.featureRange, "A standard scaler has no range: it centres on the mean and divides by the deviation.");
  }
  if (target === "change" && outputs !== numFeatures) {
    fail(
      "options.target",
      `"level" for data with ${outputs} target(s) and ${numFeatures} feature(s)`,
      target,
      '"change" needs one target per input feature (the next step of every feature).',
    );
  }

  const targets = target === "change" ? changesFromLastStep(data.x, data.y) : data.y; // [samples, outputs]
  const trainRows = options.fit.validationSplit === undefined ? samples : trainingRowCount(samples, options.fit.validationSplit, "options.fit.validationSplit"); // the rows `fit` trains on
  const makeScaler = () => (scaler === "standard" ? new StandardScaler() : new MinMaxScaler({ featureRange: options.featureRange }));
  const pipeline = new ScalingPipeline({ inputScaler: makeScaler(), targetScaler: makeScaler() }).fit(
    data.x.slice(0, trainRows),
    targets.slice(0, trainRows),
  );

  const history = await fit(model, pipeline.transformInputs(data.x), pipeline.transformTargets(targets), options.fit);
  const predictUnits = (x: number[][][]): number[][] => {
    const predicted = pipeline.predict(model, x); // [samples, outputs]
    return target === "change" ? predicted.map((row, s) => row.map((v, f) => v + x[s][lookBack - 1][f])) : predicted;
  };
  const predictChecked = (x: number[][][]): number[][] => {
    const shape = assert3D("x", x);
    if (shape[1] !== lookBack || shape[2] !== numFeatures) {
      fail("x", `inputs of shape [samples, ${lookBack}, ${numFeatures}]`, described(`shape [${shape.join(", ")}]`));
    }
    return predictUnits(x);
  };
  return {
    answer: predictUnits(question)[0],
    history,
    pipeline,
    validationLoss: history.valLoss.length > 0 ? history.valLoss[history.valLoss.length - 1] : null,
    predict: predictChecked,
    largestError(rows: { x: number[][][]; y: number[][] }): number {
      if (rows === null || typeof rows !== "object") fail("rows", "rows { x, y }, e.g. splitForValidation(data, 0.2).validation", rows);
      const predicted = predictChecked(rows.x); // [samples, outputs]
      const [targetRows, targetColumns] = assertMatrix("rows.y", rows.y);
      assertSameLength("rows.x", predicted.length, "rows.y", targetRows);
      if (targetColumns !== outputs) fail("rows.y", `${outputs} column(s), one per output`, described(`${targetColumns} column(s)`));
      return Math.max(...predicted.map((row, i) => distance(row, rows.y[i])));
    },
  };
}

/**
 * Each target minus the same feature at the last input step: `y[s][f] − x[s][lookBack − 1][f]`.
 * Needs one target per feature. Introduced in notebook 04 (multi-output).
 */
export function changesFromLastStep(x: number[][][], y: number[][]): number[][] {
  const [samples, lookBack, numFeatures] = assert3D("x", x);
  const [rows, outputs] = assertMatrix("y", y);
  assertSameLength("x", samples, "y", rows);
  if (outputs !== numFeatures) {
    fail("y", `${numFeatures} column(s), one per feature of x`, described(`${outputs} column(s)`), "The change from the last step needs one target per input feature.");
  }
  return y.map((row, s) => row.map((v, f) => v - x[s][lookBack - 1][f])); // [samples, outputs]
}

/** Options of {@link withSwappedFeatures}. */
export interface SwapFeaturesOptions {
  /**
   * What the swapped copy's targets are: `"same"` when the target does not change
   * when the two features trade places (e.g. their sum), `"swapped"` when the targets
   * are one per feature and trade places with them (e.g. the next step of each). Required.
   */
  targets: "same" | "swapped";
}

/**
 * Data augmentation from a known symmetry of a two-feature problem: after every
 * sample comes a copy with its two features swapped (at every time step). Pairs stay
 * together, so a `validationSplit` of 0.2 on 15 samples (30 rows) holds out the
 * last 3 samples and their copies. Returns twice the samples.
 * Introduced in notebook 03 (many-to-one).
 */
export function withSwappedFeatures(data: SequenceData, options: SwapFeaturesOptions): SequenceData {
  const { xShape, yShape } = checkData(data);
  assertKnownOptions(options, ["targets"], '{ targets: "same" }');
  assertOneOf("options.targets", options.targets, ["same", "swapped"] as const, 'Use "same" for a symmetric target such as X1 + X2.');
  const numFeatures = xShape[2];
  const outputs = yShape[1];
  if (numFeatures !== 2) {
    fail("data.x", "samples with exactly 2 features per time step", described(`${numFeatures} feature(s)`), "Swapping needs two features to trade places.");
  }
  if (options.targets === "swapped" && outputs !== 2) {
    fail("options.targets", `"same" for data with ${outputs} target column(s)`, options.targets, '"swapped" needs two targets, one per feature.');
  }
  const swap = (row: number[]) => [row[1], row[0]];
  const x: number[][][] = [];
  const y: number[][] = [];
  data.x.forEach((sample, s) => {
    x.push(sample.map((row) => [...row]), sample.map(swap)); // the sample, then its swapped copy
    y.push([...data.y[s]], options.targets === "swapped" ? swap(data.y[s]) : [...data.y[s]]);
  });
  return toSequenceData(x, y); // [2 · samples, lookBack, 2], [2 · samples, outputs]
}

/**
 * A bar chart of each answer's distance from the truth (the largest absolute error over
 * the outputs), one group of bars per set of answers, e.g. the seed's and ours. Groups may
 * name different models; bars line up by model name. The y-axis title defaults to
 * "distance from the truth".
 * Introduced in notebook 03 (many-to-one).
 */
export function errorBarChart(truth: Value, groups: Record<string, Record<string, Value>>, options: ChartOptions = {}): PlotlyFigure {
  if (typeof truth === "number") assertFiniteNumber("truth", truth);
  if (groups === null || typeof groups !== "object" || Array.isArray(groups) || Object.keys(groups).length === 0) {
    fail("groups", 'an object mapping a group name to { model name: answer }, e.g. { "seed (Keras)": { simple: 145.96 } }', groups);
  }
  const data: PlotlyTrace[] = Object.entries(groups).map(([group, answers]) => {
    if (answers === null || typeof answers !== "object" || Array.isArray(answers) || Object.keys(answers).length === 0) {
      fail(`groups["${group}"]`, "an object mapping a model name to its answer", answers);
    }
    const names = Object.keys(answers);
    const errors = names.map((name) => distance(answers[name], truth));
    return { type: "bar", name: group, x: names, y: errors, text: errors.map((e) => e.toFixed(2)), textposition: "outside" };
  });
  return {
    data,
    layout: {
      title: options.title ? { text: options.title } : undefined,
      xaxis: { title: options.xTitle ? { text: options.xTitle } : undefined },
      yaxis: { title: { text: options.yTitle ?? "distance from the truth" }, type: options.logY ? "log" : undefined, rangemode: "tozero" },
      height: options.height ?? 400,
      margin: { l: 60, r: 20, t: options.title ? 50 : 20, b: 50 },
      legend: { orientation: "h", y: -0.2 },
      barmode: "group",
    },
  };
}

/** Checks a SequenceData argument; returns the shapes of its inputs and targets. */
function checkData(data: SequenceData): { xShape: [number, number, number]; yShape: [number, number] } {
  if (data === null || typeof data !== "object" || !Array.isArray(data.x) || !Array.isArray(data.y)) {
    fail("data", "a SequenceData { x, y } such as sumOfThree() returns", data);
  }
  const xShape = assert3D("data.x", data.x);
  const yShape = assertMatrix("data.y", data.y);
  assertSameLength("data.x", xShape[0], "data.y", yShape[0]);
  return { xShape, yShape };
}
