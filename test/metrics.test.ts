import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allMetrics,
  lastValueForecast,
  lastValueSeriesForecast,
  mae,
  mape,
  mse,
  rmse,
  seasonalNaiveForecast,
} from "../lib/src/metrics";
import { makeWindows, splitChronological } from "../lib/src/windows";
import { throwsInput } from "./assertions";


// errors 1, −2, 3, 0 → squared 1, 4, 9, 0; absolute 1, 2, 3, 0
const yTrue = [10, 20, 30, 40];
const yPred = [9, 22, 27, 40];

test("mse, rmse, mae, mape by hand", () => {
  assert.equal(mse(yTrue, yPred), 14 / 4);
  assert.equal(rmse(yTrue, yPred), Math.sqrt(3.5));
  assert.equal(mae(yTrue, yPred), 6 / 4);
  // |1/10| + |2/20| + |3/30| + 0 = 0.3 → 100 · 0.3 / 4
  assert.ok(Math.abs(mape(yTrue, yPred) - 7.5) < 1e-12);
  assert.equal(mse([5], [5]), 0);
});

test("number[] and [n, 1] count as the same shape; [n, k] is flattened", () => {
  const column = yTrue.map((v) => [v]);
  assert.equal(mse(column, yPred), 3.5);
  assert.equal(mae(yTrue, yPred.map((v) => [v])), 1.5);
  // two outputs per sample: errors 1, 2 | 3, 4
  assert.equal(mse([[1, 2], [3, 4]], [[0, 0], [0, 0]]), (1 + 4 + 9 + 16) / 4);
  assert.equal(mae([[1, 2], [3, 4]], [[2, 4], [6, 8]]), (1 + 2 + 3 + 4) / 4);
});

test("allMetrics reports every error, and leaves out mape when a true value is 0", () => {
  const report = allMetrics(yTrue, yPred);
  assert.deepEqual(Object.keys(report).sort(), ["mae", "mape", "mse", "rmse"]);
  assert.equal(report.mse, 3.5);
  assert.equal(report.rmse, Math.sqrt(3.5));
  assert.equal(report.mae, 1.5);
  assert.ok(Math.abs(report.mape! - 7.5) < 1e-12);
  const withZero = allMetrics([0, 2], [1, 2]);
  assert.equal(withZero.mape, undefined);
  assert.ok(!("mape" in withZero));
  assert.equal(withZero.mae, 0.5);
});

test("lastValueForecast: the last time step of one feature per window", () => {
  const x = [
    [[1, 10], [2, 20], [3, 30]],
    [[4, 40], [5, 50], [6, 60]],
  ]; // [2, 3, 2]
  assert.deepEqual(lastValueForecast(x), [3, 6]);
  assert.deepEqual(lastValueForecast(x, 1), [30, 60]);
  const w = makeWindows([5, 7, 6, 9, 8], { lookBack: 2 });
  assert.deepEqual(lastValueForecast(w.x), [7, 6, 9]);
  assert.equal(mae(w.y, lastValueForecast(w.x)), (1 + 3 + 1) / 3);
});

test("seasonalNaiveForecast: same month last year for the test windows (notebook 05)", () => {
  const series = Array.from({ length: 36 }, (_, t) => 100 * Math.floor(t / 12) + (t % 12)); // 3 years, monthly
  const windows = makeWindows(series, { lookBack: 5 });
  const { test: testSet } = splitChronological(windows, { testCount: 12 });
  const seasonal = seasonalNaiveForecast(series, { season: 12, startIndex: series.length - 12 });
  assert.deepEqual(seasonal, series.slice(12, 24)); // the year before the test year
  assert.deepEqual(testSet.y.map((r) => r[0]).map((v) => v - 100), seasonal); // same month, one year later
  assert.equal(mae(testSet.y, seasonal), 100);
  assert.deepEqual(seasonalNaiveForecast([1, 2, 3, 4, 5], { season: 2, startIndex: 2, count: 2 }), [1, 2]);
  assert.deepEqual(seasonalNaiveForecast([1, 2, 3, 4, 5], { season: 2, startIndex: 5, count: 2 }), [4, 5]); // past the end
});

test("lastValueSeriesForecast: row t forecast by row t − 1", () => {
  assert.deepEqual(lastValueSeriesForecast([5, 7, 6, 9, 8], { startIndex: 2 }), [7, 6, 9]);
  assert.deepEqual(lastValueSeriesForecast([5, 7, 6, 9, 8], { startIndex: 1, count: 2 }), [5, 7]);
  const w = makeWindows([5, 7, 6, 9, 8], { lookBack: 2 });
  assert.deepEqual(lastValueSeriesForecast([5, 7, 6, 9, 8], { startIndex: 2 }), lastValueForecast(w.x));
});

test("metrics reject bad input", () => {
  throwsInput(() => mse([1, 2], [1]), "`yPred`", "[2, 1]", "[1, 1]");
  throwsInput(() => mae([[1, 2]], [1, 2]), "`yPred`", "[1, 2]", "[2, 1]");
  throwsInput(() => rmse([], []), "`yTrue`", "empty");
  throwsInput(() => mse([1, NaN], [1, 2]), "`yTrue[1]`", "NaN");
  throwsInput(() => mae([1, 2], [1, undefined as never]), "`yPred[1]`", "undefined");
  throwsInput(() => mape([1, 0, 3], [1, 1, 1]), "`yTrue[1]`", "non-zero", "got 0", "mae");
  throwsInput(() => mape([[1, 2], [0, 4]], [[1, 1], [1, 1]]), "`yTrue[1][0]`", "got 0");
});

test("baselines reject bad input", () => {
  const x = [[[1, 10], [2, 20]]];
  throwsInput(() => lastValueForecast(x, 2), "`featureColumn`", "0 to 1", "got 2");
  throwsInput(() => lastValueForecast(x, -1), "`featureColumn`", "-1");
  throwsInput(() => lastValueForecast([[1, 2]] as never), "`x[0][0]`");
  throwsInput(() => seasonalNaiveForecast([1, 2, 3], { season: 12, startIndex: 2 }), "`startIndex`", "at least season (12)", "got 2");
  throwsInput(() => seasonalNaiveForecast([1, 2, 3], { season: 0, startIndex: 2 }), "`season`", "got 0");
  throwsInput(() => seasonalNaiveForecast([1, 2, 3], { season: 1, startIndex: 3 }), "`startIndex`", "0 to 2", "count");
  throwsInput(() => seasonalNaiveForecast([1, 2, 3], { season: 1, startIndex: 2, count: 3 }), "`count`", "at most 2", "got 3");
  throwsInput(() => seasonalNaiveForecast([1, 2, 3], { season: 1, startindex: 2 } as never), "`startindex`");
  throwsInput(() => lastValueSeriesForecast([1, 2, 3], { startIndex: 0 }), "`startIndex`", "at least 1", "got 0");
});
