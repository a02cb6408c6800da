/**
 * Min-max and standard scaling, column by column, fitted on the training data only.
 *
 * Why the workbook has its own scalers instead of danfo's (what we observed with
 * danfojs-node 1.1.2 as installed for this repository):
 * - The notebooks scale windows `[samples, timesteps, features]` and predictions
 *   of one target column; danfo's scalers take a Series, a DataFrame or a 2-D
 *   array only (a 3-D array throws) and can only inverse-transform all columns at once.
 * - `MinMaxScaler` fitted on a danfo Series of whole numbers (dtype int32),
 *   `[1, 2, 3, 4, 10]`, transformed it to `[0, 0, 0, 0, 1]` instead of
 *   `[0, 0.111…, 0.222…, 0.333…, 1]`; the same numbers as a one-column DataFrame
 *   or as a float Series came out right.
 * - A constant column became NaN (danfo divides by a zero range or a zero
 *   standard deviation); here it stays finite (see each class).
 * - danfo computes in float32 (about 7 significant digits); these scalers use float64.
 * - An unfitted danfo scaler or a column-count mismatch throws a tensor
 *   broadcasting error; these scalers say what to do instead.
 * Where both apply (2-D data without constant columns), the results agree with
 * danfo's to float32 precision; test/scalers.test.ts checks that.
 */
import {
  assert3D,
  assertIndex,
  assertFiniteNumber,
  assertMatrix,
  assertSeries,
  described,
  describeValue,
  fail,
} from "./validate";

/**
 * What a scaler accepts: one column `number[]`, rows × columns `number[][]`, or
 * windows `[samples, timesteps, features]`. Statistics are per column (the last axis).
 */
export type ScalerInput = number[] | number[][] | number[][][];

/** Per-column statistics that map a column to its scaled values. */
interface ColumnStats {
  /** Subtracted first (the minimum, or the mean). */
  center: number[];
  /** Divided by next (the range, or the standard deviation; 1 for a constant column). */
  spread: number[];
}

/**
 * The common interface of {@link MinMaxScaler} and {@link StandardScaler}:
 * `scaled = (value − center) / spread · width + low`, column by column.
 * Introduced in notebook 02 (one-to-one), where scaling inputs and targets is first shown.
 */
export abstract class ColumnScaler {
  /** Lower end of the scaled values of a constant column, and offset of all of them. */
  protected abstract readonly low: number;
  /** Multiplier applied after dividing by the spread. */
  protected abstract readonly width: number;
  private stats: ColumnStats | null = null;

  /** Computes the statistics from the columns of the fitted data. */
  protected abstract computeStats(columns: number[][]): ColumnStats;

  /** Whether `fit` has been called. */
  get isFitted(): boolean {
    return this.stats !== null;
  }

  /** Number of columns (features) seen by `fit`. */
  get numFeatures(): number {
    return this.fitted("numFeatures").center.length;
  }

  /** Learns the per-column statistics of `values` (fit on the training split only); returns the scaler. */
  fit(values: ScalerInput): this {
    const rows = toRows("values", values); // [rows, columns]
    const columns = rows[0].map((_, c) => rows.map((row) => row[c])); // [columns, rows]
    this.stats = this.computeStats(columns);
    return this;
  }

  /** Scales `values` with the fitted statistics; same shape in and out. */
  transform(values: number[]): number[];
  transform(values: number[][]): number[][];
  transform(values: number[][][]): number[][][];
  transform(values: ScalerInput): ScalerInput;
  transform(values: ScalerInput): ScalerInput {
    const { center, spread } = this.fitted("transform");
    return this.mapColumns(values, (v, c) => ((v - center[c]) / spread[c]) * this.width + this.low);
  }

  /** Undoes {@link transform}: scaled values back to the original units; same shape in and out. */
  inverseTransform(values: number[]): number[];
  inverseTransform(values: number[][]): number[][];
  inverseTransform(values: number[][][]): number[][][];
  inverseTransform(values: ScalerInput): ScalerInput;
  inverseTransform(values: ScalerInput): ScalerInput {
    const { center, spread } = this.fitted("inverseTransform");
    return this.mapColumns(values, (v, c) => ((v - this.low) / this.width) * spread[c] + center[c]);
  }

  /** {@link fit} then {@link transform} on the same values. */
  fitTransform(values: number[]): number[];
  fitTransform(values: number[][]): number[][];
  fitTransform(values: number[][][]): number[][][];
  fitTransform(values: ScalerInput): ScalerInput;
  fitTransform(values: ScalerInput): ScalerInput {
    return this.fit(values).transform(values);
  }

