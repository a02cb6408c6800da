import { test } from "node:test";
import assert from "node:assert/strict";
import { difference, inverseDifference } from "../lib/src/transforms";
import { seasonalNaiveForecast } from "../lib/src/metrics";
import { throwsInput } from "./assertions";

const series = [10, 12, 15, 11, 14, 20, 18];

test("difference takes the change over `lag` rows", () => {
  assert.deepEqual(difference(series), [2, 3, -4, 3, 6, -2]);
  assert.deepEqual(difference(series, 3), [1, 2, 5, 7]); // 11−10, 14−12, 20−15, 18−11
});

test("inverseDifference undoes difference and, with zero changes, is the seasonal naive forecast", () => {
  for (const lag of [1, 2, 3]) {
    const changes = difference(series, lag); // entry i belongs to row i + lag
    assert.deepEqual(inverseDifference(changes, series, { startIndex: lag, lag }), series.slice(lag));
    // only the last three rows, as a test split would
    assert.deepEqual(inverseDifference(changes.slice(-3), series, { startIndex: series.length - 3, lag }), series.slice(-3));
  }
  const zeros = [0, 0, 0];
  assert.deepEqual(inverseDifference(zeros, series, { startIndex: 4, lag: 3 }), seasonalNaiveForecast(series, { startIndex: 4, season: 3 }));
  // a forecast one row past the end uses the last known rows
  assert.deepEqual(inverseDifference([1], series, { startIndex: 7, lag: 2 }), [21]);
});

test("bad input names the argument", () => {
  throwsInput(() => difference(series, 0), "`lag`", "positive integer");
  throwsInput(() => difference([1, 2], 2), "`series`", "more than lag (2)");
  throwsInput(() => difference([1, NaN, 3]), "series[1]");
  throwsInput(() => inverseDifference([1], series, { startIndex: 1, lag: 2 }), "`options.startIndex`", "at least lag (2)");
  throwsInput(() => inverseDifference([1, 2, 3], series, { startIndex: 6, lag: 1 }), "`changes`", "at most 2 values");
  throwsInput(() => inverseDifference([1], series, { startIndex: 3, season: 1 } as never), "season");
});
