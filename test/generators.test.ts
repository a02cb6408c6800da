import { test } from "node:test";
import assert from "node:assert/strict";
import {
  linearOneToOne,
  nextStepMultiOutput,
  productFeatures,
  randomWalk,
  sumOfThree,
  toSequenceData,
  twoFeatureSum,
} from "../lib/src/generators";
import { throwsInput } from "./assertions";


test("linearOneToOne: notebook 02, X = 1..20, Y = 15·X", () => {
  const d = linearOneToOne();
  assert.deepEqual(d.xShape, [20, 1, 1]);
  assert.deepEqual(d.yShape, [20, 1]);
  assert.deepEqual(d.x[0], [[1]]);
  assert.deepEqual(d.x[19], [[20]]);
  assert.deepEqual(d.y[0], [15]);
  assert.deepEqual(d.y[19], [300]);
  assert.equal(d.y.flat().reduce((a, b) => a + b), 15 * 210);
  assert.deepEqual(linearOneToOne({ count: 3, factor: 2 }).y, [[2], [4], [6]]);
});

test("productFeatures: notebook 02, X1 = 2..50, X2 = 3..75, Y = X1·X2", () => {
  const d = productFeatures();
  assert.deepEqual(d.xShape, [25, 1, 2]);
  assert.deepEqual(d.yShape, [25, 1]);
  assert.deepEqual(d.x[0], [[2, 3]]);
  assert.deepEqual(d.x[24], [[50, 75]]);
  assert.deepEqual(d.y[0], [6]);
  assert.deepEqual(d.y[24], [3750]);
  for (let i = 0; i < 25; i++) assert.equal(d.y[i][0], d.x[i][0][0] * d.x[i][0][1]);
});

test("sumOfThree: notebook 03, 1..45 as [15, 3, 1], Y = 6, 15, …, 132", () => {
  const d = sumOfThree();
  assert.deepEqual(d.xShape, [15, 3, 1]);
  assert.deepEqual(d.yShape, [15, 1]);
  assert.deepEqual(d.x[0], [[1], [2], [3]]);
  assert.deepEqual(d.x[14], [[43], [44], [45]]);
  assert.deepEqual(
    d.y.map((r) => r[0]),
    [6, 15, 24, 33, 42, 51, 60, 69, 78, 87, 96, 105, 114, 123, 132],
  );
  assert.deepEqual(d.x.flat(2), Array.from({ length: 45 }, (_, i) => i + 1));
});

test("twoFeatureSum: notebook 03, [15, 3, 2], Y = X1 + X2 at the last step", () => {
  const d = twoFeatureSum();
  assert.deepEqual(d.xShape, [15, 3, 2]);
  assert.deepEqual(d.yShape, [15, 1]);
  assert.deepEqual(d.x[0], [[3, 5], [6, 10], [9, 15]]);
  assert.deepEqual(d.x[14], [[129, 215], [132, 220], [135, 225]]);
  assert.deepEqual(
    d.y.map((r) => r[0]),
    Array.from({ length: 15 }, (_, i) => 24 * (i + 1)),
  );
  assert.equal(d.y[14][0], 360);
});

test("nextStepMultiOutput: notebook 04, Y = next step of each feature", () => {
  const d = nextStepMultiOutput();
  assert.deepEqual(d.xShape, [15, 3, 2]);
  assert.deepEqual(d.yShape, [15, 2]);
  assert.deepEqual(d.x, twoFeatureSum().x);
  assert.deepEqual(d.y[0], [12, 20]);
  assert.deepEqual(d.y[14], [138, 230]);
  assert.deepEqual(d.y[1], [21, 35]);
});

test("arithmetic generators follow samples and lookBack", () => {
  const d = sumOfThree({ samples: 2, lookBack: 4 });
  assert.deepEqual(d.x, [[[1], [2], [3], [4]], [[5], [6], [7], [8]]]);
  assert.deepEqual(d.y, [[10], [26]]);
  assert.deepEqual(nextStepMultiOutput({ samples: 1, lookBack: 2 }).y, [[9, 15]]);
  assert.deepEqual(twoFeatureSum({ samples: 1, lookBack: 1 }).y, [[8]]);
});