  /**
   * Scales values that all belong to one fitted column, e.g. a target column alone.
   * `column` may be left out only when the scaler was fitted on a single column.
   */
  transformColumn(values: number[], column?: number): number[];
  transformColumn(values: number[][], column?: number): number[][];
  transformColumn(values: number[] | number[][], column?: number): number[] | number[][];
  transformColumn(values: number[] | number[][], column?: number): number[] | number[][] {
    const { center, spread } = this.fitted("transformColumn");
    const c = this.readColumn(column);
    return mapEach(values, (v) => ((v - center[c]) / spread[c]) * this.width + this.low);
  }

  /**
   * Back to original units for values that all belong to one fitted column, e.g. model
   * predictions of the target, `[samples, 1]` or `[samples, horizon]`, or a `number[]`.
   * `column` may be left out only when the scaler was fitted on a single column.
   */
  inverseTransformColumn(values: number[], column?: number): number[];
  inverseTransformColumn(values: number[][], column?: number): number[][];
  inverseTransformColumn(values: number[] | number[][], column?: number): number[] | number[][];
  inverseTransformColumn(values: number[] | number[][], column?: number): number[] | number[][] {
    const { center, spread } = this.fitted("inverseTransformColumn");
    const c = this.readColumn(column);
    return mapEach(values, (v) => ((v - this.low) / this.width) * spread[c] + center[c]);
  }

  /** The fitted statistics, or a clear error when `fit` was never called. */
  protected fitted(method: string): ColumnStats {
    if (this.stats === null) {
      fail(
        "scaler",
        `fitted before calling ${method}`,
        described(`a ${this.constructor.name} that has not been fitted yet`),
        "Call scaler.fit(trainValues) first, with the training split only.",
      );
    }
    return this.stats;
  }

  /** Applies `f(value, column)` to every value after checking the column count. */
  private mapColumns(values: ScalerInput, f: (v: number, column: number) => number): ScalerInput {
    const rank = rankOf("values", values);
    const columns = rank === 1 ? 1 : rank === 2 ? assertMatrix("values", values)[1] : assert3D("values", values)[2];
    if (columns !== this.numFeatures) {
      const what = rank === 3 ? "features per time step" : "columns";
      fail(
        "values",
        `data with ${this.numFeatures} column${this.numFeatures === 1 ? "" : "s"}, as passed to fit()`,
        described(`${columns} ${what}`),
        "Transform data with the columns the scaler was fitted on; for one column use transformColumn or inverseTransformColumn.",
      );
    }
    if (rank === 1) return assertSeries("values", values).map((v) => f(v, 0));
    if (rank === 2) return (values as number[][]).map((row) => Array.from(row, f));
    return (values as number[][][]).map((sample) => sample.map((row) => Array.from(row, f)));
  }

  /** Checks a column index against the fitted columns; may be omitted for a one-column scaler. */
  private readColumn(column: unknown): number {
    const n = this.numFeatures;
    if (column === undefined) {
      if (n === 1) return 0;
      fail(
        "column",
        `the index of one of the ${n} fitted columns (0..${n - 1})`,
        column,
        "With several columns, say which one the values belong to.",
      );
    }
    assertIndex("column", column, n, "column", `The scaler was fitted on ${n} column${n === 1 ? "" : "s"}.`);
    return column;
  }
}

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** The `[low, high]` that each column's training minimum and maximum map to. Default: `[0, 1]`. */
  featureRange?: [number, number];
}

/**
 * Maps each column's training minimum and maximum to `featureRange` (default [0, 1]).
 * Values outside the training range land outside `featureRange`: nothing is clipped.
 * A constant column (range 0) uses a range of 1, so it maps to the low end of `featureRange`.
 * Introduced in notebook 02 (one-to-one); fitted on the training split from notebook 06 on.
 */
