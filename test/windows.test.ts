import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { countWindows, makeWindows, splitChronological, splitSeries, targetRowIndices } from "../lib/src/windows";
import { sumOfThree } from "../lib/src/generators";
import { throwsInput } from "./assertions";


/** 10, 11, …: easy to read back from a window. */
const series = Array.from({ length: 10 }, (_, i) => 10 + i);

/** Rows [t, 100 + t, 1000 + t] for t = 0..7. */
const table = Array.from({ length: 8 }, (_, t) => [t, 100 + t, 1000 + t]);

test("makeWindows: n values, lookBack w → n − w windows of the next value", () => {
  const d = makeWindows(series, { lookBack: 3 });
  assert.deepEqual(d.xShape, [7, 3, 1]);
  assert.deepEqual(d.yShape, [7, 1]);
  for (let i = 0; i < 7; i++) {
    assert.deepEqual(d.x[i], [[10 + i], [11 + i], [12 + i]]);
    assert.deepEqual(d.y[i], [13 + i]);
  }
  assert.equal(countWindows(10, { lookBack: 3 }), 7);
  assert.deepEqual(targetRowIndices(10, { lookBack: 3 }), [3, 4, 5, 6, 7, 8, 9]);
});

test("makeWindows: lookBack + horizon = n gives exactly one window", () => {
  const d = makeWindows([1, 2, 3, 4], { lookBack: 3 });
  assert.deepEqual(d.x, [[[1], [2], [3]]]);
  assert.deepEqual(d.y, [[4]]);
});

test("makeWindows: several columns, chosen features and targets", () => {
  const all = makeWindows(table, { lookBack: 2 });
  assert.deepEqual(all.xShape, [6, 2, 3]);
  assert.deepEqual(all.yShape, [6, 3]);
  assert.deepEqual(all.x[0], [[0, 100, 1000], [1, 101, 1001]]);
  assert.deepEqual(all.y[0], [2, 102, 1002]);

  const oneTarget = makeWindows(table, { lookBack: 2, targetColumns: [2] });
  assert.deepEqual(oneTarget.yShape, [6, 1]);
  assert.deepEqual(oneTarget.y[5], [1007]);
  assert.deepEqual(oneTarget.x[5], [[5, 105, 1005], [6, 106, 1006]]);

  const picked = makeWindows(table, { lookBack: 2, featureColumns: [2, 0], targetColumns: [1, 0] });
  assert.deepEqual(picked.xShape, [6, 2, 2]);
  assert.deepEqual(picked.x[1], [[1001, 1], [1002, 2]]);
  assert.deepEqual(picked.y[1], [103, 3]);
});

test("makeWindows: horizon > 1 lists every step's targets in order", () => {
  const d = makeWindows(series, { lookBack: 3, horizon: 2 });
  assert.deepEqual(d.xShape, [6, 3, 1]);
  assert.deepEqual(d.yShape, [6, 2]);
  assert.deepEqual(d.y[0], [13, 14]);
  assert.deepEqual(d.y[5], [18, 19]);

  const multi = makeWindows(table, { lookBack: 2, horizon: 3, targetColumns: [0, 2] });
  assert.deepEqual(multi.yShape, [4, 6]);
  assert.deepEqual(multi.y[0], [2, 1002, 3, 1003, 4, 1004]);
  assert.deepEqual(multi.y[3], [5, 1005, 6, 1006, 7, 1007]);
});

test("makeWindows: stride skips window starts", () => {
  const d = makeWindows(series, { lookBack: 3, stride: 3 });
  // (10 − 3 − 1) / 3 + 1 = 3 windows starting at 0, 3, 6
  assert.deepEqual(d.xShape, [3, 3, 1]);
  assert.deepEqual(d.x.map((w) => w[0][0]), [10, 13, 16]);
  assert.deepEqual(d.y, [[13], [16], [19]]);
  assert.equal(countWindows(10, { lookBack: 3, stride: 4 }), 2);
  assert.deepEqual(targetRowIndices(11, { lookBack: 2, horizon: 2, stride: 3 }), [2, 5, 8]);
});

test("makeWindows: notebook 05 car sales, 5 months → next, last 12 windows as test", () => {
  const csv = readFileSync(join(__dirname, "..", "datasets", "monthly-car-sales.csv"), "utf8");
  const sales = csv.trim().split("\n").slice(1).map((line) => Number(line.split(",")[1]));
  assert.equal(sales.length, 108);
  const windows = makeWindows(sales, { lookBack: 5 });
  assert.deepEqual(windows.xShape, [103, 5, 1]);
  const { train, validation, test: testSet } = splitChronological(windows, { testCount: 12 });
  assert.equal(validation, null);
  assert.deepEqual(train.xShape, [91, 5, 1]);
  assert.deepEqual(testSet.xShape, [12, 5, 1]);
  assert.deepEqual(testSet.y.map((r) => r[0]), sales.slice(96));
  assert.deepEqual(testSet.x[11].map((s) => s[0]), sales.slice(102, 107));
  assert.deepEqual(targetRowIndices(108, { lookBack: 5 }).slice(-12), Array.from({ length: 12 }, (_, i) => 96 + i));
});

