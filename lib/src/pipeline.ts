/**
 * Scaling pipelines and questions about ranges of inputs.
 *
 * A {@link ScalingPipeline} remembers how inputs and targets were prepared for
 * training (an optional logarithm, then a scaler fitted on the training rows)
 * and undoes it on the model's answers, so a prediction comes back in the
 * units of the problem. The other helpers build the inputs of a question
 * (one-step samples, evenly spaced values), split off the rows that `fit`
 * holds out for validation, and shade a range (e.g. the training range) on a chart.
 * Introduced in notebook 02 (one-to-one).
 */
import * as tf from "@tensorflow/tfjs";
import { PlotlyFigure } from "./charts";
import { SequenceData, toSequenceData } from "./generators";
import { ColumnScaler, MinMaxScaler } from "./scalers";
import { predict, trainingRowCount } from "./training";
import {
  assert3D,
  assertFiniteNumber,
  assertKnownOptions,
  assertMatrix,
  assertOneOf,
  assertPositiveInteger,
  assertSameLength,
  assertSeries,
  described,
  fail,
} from "./validate";

/** What a pipeline does to every value before scaling: nothing, or take the natural logarithm. */
export const VALUE_TRANSFORMS = ["none", "log"] as const;
/** One of {@link VALUE_TRANSFORMS}. */
export type ValueTransform = (typeof VALUE_TRANSFORMS)[number];

/** Options of {@link ScalingPipeline}. */
export interface ScalingPipelineOptions {
  /**
   * Applied to every input value before scaling: `"log"` (natural logarithm; every
   * input must be positive) or `"none"`. Default: `"none"`.
   */
  inputTransform?: ValueTransform;
  /**
   * Applied to every target before scaling and undone (`exp`) on predictions:
   * `"log"` or `"none"`. Default: `"none"`.
   */
  targetTransform?: ValueTransform;
  /** Scaler of the (transformed) inputs, one column per feature. Default: `new MinMaxScaler()` (to [0, 1]). */
  inputScaler?: ColumnScaler;
  /** Scaler of the (transformed) targets, one column per output. Default: `new MinMaxScaler()` (to [0, 1]). */
  targetScaler?: ColumnScaler;
}

/**
 * Prepares inputs `[samples, timesteps, features]` and targets `[samples, outputs]`
 * for training (transform, then scale with scalers fitted on the training rows
 * only) and turns a model's scaled predictions back into original units.
 *
 *     const pipeline = new ScalingPipeline({ inputTransform: "log", targetTransform: "log" }).fit(train.x, train.y);
 *     await fit(model, pipeline.transformInputs(data.x), pipeline.transformTargets(data.y), { epochs: 300 });
 *     pipeline.predict(model, [[[30]]]); // [[≈ 450]], in the units of y
 *
 * Introduced in notebook 02 (one-to-one).
 */
export class ScalingPipeline {
  /** What is done to every input value before scaling. */
  readonly inputTransform: ValueTransform;
  /** What is done to every target before scaling (and undone on predictions). */
  readonly targetTransform: ValueTransform;
  /** The scaler of the (transformed) inputs. */
  readonly inputScaler: ColumnScaler;
  /** The scaler of the (transformed) targets. */
  readonly targetScaler: ColumnScaler;
  private fittedShape: { features: number; outputs: number } | null = null;

  constructor(options: ScalingPipelineOptions = {}) {
    assertKnownOptions(
      options,
      ["inputTransform", "targetTransform", "inputScaler", "targetScaler"],
      '{ inputTransform: "log", targetTransform: "log", inputScaler: new MinMaxScaler({ featureRange: [-1, 1] }) }',
    );
    const { inputTransform = "none", targetTransform = "none" } = options;
    assertOneOf("options.inputTransform", inputTransform, VALUE_TRANSFORMS);
    assertOneOf("options.targetTransform", targetTransform, VALUE_TRANSFORMS);
    this.inputTransform = inputTransform;
    this.targetTransform = targetTransform;
    this.inputScaler = readScaler("options.inputScaler", options.inputScaler);
    this.targetScaler = readScaler("options.targetScaler", options.targetScaler);
    if (this.inputScaler === this.targetScaler) {
      fail(
        "options.targetScaler",
        "a different scaler object from options.inputScaler",
        described("the same object"),
        "Each scaler remembers the statistics of what it was fitted on: create two, e.g. new MinMaxScaler() twice.",
      );
    }
  }

  /** Whether {@link fit} has been called. */
  get isFitted(): boolean {
    return this.fittedShape !== null;
  }