test("randomWalk: shapes, determinism and bounds", () => {
  const a = randomWalk({ seed: 7 });
  assert.deepEqual(a.xShape, [1000, 50, 1]);
  assert.deepEqual(a.yShape, [1000, 1]);
  assert.deepEqual(randomWalk({ seed: 7 }), a);
  const b = randomWalk({ seed: 8 });
  assert.notDeepEqual(b.x, a.x);
  for (const [i, window] of a.x.entries()) {
    const values = [...window.map((s) => s[0]), a.y[i][0]];
    assert.ok(values[0] >= 0 && values[0] < 100, `start ${values[0]}`);
    for (let t = 1; t < values.length; t++) {
      const step = values[t] - values[t - 1];
      assert.ok(step >= -0.5 - 1e-9 && step < 0.5 + 1e-9, `step ${step}`);
    }
  }
});

test("randomWalk: custom start range and step size", () => {
  const d = randomWalk({ seed: 1, samples: 50, lookBack: 5, startLow: 10, startHigh: 11, stepSize: 0.01 });
  assert.deepEqual(d.xShape, [50, 5, 1]);
  for (const w of d.x) {
    assert.ok(w[0][0] >= 10 && w[0][0] < 11);
    for (let t = 1; t < 5; t++) assert.ok(Math.abs(w[t][0] - w[t - 1][0]) <= 0.01 + 1e-12);
  }
  const starts = d.x.map((w) => w[0][0]);
  assert.ok(new Set(starts).size === 50, "starts differ between walks");
});

test("toSequenceData checks x and y", () => {
  const d = toSequenceData([[[1], [2]]], [[3]]);
  assert.deepEqual(d.xShape, [1, 2, 1]);
  assert.deepEqual(d.yShape, [1, 1]);
  throwsInput(() => toSequenceData([[[1]], [[2]]], [[3]]), "`y`", "2 items", "1 items");
  throwsInput(() => toSequenceData([[1, 2]] as unknown as number[][][], [[3]]), "`x[0][0]`", "got 1");
  throwsInput(() => toSequenceData([[[1], [NaN]]], [[3]]), "`x[0][1][0]`", "NaN");
  throwsInput(() => toSequenceData([[[1]], [[2], [3]]], [[1], [2]]), "`x[1]`");
});

test("generators reject bad options, naming the argument and the value", () => {
  throwsInput(() => linearOneToOne({ count: 0 }), "`count`", "positive integer", "got 0");
  throwsInput(() => linearOneToOne({ factor: Infinity }), "`factor`", "Infinity");
  throwsInput(() => productFeatures({ count: 2.5 }), "`count`", "2.5");
  throwsInput(() => sumOfThree({ lookBack: 0 }), "`lookBack`", "got 0");
  throwsInput(() => twoFeatureSum({ samples: -1 }), "`samples`", "-1");
  throwsInput(() => nextStepMultiOutput({ lookback: 3 } as never), "`options`", "`lookback`", "lookBack");
  throwsInput(() => sumOfThree(null as never), "`options`", "null");
});

test("randomWalk rejects bad options", () => {
  throwsInput(() => randomWalk({} as never), "`seed`", "undefined");
  throwsInput(() => randomWalk(undefined as never), "`options`", "undefined");
  throwsInput(() => randomWalk({ seed: -1 }), "`seed`", "-1");
  throwsInput(() => randomWalk({ seed: 1, samples: 0 }), "`samples`", "got 0");
  throwsInput(() => randomWalk({ seed: 1, lookBack: 1.5 }), "`lookBack`", "1.5");
  throwsInput(() => randomWalk({ seed: 1, startLow: 5, startHigh: 5 }), "`startHigh`", "greater than startLow (5)", "got 5");
  throwsInput(() => randomWalk({ seed: 1, stepSize: 0 }), "`stepSize`", "positive", "got 0");
  throwsInput(() => randomWalk({ seed: 1, startLow: NaN }), "`startLow`", "NaN");
});