export class MinMaxScaler extends ColumnScaler {
  protected readonly low: number;
  protected readonly width: number;
  /** The `[low, high]` the training minimum and maximum map to. */
  readonly featureRange: [number, number];

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    if (typeof options !== "object" || options === null) fail("options", "an object such as { featureRange: [0, 1] }", options);
    const unknown = Object.keys(options).find((k) => k !== "featureRange");
    if (unknown !== undefined) {
      fail(
        "options",
        "an object with only the key featureRange",
        described(`the unknown key \`${unknown}\``),
        "Check the spelling, e.g. { featureRange: [0, 1] }.",
      );
    }
    const { featureRange = [0, 1] } = options;
    this.featureRange = readRange(featureRange);
    this.low = this.featureRange[0];
    this.width = this.featureRange[1] - this.featureRange[0];
  }

  /** Each column's minimum in the fitted data. */
  get dataMin(): number[] {
    return [...this.fitted("dataMin").center];
  }

  /** Each column's maximum in the fitted data. */
  get dataMax(): number[] {
    this.fitted("dataMax");
    return [...this.maxs];
  }

  private maxs: number[] = [];

  protected computeStats(columns: number[][]): ColumnStats {
    const mins = columns.map((col) => col.reduce((m, v) => Math.min(m, v)));
    this.maxs = columns.map((col) => col.reduce((m, v) => Math.max(m, v)));
    const ranges = this.maxs.map((max, c) => max - mins[c]);
    return { center: mins, spread: ranges.map((r) => (r === 0 ? 1 : r)) };
  }
}

/**
 * Centres each column on its training mean and divides by its training standard deviation.
 * The deviation divides by n (population), as danfo's StandardScaler does, so results
 * can be checked against danfo; dividing by n − 1 would only rescale by √(n/(n−1)),
 * and undoing the scaling is exact either way.
 * A constant column (deviation 0) uses a deviation of 1, so it maps to 0.
 * Introduced in notebook 08 (ETTh1).
 */
export class StandardScaler extends ColumnScaler {
  protected readonly low = 0;
  protected readonly width = 1;

  /** Each column's mean in the fitted data. */
  get mean(): number[] {
    return [...this.fitted("mean").center];
  }

  /** Each column's population standard deviation in the fitted data (1 for a constant column). */
  get std(): number[] {
    return [...this.fitted("std").spread];
  }

  protected computeStats(columns: number[][]): ColumnStats {
    const means = columns.map((col) => col.reduce((s, v) => s + v, 0) / col.length);
    const stds = columns.map((col, c) => Math.sqrt(col.reduce((s, v) => s + (v - means[c]) ** 2, 0) / col.length));
    return { center: means, spread: stds.map((s) => (s === 0 ? 1 : s)) };
  }
}

/** 1, 2 or 3: the rank of a scaler input, from its first elements. */
function rankOf(name: string, values: unknown): 1 | 2 | 3 {
  const expected = "number[], number[][] or number[][][] (non-empty)";
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) fail(name, expected, values);
  const list = values as ArrayLike<unknown>;
  if (list.length === 0) fail(name, expected, described("an empty array"));
  if (!Array.isArray(list[0]) && !ArrayBuffer.isView(list[0])) return 1;
  const first = list[0] as ArrayLike<unknown>;
  return first.length > 0 && (Array.isArray(first[0]) || ArrayBuffer.isView(first[0])) ? 3 : 2;
}

/** Any scaler input as rows × columns; windows become all their time steps. */
function toRows(name: string, values: unknown): number[][] {
  const rank = rankOf(name, values);
  if (rank === 1) return assertSeries(name, values).map((v) => [v]);
  if (rank === 2) {
    assertMatrix(name, values);
    return (values as number[][]).map((row) => Array.from(row));
  }
  assert3D(name, values);
  return (values as number[][][]).flatMap((sample) => sample.map((row) => Array.from(row))); // [samples · timesteps, features]
}

/** Applies `f` to every value of a `number[]` or `number[][]`, keeping the shape. */
function mapEach(values: number[] | number[][], f: (v: number) => number): number[] | number[][] {
  const rank = rankOf("values", values);
  if (rank === 1) return assertSeries("values", values).map(f);
  if (rank === 3) {
    fail(
      "values",
      "values of one column as number[] or number[][]",
      described("a 3-D array"),
      "Pass predictions such as [samples, 1] or [samples, horizon].",
    );
  }
  assertMatrix("values", values);
  return (values as number[][]).map((row) => Array.from(row, f));
}

/** Checks `featureRange` is `[low, high]` with low < high. */
function readRange(range: unknown): [number, number] {
  if (!Array.isArray(range) || range.length !== 2) {
    fail(
      "featureRange",
      "a pair [low, high]",
      range,
      "E.g. featureRange: [0, 1] or [-1, 1].",
    );
  }
  assertFiniteNumber("featureRange[0]", range[0]);
  assertFiniteNumber("featureRange[1]", range[1]);
  if (!(range[1] > range[0])) {
    fail(
      "featureRange",
      "a pair [low, high] with low < high",
      described(`[${describeValue(range[0])}, ${describeValue(range[1])}]`),
      "E.g. featureRange: [0, 1].",
    );
  }
  return [range[0], range[1]];
}
