/**
 * Sliding windows over a time series, and chronological train/validation/test splits.
 *
 * A window is `lookBack` consecutive rows given as input; its target is the
 * `horizon` rows that follow. Splits keep time order and never shuffle, so the
 * test set is always the most recent part of the series.
 */
import { SequenceData, toSequenceData } from "./generators";
import {
  assertFraction,
  assertMatrix,
  assertPositiveInteger,
  assertSeries,
  described,
  describeValue,
  fail,
  assertKnownOptions,
  assertIndex,
} from "./validate";

/** Options saying where the windows of a series start and end. */
export interface WindowLayoutOptions {
  /** Time steps per input window. Required, no default. */
  lookBack: number;
  /** Steps ahead predicted: each window's target is the `horizon` rows after it. Default: 1. */
  horizon?: number;
  /** Rows between the starts of two consecutive windows. Default: 1 (every possible window). */
  stride?: number;
}

/** Options of {@link makeWindows}. */
export interface MakeWindowsOptions extends WindowLayoutOptions {
  /** Column indices used as input features, in this order. Default: all columns. */
  featureColumns?: number[];
  /** Column indices predicted, in this order. Default: all columns. */
  targetColumns?: number[];
}

/**
 * Cuts a series into input windows and the values that follow them.
 * `series` is one column (`number[]`) or rows × columns (`number[][]`).
 * Returns x `[samples, lookBack, numFeatures]` and y `[samples, horizon · targets]`,
 * where y lists, for each step ahead, the target columns in order.
 * Introduced in notebook 05 (car sales).
 */
export function makeWindows(series: number[] | number[][], options: MakeWindowsOptions): SequenceData {
  assertKnownOptions(options, ["lookBack", "horizon", "stride", "featureColumns", "targetColumns"], "{ lookBack: 5 }");
  const rows = toRows("series", series); // [n, columns]
  const columns = rows[0].length;
  const starts = windowStarts(rows.length, options);
  const { lookBack, horizon = 1 } = options;
  const featureColumns = readColumns("featureColumns", options.featureColumns, columns);
  const targetColumns = readColumns("targetColumns", options.targetColumns, columns);
  const pick = (row: number[], cols: number[]) => cols.map((c) => row[c]);
  const inputRows = (s: number) => rows.slice(s, s + lookBack);
  const targetRows = (s: number) => rows.slice(s + lookBack, s + lookBack + horizon);
  const x = starts.map((s) => inputRows(s).map((row) => pick(row, featureColumns))); // [samples, lookBack, numFeatures]
  const y = starts.map((s) => targetRows(s).flatMap((row) => pick(row, targetColumns))); // [samples, horizon · targets]
  return toSequenceData(x, y);
}

/**
 * How many windows {@link makeWindows} cuts from a series of `seriesLength` rows:
 * floor((seriesLength − lookBack − horizon) / stride) + 1.
 * Introduced in notebook 05 (car sales).
 */
export function countWindows(seriesLength: number, options: WindowLayoutOptions): number {
  return targetRowIndices(seriesLength, options).length;
}

/**
 * The row of the series where each window's target starts (window start + lookBack),
 * e.g. to label test predictions with their months or to line up a seasonal baseline.
 * Introduced in notebook 05 (car sales).
 */
export function targetRowIndices(seriesLength: number, options: WindowLayoutOptions): number[] {
  assertKnownOptions(options, ["lookBack", "horizon", "stride", "featureColumns", "targetColumns"], "{ lookBack: 5 }");
  assertPositiveInteger("seriesLength", seriesLength, "It is the number of rows in the series.");
  return windowStarts(seriesLength, options).map((s) => s + options.lookBack);
}

/** Options of {@link splitChronological} and {@link splitSeries}: at most one of each pair. */
export interface SplitOptions {
  /** Number of samples, taken from the end, that form the test set. Default: none (give this or `testFraction`). */
  testCount?: number;
  /** Share of all samples, taken from the end, that form the test set, rounded to the nearest whole sample. Default: none. */
  testFraction?: number;
  /** Number of samples just before the test set that form the validation set. Default: 0 (no validation set). */
  validationCount?: number;
  /** Share of all samples, just before the test set, used for validation, rounded to the nearest whole sample. Default: 0. */
  validationFraction?: number;
}

/** The three parts of a chronological split; `validation` is `null` when none was asked for. */
export interface ChronologicalSplit<T> {
  /** The oldest samples. */
  train: T;
  /** The samples between train and test, or `null` without `validationCount`/`validationFraction`. */
  validation: T | null;
  /** The most recent samples. */
  test: T;
}

/**
 * Splits windows in time order: train first, then validation, then test. Never shuffles.
 * E.g. `{ testCount: 12 }` keeps the last 12 windows for testing.
 * Introduced in notebook 05 (car sales).
 */
export function splitChronological(data: SequenceData, options: SplitOptions): ChronologicalSplit<SequenceData> {
  const xShape = assertSequenceData(data);
  const parts = splitRanges(xShape[0], options);
  const take = ([from, to]: [number, number]) => toSequenceData(data.x.slice(from, to), data.y.slice(from, to));
  return { train: take(parts.train), validation: parts.validation && take(parts.validation), test: take(parts.test) };
}

/**
 * Splits a raw series (`number[]` or rows `number[][]`) in time order, before windowing,
 * e.g. to fit a scaler on the training rows only.
 * Introduced in notebook 08 (ETTh1).
 */
