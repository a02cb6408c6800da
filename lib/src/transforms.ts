/**
 * Reversible transforms of a series that make it easier to learn: differencing
 * (the change from `lag` rows earlier) and its inverse. A network that predicts
 * changes answers in changes; {@link inverseDifference} turns them back into
 * levels of the series. Introduced in notebook 05 (car sales).
 */
import { assertKnownOptions, assertNonNegativeInteger, assertPositiveInteger, assertSeries, fail } from "./validate";

/**
 * The changes of a series over `lag` rows: `series[t] − series[t − lag]` for
 * t = lag … n − 1 (so the result has n − lag values; entry i belongs to row
 * i + lag). `lag` 1 is the month-to-month change, 12 the change from the same
 * month last year in monthly data. Introduced in notebook 05 (car sales).
 */
export function difference(series: number[], lag = 1): number[] {
  const values = assertSeries("series", series);
  assertPositiveInteger("lag", lag, "It is how many rows back each change is taken, e.g. lag: 12 for the same month last year.");
  if (values.length <= lag) fail("series", `more than lag (${lag}) values`, series, "A series needs at least lag + 1 rows to have one change.");
  return values.slice(lag).map((v, i) => v - values[i]); // [n − lag]
}

/** Options of {@link inverseDifference}. */
export interface InverseDifferenceOptions {
  /** The series row that the first change belongs to (e.g. the first test target). Required, no default. */
  startIndex: number;
  /** How many rows back each change was taken, as in {@link difference}. Default: 1. */
  lag?: number;
}

/**
 * Turns predicted changes back into levels: level i = `changes[i]` +
 * `series[startIndex + i − lag]`, the known value `lag` rows before the row
 * being forecast. With every change 0 this is the (seasonal) naive forecast,
 * so a model of changes starts from the naive forecast and learns corrections.
 * Introduced in notebook 05 (car sales).
 */
export function inverseDifference(changes: number[], series: number[], options: InverseDifferenceOptions): number[] {
  const deltas = assertSeries("changes", changes);
  const values = assertSeries("series", series);
  assertKnownOptions(options, ["startIndex", "lag"], "{ startIndex: 96, lag: 12 }");
  const lag = options.lag ?? 1;
  assertPositiveInteger("options.lag", lag, "It is how many rows back each change was taken, as given to difference().");
  assertNonNegativeInteger("options.startIndex", options.startIndex, "It is the row of the series that the first change belongs to.");
  const { startIndex } = options;
  if (startIndex < lag) fail("options.startIndex", `at least lag (${lag}), so that row startIndex − lag exists`, startIndex);
  const lastBase = startIndex + deltas.length - 1 - lag;
  if (lastBase >= values.length) {
    fail("changes", `at most ${values.length + lag - startIndex} values, so that every change has a known row lag (${lag}) rows earlier`, changes);
  }
  return deltas.map((d, i) => d + values[startIndex + i - lag]); // [changes.length]
}
