import { test } from "node:test";
import assert from "node:assert/strict";
import * as dfd from "danfojs-node";
import { MinMaxScaler, StandardScaler } from "../lib/src/scalers";
import { throwsInput, close } from "./assertions";



const table = [
  [1, 10, -2],
  [2, 30, 0],
  [3, 20, 2],
  [4, 50, 4],
  [10, 40, 6],
];

test("MinMaxScaler: one column to [0, 1] and back", () => {
  const s = new MinMaxScaler();
  const scaled = s.fitTransform([1, 2, 3, 4, 10]);
  close(scaled, [0, 1 / 9, 2 / 9, 3 / 9, 1]);
  assert.deepEqual(s.dataMin, [1]);
  assert.deepEqual(s.dataMax, [10]);
  close(s.inverseTransform(scaled), [1, 2, 3, 4, 10]);
  assert.equal(s.numFeatures, 1);
  assert.ok(s.isFitted);
});

test("MinMaxScaler: featureRange, column-wise stats, no clipping outside the training range", () => {
  const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(table);
  assert.deepEqual(s.dataMin, [1, 10, -2]);
  assert.deepEqual(s.dataMax, [10, 50, 6]);
  close(s.transform([[1, 10, -2], [10, 50, 6], [5.5, 30, 2]]), [[-1, -1, -1], [1, 1, 1], [0, 0, 0]]);
  close(s.transform([[19, 90, 14]]), [[3, 3, 3]]);
  close(s.inverseTransform(s.transform(table)), table);
});

test("StandardScaler: mean 0, population std 1, and back", () => {
  const s = new StandardScaler();
  const scaled = s.fitTransform([1, 2, 3, 4, 10]);
  // mean 4, squared deviations 9 + 4 + 1 + 0 + 36 = 50, population variance 10
  close(s.mean, [4]);
  close(s.std, [Math.sqrt(10)]);
  close(scaled, [-3, -2, -1, 0, 6].map((d) => d / Math.sqrt(10)));
  close(s.inverseTransform(scaled), [1, 2, 3, 4, 10]);
});

test("3-D windows are scaled per feature (last axis)", () => {
  const windows = [
    [[1, 100], [2, 200]],
    [[3, 300], [5, 500]],
  ]; // [2, 2, 2]
  const s = new MinMaxScaler().fit(windows);
  assert.deepEqual(s.dataMin, [1, 100]);
  assert.deepEqual(s.dataMax, [5, 500]);
  close(s.transform(windows), [
    [[0, 0], [0.25, 0.25]],
    [[0.5, 0.5], [1, 1]],
  ]);
  close(s.inverseTransform(s.transform(windows)), windows);
  // rows fitted, windows transformed: same columns, so allowed
  const rows = new StandardScaler().fit(windows.flat());
  close(rows.transform(windows).flat(), rows.transform(windows.flat()));
});

test("one column: 1-D, [n, 1] and windows [s, t, 1] interchange", () => {
  const s = new MinMaxScaler().fit([[0], [10]]);
  close(s.transform([5]), [0.5]);
  close(s.transform([[[2.5], [5]]]), [[[0.25], [0.5]]]);
});

test("transformColumn / inverseTransformColumn use one column's stats", () => {
  const s = new MinMaxScaler().fit(table);
  close(s.transformColumn([10, 30, 50], 1), [0, 0.5, 1]);
  close(s.inverseTransformColumn([0, 0.5, 1], 2), [-2, 2, 6]);
  close(s.inverseTransformColumn([[0], [1]], 0), [[1], [10]]); // predictions [samples, 1]
  close(s.inverseTransformColumn([[0, 0.25, 1]], 1), [[10, 20, 50]]); // [samples, horizon]
  const z = new StandardScaler().fit(table);
  close(z.inverseTransformColumn(z.transformColumn([7, 8], 0), 0), [7, 8]);
  const single = new MinMaxScaler().fit([0, 4]);
  close(single.inverseTransformColumn([0.5]), [2]); // column may be left out with one column
});