  /**
   * Fits both scalers on the (transformed) training inputs `[samples, timesteps, features]`
   * and targets `[samples, outputs]`. Pass the training rows only, never the question.
   */
  fit(x: number[][][], y: number[][]): this {
    const [samples, , features] = assert3D("x", x);
    const [targetRows, outputs] = assertMatrix("y", y);
    assertSameLength("x", samples, "y", targetRows, "Every input sample needs exactly one row of targets.");
    this.inputScaler.fit(applyTransform3D("x", x, this.inputTransform, "inputTransform"));
    this.targetScaler.fit(applyTransform2D("y", y, this.targetTransform, "targetTransform"));
    this.fittedShape = { features, outputs };
    return this;
  }

  /** Transforms and scales inputs `[samples, timesteps, features]` (any rows, e.g. a question); same shape out. */
  transformInputs(x: number[][][]): number[][][] {
    const { features } = this.fitted("transformInputs");
    const shape = assert3D("x", x);
    if (shape[2] !== features) {
      fail("x", `inputs with ${features} feature(s) per time step, as passed to fit()`, described(`${shape[2]} feature(s)`));
    }
    return this.inputScaler.transform(applyTransform3D("x", x, this.inputTransform, "inputTransform"));
  }

  /** Transforms and scales targets `[samples, outputs]`; same shape out. */
  transformTargets(y: number[][]): number[][] {
    const { outputs } = this.fitted("transformTargets");
    const shape = assertMatrix("y", y);
    if (shape[1] !== outputs) {
      fail("y", `targets with ${outputs} column(s), as passed to fit()`, described(`${shape[1]} column(s)`));
    }
    return this.targetScaler.transform(applyTransform2D("y", y, this.targetTransform, "targetTransform"));
  }

  /** Undoes {@link transformTargets}: scaled values `[samples, outputs]` back to the units of the targets. */
  inverseTransformTargets(scaled: number[][]): number[][] {
    const { outputs } = this.fitted("inverseTransformTargets");
    const shape = assertMatrix("scaled", scaled);
    if (shape[1] !== outputs) {
      fail("scaled", `values with ${outputs} column(s), one per target`, described(`${shape[1]} column(s)`));
    }
    const unscaled = this.targetScaler.inverseTransform(scaled);
    return this.targetTransform === "log" ? unscaled.map((row) => row.map(Math.exp)) : unscaled;
  }

  /**
   * Runs `model` on inputs given in original units `[samples, timesteps, features]`
   * and returns its predictions in original units `[samples, outputs]`.
   */
  predict(model: tf.LayersModel, x: number[][][]): number[][] {
    if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js model, e.g. from buildRecurrentModel", model);
    return this.inverseTransformTargets(predict(model, this.transformInputs(x)));
  }

  /** One line saying what the pipeline does, e.g. `inputs: log → MinMaxScaler to [-1, 1]; targets: …`. */
  describe(): string {
    const part = (transform: ValueTransform, scaler: ColumnScaler) =>
      `${transform === "log" ? "log → " : ""}${scaler.constructor.name}` +
      (scaler instanceof MinMaxScaler ? ` to [${scaler.featureRange.join(", ")}]` : "");
    return `inputs: ${part(this.inputTransform, this.inputScaler)}; targets: ${part(this.targetTransform, this.targetScaler)}`;
  }

  private fitted(method: string): { features: number; outputs: number } {
    if (this.fittedShape === null) {
      fail(
        "pipeline",
        `fitted before calling ${method}`,
        described("a ScalingPipeline that has not been fitted yet"),
        "Call pipeline.fit(trainX, trainY) first, with the training rows only.",
      );
    }
    return this.fittedShape;
  }
}

/** Checks an optional scaler option, defaulting to a fresh MinMaxScaler. */
function readScaler(name: string, scaler: unknown): ColumnScaler {
  if (scaler === undefined) return new MinMaxScaler();
  if (!(scaler instanceof ColumnScaler)) {
    fail(name, "a scaler such as new MinMaxScaler() or new StandardScaler()", scaler);
  }
  return scaler;
}

/** One value through a transform, checking that a logarithm is defined. */
function transformValue(name: string, v: number, transform: ValueTransform, option: string): number {
  if (transform === "none") return v;
  if (!(v > 0)) {
    fail(name, `a positive number, because ${option} "log" takes its logarithm`, v, `Use ${option}: "none" for data with zeros or negative values.`);
  }
  return Math.log(v);
}

function applyTransform3D(name: string, x: number[][][], transform: ValueTransform, option: string): number[][][] {
  return x.map((sample, s) => sample.map((row, t) => row.map((v, f) => transformValue(`${name}[${s}][${t}][${f}]`, v, transform, option))));
}

function applyTransform2D(name: string, y: number[][], transform: ValueTransform, option: string): number[][] {
  return y.map((row, r) => row.map((v, c) => transformValue(`${name}[${r}][${c}]`, v, transform, option)));
}

