/**
 * Forecast errors (MSE, RMSE, MAE, MAPE) and the naive forecasts a network must beat.
 *
 * Errors take true and predicted values as `number[]` or `number[][]`; a `number[]`
 * of n values counts as the same shape as a one-column `[n, 1]` matrix, so a
 * baseline (`number[]`) can be scored against targets `y` (`[samples, 1]`).
 */
import {
  assert3D,
  assertIndex,
  assertMatrix,
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertSeries,
  described,
  fail,
  assertKnownOptions,
} from "./validate";

/** True or predicted values: one per sample, or `[samples, outputs]`. */
export type MetricValues = number[] | number[][];

/** Every error of one forecast; `mape` is left out when a true value is 0. */
export interface MetricReport {
  /** Mean squared error, in squared units of the data. */
  mse: number;
  /** Root mean squared error, in units of the data. */
  rmse: number;
  /** Mean absolute error, in units of the data. */
  mae: number;
  /** Mean absolute percentage error, in percent; absent when some true value is 0. */
  mape?: number;
}

/**
 * Mean squared error: the average of (true − predicted)².
 * Introduced in notebook 05 (car sales).
 */
export function mse(yTrue: MetricValues, yPred: MetricValues): number {
  return mean(pairs(yTrue, yPred).map(([t, p]) => (t - p) ** 2));
}

/**
 * Root mean squared error: √MSE, in the units of the data.
 * Introduced in notebook 05 (car sales).
 */
export function rmse(yTrue: MetricValues, yPred: MetricValues): number {
  return Math.sqrt(mse(yTrue, yPred));
}

/**
 * Mean absolute error: the average of |true − predicted|.
 * Introduced in notebook 05 (car sales).
 */
export function mae(yTrue: MetricValues, yPred: MetricValues): number {
  return mean(pairs(yTrue, yPred).map(([t, p]) => Math.abs(t - p)));
}

/**
 * Mean absolute percentage error, in percent: 100 · average of |(true − predicted) / true|.
 * Throws when a true value is 0 (the percentage is undefined there).
 * Introduced in notebook 05 (car sales).
 */
export function mape(yTrue: MetricValues, yPred: MetricValues): number {
  const ps = pairs(yTrue, yPred);
  const zero = ps.findIndex(([t]) => t === 0);
  if (zero !== -1) {
    const columns = Array.isArray(yTrue[0]) ? (yTrue[0] as number[]).length : 0;
    const name = columns > 0 ? `yTrue[${Math.floor(zero / columns)}][${zero % columns}]` : `yTrue[${zero}]`;
    fail(name, "a non-zero number, because MAPE divides by every true value", 0, "Use mae or rmse for data that contains zeros.");
  }
  return 100 * mean(ps.map(([t, p]) => Math.abs((t - p) / t)));
}

/**
 * MSE, RMSE, MAE and (when no true value is 0) MAPE of one forecast.
 * Introduced in notebook 05 (car sales).
 */
export function allMetrics(yTrue: MetricValues, yPred: MetricValues): MetricReport {
  const report: MetricReport = { mse: mse(yTrue, yPred), rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred) };
  if (pairs(yTrue, yPred).every(([t]) => t !== 0)) report.mape = mape(yTrue, yPred);
  return report;
}

/**
 * The naive forecast for windows: each window's last value of one feature,
 * i.e. "tomorrow equals today". `x` is `[samples, lookBack, numFeatures]`; returns one value per sample.
 * `featureColumn` (default 0) is the feature whose last value is the forecast.
 * Introduced in notebook 05 (car sales); the best possible forecast in notebook 07 (random walk).
 */
export function lastValueForecast(x: number[][][], featureColumn = 0): number[] {
  const [, lookBack, numFeatures] = assert3D("x", x);
  assertIndex("featureColumn", featureColumn, numFeatures, "feature", `The windows have ${numFeatures} feature${numFeatures === 1 ? "" : "s"}.`);

  return x.map((window) => window[lookBack - 1][featureColumn]); // [samples]
}

/** Options of {@link lastValueSeriesForecast}: which rows of the series to forecast. */
export interface SeriesForecastOptions {
  /** Row of the series forecast first, e.g. the first test target. Required, no default. */
  startIndex: number;
  /** How many consecutive rows to forecast. Default: up to the end of the series (`series.length − startIndex`). */
  count?: number;
}