test("splitChronological: by count, in time order, with validation", () => {
  const d = makeWindows(Array.from({ length: 25 }, (_, i) => i), { lookBack: 5 }); // 20 windows
  const { train, validation, test: t } = splitChronological(d, { testCount: 4, validationCount: 3 });
  assert.deepEqual(train.xShape, [13, 5, 1]);
  assert.ok(validation);
  assert.deepEqual(validation.xShape, [3, 5, 1]);
  assert.deepEqual(t.xShape, [4, 5, 1]);
  assert.deepEqual(train.y.map((r) => r[0]), Array.from({ length: 13 }, (_, i) => 5 + i));
  assert.deepEqual(validation.y.map((r) => r[0]), [18, 19, 20]);
  assert.deepEqual(t.y.map((r) => r[0]), [21, 22, 23, 24]);
  assert.deepEqual(t.yShape, [4, 1]);
});

test("splitChronological: by fraction (rounded to the nearest sample)", () => {
  const d = makeWindows(Array.from({ length: 144 }, (_, i) => i), { lookBack: 10 }); // 134 windows, as in notebook 06
  const { train, test: t } = splitChronological(d, { testFraction: 0.2 });
  assert.equal(t.xShape[0], 27); // round(26.8)
  assert.equal(train.xShape[0], 107);
  const walk = sumOfThree(); // 15 samples
  const parts = splitChronological(walk, { testFraction: 0.2, validationFraction: 0.2 });
  assert.deepEqual([parts.train.xShape[0], parts.validation?.xShape[0], parts.test.xShape[0]], [9, 3, 3]);
  assert.deepEqual(parts.test.y, [[114], [123], [132]]);
});

test("splitSeries: raw values and rows, e.g. to fit a scaler on the training part", () => {
  const parts = splitSeries(series, { testCount: 2, validationFraction: 0.3 });
  assert.deepEqual(parts, { train: [10, 11, 12, 13, 14], validation: [15, 16, 17], test: [18, 19] });
  const rows = splitSeries(table, { testFraction: 0.25 });
  assert.equal(rows.validation, null);
  assert.deepEqual(rows.test, [table[6], table[7]]);
  assert.equal(rows.train.length, 6);
});

test("makeWindows rejects bad input", () => {
  throwsInput(() => makeWindows(series, { lookBack: 0 }), "`lookBack`", "positive integer", "got 0");
  throwsInput(() => makeWindows(series, { lookBack: 10 }), "`lookBack`", "at most 9", "10 rows", "got 10");
  throwsInput(() => makeWindows(series, { lookBack: 8, horizon: 3 }), "`lookBack`", "at most 7", "got 8");
  throwsInput(() => makeWindows(series, { lookBack: 1, horizon: 10 }), "`horizon`", "got 10");
  throwsInput(() => makeWindows(series, { lookBack: 2, stride: 0 }), "`stride`", "got 0");
  throwsInput(() => makeWindows(table, { lookBack: 2, targetColumns: [3] }), "`targetColumns[0]`", "0 to 2", "got 3");
  throwsInput(() => makeWindows(table, { lookBack: 2, featureColumns: [0, 0] }), "`featureColumns[1]`");
  throwsInput(() => makeWindows(table, { lookBack: 2, featureColumns: [] }), "`featureColumns`", "empty");
  throwsInput(() => makeWindows(series, { lookBack: 2, targetColumns: [1] }), "`targetColumns[0]`", "1 column");
  throwsInput(() => makeWindows([[1, 2], [3]], { lookBack: 1 }), "`series[1]`", "length 2");
  throwsInput(() => makeWindows([1, NaN, 3], { lookBack: 1 }), "`series[1]`", "NaN");
  throwsInput(() => makeWindows([], { lookBack: 1 }), "`series`", "empty");
  throwsInput(() => makeWindows(series, { lookback: 3 } as never), "`options`", "`lookback`");
  throwsInput(() => makeWindows(series, undefined as never), "`options`", "undefined");
});

test("splits reject bad sizes", () => {
  const d = makeWindows(series, { lookBack: 2 }); // 8 windows
  throwsInput(() => splitChronological(d, {}), "`options`", "testCount");
  throwsInput(() => splitChronological(d, { testCount: 8 }), "`testCount`", "fewer than the 8", "8 samples");
  throwsInput(() => splitChronological(d, { testCount: 4, validationCount: 4 }), "validationCount + testCount", "4 + 4 = 8");
  throwsInput(() => splitChronological(d, { testCount: 2, testFraction: 0.2 }), "`options`", "at most one of `testCount` and `testFraction`");
  throwsInput(() => splitChronological(d, { testFraction: 1 }), "`testFraction`", "strictly between 0 and 1", "got 1");
  throwsInput(() => splitChronological(d, { testFraction: 0.01 }), "`testFraction`", "rounds to 0");
  throwsInput(() => splitChronological(d, { testCount: 0 }), "`testCount`", "got 0");
  throwsInput(() => splitChronological(d, { testCount: 1, validationCount: 1.5 }), "`validationCount`", "1.5");
  throwsInput(() => splitChronological({ x: [] } as never, { testCount: 1 }), "`data`");
  throwsInput(() => splitSeries([], { testCount: 1 }), "`series`", "empty");
  throwsInput(() => splitSeries([1, 2, 3], { testcount: 1 } as never), "`testcount`");
});