export function splitSeries<T extends number | number[]>(series: T[], options: SplitOptions): ChronologicalSplit<T[]> {
  const n = toRows("series", series as number[] | number[][]).length;
  const parts = splitRanges(n, options);
  const take = ([from, to]: [number, number]) => series.slice(from, to);
  return { train: take(parts.train), validation: parts.validation && take(parts.validation), test: take(parts.test) };
}

/** Start rows of every window, after checking that at least one window fits. */
function windowStarts(n: number, options: WindowLayoutOptions): number[] {
  const { lookBack, horizon = 1, stride = 1 } = options;
  assertPositiveInteger("lookBack", lookBack, "It is the number of time steps per input window, e.g. lookBack: 5.");
  assertPositiveInteger("horizon", horizon, "It is how many steps ahead each window predicts, e.g. horizon: 1.");
  assertPositiveInteger("stride", stride, "It is the distance between window starts, e.g. stride: 1.");
  if (horizon >= n) {
    fail("horizon", `less than the series length (${n}) so that a window fits`, horizon, `Use horizon ≤ ${n - 1} or a longer series.`);
  }
  if (lookBack + horizon > n) {
    fail(
      "lookBack",
      `at most ${n - horizon}, so that lookBack + horizon (${horizon}) fits in the series of ${n} rows`,
      lookBack,
      `Use lookBack ≤ ${n - horizon}, or a longer series.`,
    );
  }
  const count = Math.floor((n - lookBack - horizon) / stride) + 1;
  return Array.from({ length: count }, (_, i) => i * stride);
}

/** A series as rows × columns: one column for `number[]`. */
function toRows(name: string, series: unknown): number[][] {
  if (Array.isArray(series) && series.length > 0 && Array.isArray(series[0])) {
    assertMatrix(name, series);
    return series as number[][];
  }
  return assertSeries(name, series, "Pass one column as number[] or several as rows number[][].").map((v) => [v]);
}

/** Checks column indices against the number of columns; `undefined` means all of them. */
function readColumns(name: string, value: unknown, columns: number): number[] {
  if (value === undefined) return Array.from({ length: columns }, (_, c) => c);
  const fix = `Column indices count from 0; this series has ${columns} column${columns === 1 ? "" : "s"} (0..${columns - 1}).`;
  if (!Array.isArray(value) || value.length === 0) fail(name, "a non-empty array of column indices", value, fix);
  value.forEach((c, i) => {
    assertIndex(`${name}[${i}]`, c, columns, "column", fix);
    if (value.indexOf(c) !== i) fail(`${name}[${i}]`, "a column index not listed before", c, "List each column once.");
  });
  return value as number[];
}

/** Checks that `data` looks like a {@link SequenceData} and returns the shape of x. */
function assertSequenceData(data: unknown): [number, number, number] {
  if (typeof data !== "object" || data === null || !("x" in data) || !("y" in data)) {
    fail("data", "a SequenceData { x, y, xShape, yShape }", data, "Pass what makeWindows or a generator returned.");
  }
  return toSequenceData((data as SequenceData).x, (data as SequenceData).y).xShape;
}

/** Train, validation and test as [from, to) ranges over `n` samples, in time order. */
function splitRanges(n: number, options: SplitOptions) {
  assertKnownOptions(options, ["testCount", "testFraction", "validationCount", "validationFraction"], "{ testCount: 12 }");
  const test = partSize(n, "test", options.testCount, options.testFraction);
  const validation = partSize(n, "validation", options.validationCount, options.validationFraction);
  if (test === null) {
    fail(
      "options",
      "an object with `testCount` or `testFraction`",
      described("neither"),
      "Say how many of the most recent samples to keep for testing, e.g. { testCount: 12 }.",
    );
  }
  const held = validation === null ? test.size : validation.size + test.size;
  const train = n - held;
  if (train < 1) {
    const name = validation === null ? test.name : `${validation.name} + ${test.name}`;
    const got = validation === null ? `${held} samples` : `${validation.size} + ${test.size} = ${held} samples`;
    fail(
      name,
      `fewer than the ${n} samples available, so that at least one is left for training`,
      described(got),
      "Hold out fewer samples, or use more data.",
    );
  }
  return {
    train: [0, train] as [number, number],
    validation: validation === null ? null : ([train, train + validation.size] as [number, number]),
    test: [train + (validation?.size ?? 0), n] as [number, number],
  };
}

/** Size of one part from its count or its fraction (at most one of them); `null` when neither is given. */
function partSize(n: number, part: "test" | "validation", count: unknown, fraction: unknown) {
  const countName = `${part}Count`;
  const fractionName = `${part}Fraction`;
  if (count !== undefined && fraction !== undefined) {
    const got = `both (${countName}: ${describeValue(count)}, ${fractionName}: ${describeValue(fraction)})`;
    fail(
      "options",
      `at most one of \`${countName}\` and \`${fractionName}\``,
      described(got),
      "Give the size either as a number of samples or as a share.",
    );
  }
  if (count !== undefined) {
    assertPositiveInteger(countName, count, `It is a number of samples, e.g. ${countName}: 12; for a share use ${fractionName}.`);
    return { name: countName, size: count };
  }
  if (fraction === undefined) return null;
  assertFraction(
    fractionName,
    fraction,
    `It is a share of all ${n} samples, e.g. ${fractionName}: 0.2; for a number of samples use ${countName}.`,
  );
  const size = Math.round(fraction * n);
  if (size < 1) {
    fail(
      fractionName,
      `a share of the ${n} samples that rounds to at least one sample`,
      fraction,
      `${fraction} × ${n} rounds to 0: use a larger share or ${countName}: 1.`,
    );
  }
  return { name: fractionName, size };
}