/** Options of {@link seasonalNaiveForecast}. */
export interface SeasonalNaiveOptions extends SeriesForecastOptions {
  /** Rows per season: 12 for "same month last year" in monthly data, 24 for "same hour yesterday" in hourly data. Required, no default. */
  season: number;
}

/**
 * The seasonal naive forecast: row t of the series is forecast by row t − season.
 * Returns the forecasts of rows startIndex .. startIndex + count − 1.
 * Notebook 05: with windows of 5 months (horizon 1, stride 1) the target of window i
 * is row i + 5, so the last 12 windows predict the last 12 rows, and
 * `seasonalNaiveForecast(sales, { season: 12, startIndex: sales.length - 12 })`
 * gives "same month last year" for exactly those test targets.
 * Introduced in notebook 05 (car sales).
 */
export function seasonalNaiveForecast(series: number[], options: SeasonalNaiveOptions): number[] {
  const values = assertSeries("series", series);
  assertKnownOptions(options, ["season", "startIndex", "count"], "{ season: 12, startIndex: 96 }");
  assertPositiveInteger("season", options.season, "It is the number of rows per season, e.g. season: 12 for monthly data.");
  const { season } = options;
  const [start, count] = forecastRows(values.length, options);
  if (start < season) {
    fail(
      "startIndex",
      `at least season (${season}), so that row startIndex − season exists`,
      start,
      `The first forecastable row is ${season}.`,
    );
  }
  const lastSource = start + count - 1 - season;
  if (lastSource >= values.length) {
    fail(
      "count",
      `at most ${values.length + season - start}, so that every forecast row has a row one season earlier`,
      count,
      `The series has ${values.length} rows.`,
    );
  }
  return Array.from({ length: count }, (_, i) => values[start + i - season]);
}

/**
 * The naive forecast on a raw series: row t is forecast by row t − 1
 * (the seasonal naive forecast with a season of 1).
 * Introduced in notebook 05 (car sales).
 */
export function lastValueSeriesForecast(series: number[], options: SeriesForecastOptions): number[] {
  assertKnownOptions(options, ["startIndex", "count"], "{ startIndex: 96 }");
  if (options.startIndex === 0) fail("startIndex", "at least 1, so that row startIndex − 1 exists", 0, "Row 0 has no earlier value.");
  return seasonalNaiveForecast(series, { ...options, season: 1 });
}

/** `[startIndex, count]` after checking both against a series of length `n`. */
function forecastRows(n: number, options: SeriesForecastOptions): [number, number] {
  const { startIndex } = options;
  assertNonNegativeInteger("startIndex", startIndex, "It is the row of the series forecast first.");
  if (options.count === undefined) {
    if (startIndex >= n) {
      fail(
        "startIndex",
        `a row of the series (0 to ${n - 1}) when \`count\` is not given`,
        startIndex,
        "Give `count` to forecast rows past the end of the series.",
      );
    }
    return [startIndex, n - startIndex];
  }
  assertPositiveInteger("count", options.count, "It is how many consecutive rows to forecast.");
  return [startIndex, options.count];
}

/** True and predicted values paired up, after checking that their shapes agree. */
function pairs(yTrue: MetricValues, yPred: MetricValues): [number, number][] {
  const [trueShape, t] = flatten("yTrue", yTrue);
  const [predShape, p] = flatten("yPred", yPred);
  if (trueShape[0] !== predShape[0] || trueShape[1] !== predShape[1]) {
    fail(
      "yPred",
      `the shape of yTrue, [${trueShape.join(", ")}]`,
      described(`shape [${predShape.join(", ")}]`),
      "Compare predictions with the targets of the same samples (a number[] counts as [n, 1]).",
    );
  }
  return t.map((v, i) => [v, p[i]]);
}

/** Shape `[rows, columns]` (`[n, 1]` for a `number[]`) and the values, row by row. */
function flatten(name: string, values: unknown): [[number, number], number[]] {
  if (Array.isArray(values) && values.length > 0 && Array.isArray(values[0])) {
    const shape = assertMatrix(name, values);
    return [shape, (values as number[][]).flat()];
  }
  const list = assertSeries(name, values, "Pass number[] or number[][] (e.g. the output of tensor.arraySync()).");
  return [[list.length, 1], list];
}

/** Arithmetic mean of a non-empty list. */
function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