test("constant columns do not divide by zero", () => {
  const rows = [[1, 5], [2, 5], [3, 5]];
  const m = new MinMaxScaler({ featureRange: [-1, 1] }).fit(rows);
  assert.deepEqual(m.dataMax, [3, 5]);
  close(m.transform(rows), [[-1, -1], [0, -1], [1, -1]]); // constant → low end of featureRange
  close(m.inverseTransform(m.transform(rows)), rows);
  close(m.transform([[2, 7]]), [[0, 3]]); // range 1 for the constant column: (7 − 5) / 1 · 2 − 1
  const z = new StandardScaler().fit(rows);
  close(z.std, [Math.sqrt(2 / 3), 1]);
  close(z.transform(rows).map((r) => r[1]), [0, 0, 0]);
  close(z.inverseTransform(z.transform(rows)), rows);
});

test("stats come from what fit() received only (the training split)", () => {
  const train = [1, 2, 3];
  const s = new MinMaxScaler().fit(train);
  close(s.transform([1, 2, 3, 4, 5]), [0, 0.5, 1, 1.5, 2]);
  s.fit([0, 10]); // refitting replaces the stats
  assert.deepEqual(s.dataMax, [10]);
});

test("matches danfo's MinMaxScaler and StandardScaler on DataFrames", () => {
  const oneColumn = [[1], [2], [3], [4], [10]];
  for (const rows of [oneColumn, table]) {
    const columns = rows[0].map((_, c) => `c${c}`);
    const df = new dfd.DataFrame(rows, { columns });
    const danfoMinMax = new dfd.MinMaxScaler();
    danfoMinMax.fit(df);
    close(new MinMaxScaler().fitTransform(rows), (danfoMinMax.transform(df) as dfd.DataFrame).values, 1e-6);
    const danfoStandard = new dfd.StandardScaler();
    danfoStandard.fit(df);
    // danfo divides by n (population std), as ours does; n − 1 would differ by √(5/4) here.
    close(new StandardScaler().fitTransform(rows), (danfoStandard.transform(df) as dfd.DataFrame).values, 1e-6);
  }
});

test("scalers reject misuse with clear messages", () => {
  throwsInput(() => new MinMaxScaler().transform([1, 2]), "`scaler`", "fitted before calling transform", "MinMaxScaler", "fit(");
  throwsInput(() => new StandardScaler().inverseTransformColumn([1], 0), "`scaler`", "inverseTransformColumn", "StandardScaler");
  throwsInput(() => new StandardScaler().mean, "`scaler`", "mean");
  const s = new MinMaxScaler().fit(table);
  throwsInput(() => s.transform([[1, 2]]), "`values`", "3 columns", "2 columns");
  throwsInput(() => s.transform([1, 2]), "`values`", "3 columns", "1 columns");
  throwsInput(() => s.inverseTransform([[[1, 2]]]), "`values`", "2 features per time step");
  throwsInput(() => s.inverseTransformColumn([0.5]), "`column`", "0..2", "undefined");
  throwsInput(() => s.inverseTransformColumn([0.5], 3), "`column`", "0 to 2", "got 3");
  throwsInput(() => s.transformColumn([[[1]]] as never, 0), "`values`", "3-D");
  throwsInput(() => s.fit([]), "`values`", "empty");
  throwsInput(() => s.fit([[1, 2], [3]]), "`values[1]`", "length 2");
  throwsInput(() => s.fit([1, NaN]), "`values[1]`", "NaN");
  throwsInput(() => new MinMaxScaler({ featureRange: [1, 0] }), "`featureRange`", "low < high", "[1, 0]");
  throwsInput(() => new MinMaxScaler({ featureRange: [0] as never }), "`featureRange`", "pair");
  throwsInput(() => new MinMaxScaler({ range: [0, 1] } as never), "`options`", "`range`");
});