/**
 * Samples of ONE time step from rows of features: `[30]` → `[[[30]]]`,
 * `[[55, 80]]` → `[[[55, 80]]]`. Returns `[samples, 1, features]`.
 * Introduced in notebook 02 (one-to-one).
 */
export function oneStepSamples(rows: number[] | number[][]): number[][][] {
  if (Array.isArray(rows) && rows.length > 0 && Array.isArray(rows[0])) {
    assertMatrix("rows", rows);
    return (rows as number[][]).map((row) => [[...row]]); // [samples, 1, features]
  }
  return assertSeries("rows", rows, "Pass one number per sample, or one row of features per sample.").map((v) => [[v]]); // [samples, 1, 1]
}

/**
 * `count` evenly spaced numbers from `start` to `stop`, both included,
 * e.g. the inputs of a chart of predictions over a range.
 * Introduced in notebook 02 (one-to-one).
 */
export function evenlySpaced(start: number, stop: number, count: number): number[] {
  assertFiniteNumber("start", start);
  assertFiniteNumber("stop", stop);
  assertPositiveInteger("count", count, "It is how many numbers to return, e.g. 50.");
  if (count === 1) {
    if (start !== stop) fail("count", "at least 2 when start and stop differ", count, "Both ends are included.");
    return [start];
  }
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? stop : start + i * step));
}

/** The rows `fit` trains on and the rows it holds out with `validationSplit`. */
export interface ValidationSplit {
  /** The first rows: what the model learns from (and what scalers should be fitted on). */
  train: SequenceData;
  /** The last rows, held out to measure the validation loss. */
  validation: SequenceData;
}

/**
 * Splits `data` exactly as `fit(…, { validationSplit })` does (and Keras):
 * the last ⌊samples · validationSplit⌋ rows are held out, before any shuffling.
 * Use `train` to fit scalers on the rows the model learns from.
 * Introduced in notebook 02 (one-to-one).
 */
export function splitForValidation(data: SequenceData, validationSplit: number): ValidationSplit {
  if (data === null || typeof data !== "object" || !Array.isArray(data.x) || !Array.isArray(data.y)) {
    fail("data", "a SequenceData { x, y } such as linearOneToOne() returns", data);
  }
  const [samples] = assert3D("data.x", data.x);
  const [targetRows] = assertMatrix("data.y", data.y);
  assertSameLength("data.x", samples, "data.y", targetRows);
  const trainCount = trainingRowCount(samples, validationSplit); // the rows `fit` trains on
  return {
    train: toSequenceData(data.x.slice(0, trainCount), data.y.slice(0, trainCount)),
    validation: toSequenceData(data.x.slice(trainCount), data.y.slice(trainCount)),
  };
}

/** Options of {@link shadeXRange}. */
export interface ShadeOptions {
  /** Text written at the top of the band. Default: none. */
  label?: string;
  /** Fill colour of the band. Default: a light green, `"rgba(46, 160, 67, 0.12)"`. */
  color?: string;
}

/**
 * Shades the x-range `[from, to]` of a chart across its whole height, e.g. to
 * show where the training data lies. Returns the same figure, changed.
 * Introduced in notebook 02 (one-to-one).
 */
export function shadeXRange(figure: PlotlyFigure, from: number, to: number, options: ShadeOptions = {}): PlotlyFigure {
  if (figure === null || typeof figure !== "object" || !Array.isArray(figure.data) || typeof figure.layout !== "object") {
    fail("figure", "a Plotly figure { data, layout } from one of the chart builders", figure);
  }
  assertFiniteNumber("from", from);
  assertFiniteNumber("to", to);
  if (!(to > from)) fail("to", `a number greater than from (${from})`, to);
  assertKnownOptions(options, ["label", "color"], '{ label: "training range" }');
  const color = options.color ?? "rgba(46, 160, 67, 0.12)";
  if (typeof color !== "string") fail("options.color", "a CSS colour string", color);
  if (options.label !== undefined && typeof options.label !== "string") fail("options.label", "a string", options.label);
  const shapes = Array.isArray(figure.layout.shapes) ? (figure.layout.shapes as unknown[]) : [];
  figure.layout.shapes = [
    ...shapes,
    { type: "rect", xref: "x", yref: "paper", x0: from, x1: to, y0: 0, y1: 1, fillcolor: color, line: { width: 0 }, layer: "below" },
  ];
  if (options.label !== undefined) {
    const annotations = Array.isArray(figure.layout.annotations) ? (figure.layout.annotations as unknown[]) : [];
    figure.layout.annotations = [
      ...annotations,
      { x: (from + to) / 2, xref: "x", y: 1, yref: "paper", yanchor: "bottom", text: options.label, showarrow: false },
    ];
  }
  return figure;
}
