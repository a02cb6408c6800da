import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { changesFromLastStep, errorBarChart, trainAndAnswer, withSwappedFeatures } from "../lib/src/experiments";
import { nextStepMultiOutput, sumOfThree, twoFeatureSum } from "../lib/src/generators";
import { buildDenseModel, buildRecurrentModel } from "../lib/src/models";
import { MinMaxScaler, StandardScaler } from "../lib/src/scalers";
import { WorkbookInputError } from "../lib/src/validate";
import { throwsInput } from "./assertions";

tf.setBackend("cpu");


/** Like {@link throwsInput}, for promises. */
async function rejectsInput(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof WorkbookInputError, `expected a WorkbookInputError, got ${String(e)}`);
    for (const fragment of fragments) assert.ok(e.message.includes(fragment), `"${e.message}" lacks "${fragment}"`);
    return true;
  });
}

test("withSwappedFeatures: each sample is followed by its copy with the features swapped", () => {
  const data = twoFeatureSum(); // [15, 3, 2] → Y = X1 + X2 at the last step
  const swapped = withSwappedFeatures(data, { targets: "same" });
  assert.deepEqual(swapped.xShape, [30, 3, 2]);
  assert.deepEqual(swapped.yShape, [30, 1]);
  assert.deepEqual(swapped.x[0], [[3, 5], [6, 10], [9, 15]]);
  assert.deepEqual(swapped.x[1], [[5, 3], [10, 6], [15, 9]]);
  assert.deepEqual(swapped.y.slice(0, 2), [[24], [24]]);
  assert.deepEqual(swapped.x[29], [[225, 135], [220, 132], [215, 129]].reverse());
  // The copies are new arrays: changing them leaves the original alone.
  swapped.x[0][0][0] = -1;
  assert.equal(data.x[0][0][0], 3);
});

test("withSwappedFeatures: targets that belong to one feature each trade places too", () => {
  const swapped = withSwappedFeatures(nextStepMultiOutput(), { targets: "swapped" });
  assert.deepEqual(swapped.y.slice(0, 2), [[12, 20], [20, 12]]);
  assert.deepEqual(swapped.yShape, [30, 2]);
});

test("withSwappedFeatures: explains wrong calls", () => {
  throwsInput(() => withSwappedFeatures(sumOfThree(), { targets: "same" }), "exactly 2 features", "1 feature(s)");
  throwsInput(() => withSwappedFeatures(twoFeatureSum(), { targets: "swapped" }), "options.targets", '"same"');
  throwsInput(() => withSwappedFeatures(twoFeatureSum(), { targets: "swap" as never }), "options.targets", '"swapped"');
  throwsInput(() => withSwappedFeatures(twoFeatureSum(), { targets: "same", target: "same" } as never), "unknown key `target`");
  throwsInput(() => withSwappedFeatures(null as never, { targets: "same" }), "data");
});

test("changesFromLastStep: the next step minus the last one, per feature", () => {
  const data = nextStepMultiOutput();
  const changes = changesFromLastStep(data.x, data.y);
  assert.equal(changes.length, 15);
  for (const row of changes) assert.deepEqual(row, [3, 5]);
  throwsInput(() => changesFromLastStep(twoFeatureSum().x, twoFeatureSum().y), "2 column(s)", "1 column(s)");
  throwsInput(() => changesFromLastStep(data.x, data.y.slice(1)), "y", "15 items");
});

test("trainAndAnswer: scalers see the training rows only, and the answer comes back in units", async () => {
  const data = sumOfThree(); // 15 samples: fit keeps 12 for training with validationSplit 0.2
  const model = buildDenseModel({ units: [8], activation: "linear", lookBack: 3, numFeatures: 1, learningRate: 0.05, seed: 1 });
  const result = await trainAndAnswer(model, data, [[[50], [51], [52]]], {
    fit: { epochs: 200, validationSplit: 0.2, seed: 1, progress: "none" },
    featureRange: [-1, 1],
  });
  const inputScaler = result.pipeline.inputScaler as MinMaxScaler;
  const targetScaler = result.pipeline.targetScaler as MinMaxScaler;
  assert.deepEqual([inputScaler.dataMin, inputScaler.dataMax], [[1], [36]]);
  assert.deepEqual([targetScaler.dataMin, targetScaler.dataMax], [[6], [105]]);
  assert.deepEqual(inputScaler.featureRange, [-1, 1]);
  assert.equal(result.history.epochs, 200);
  assert.equal(result.validationLoss, result.history.valLoss[199]);
  assert.equal(result.answer.length, 1);
  // A linear dense network learns a sum well: the answer is near 153, in units.
  assert.ok(Math.abs(result.answer[0] - 153) < 5, `answer ${result.answer[0]}`);
  assert.deepEqual(result.predict([[[50], [51], [52]]])[0], result.answer);
  throwsInput(() => result.predict([[[1, 2]]]), "[samples, 3, 1]");
  // The largest error over some rows, in units: here the 3 validation rows (sums 114, 123, 132).
  const validation = { x: data.x.slice(12), y: data.y.slice(12) };
  const expected = Math.max(...result.predict(validation.x).map((row, i) => Math.abs(row[0] - validation.y[i][0])));
  assert.equal(result.largestError(validation), expected);
  throwsInput(() => result.largestError({ x: validation.x, y: [[1, 2], [3, 4], [5, 6]] }), "rows.y", "1 column(s)");
  throwsInput(() => result.largestError({ x: validation.x, y: [[1]] }), "rows.y", "3 items");
  model.dispose();
});

test("trainAndAnswer: without a validation split the scalers see every row; standard scaling", async () => {
  const data = sumOfThree();
  const model = buildDenseModel({ units: [4], lookBack: 3, numFeatures: 1, seed: 1 });
  const result = await trainAndAnswer(model, data, [[[1], [2], [3]]], { fit: { epochs: 2, progress: "none" }, scaler: "standard" });
  assert.ok(result.pipeline.inputScaler instanceof StandardScaler);
  assert.deepEqual((result.pipeline.inputScaler as StandardScaler).mean, [23]);
  assert.equal(result.validationLoss, null);
  model.dispose();
});

test('trainAndAnswer: target "change" learns the step and adds the last step back', async () => {
  const data = nextStepMultiOutput(); // every change is [3, 5]
  const model = buildRecurrentModel({ units: 4, activation: "linear", lookBack: 3, numFeatures: 2, outputs: 2, learningRate: 0.05, seed: 1 });
  const result = await trainAndAnswer(model, data, [[[20, 34], [23, 39], [26, 44]]], {
    fit: { epochs: 60, validationSplit: 0.2, seed: 1, progress: "none" },
    featureRange: [-0.1, 0.1],
    target: "change",
  });
  // The target scaler was fitted on the changes (a constant column per output).
  assert.deepEqual((result.pipeline.targetScaler as MinMaxScaler).dataMin, [3, 5]);
  assert.ok(Math.abs(result.answer[0] - 29) < 0.5 && Math.abs(result.answer[1] - 49) < 0.5, `answer ${result.answer}`);
  model.dispose();
});

test("trainAndAnswer: explains wrong calls", async () => {
  const data = sumOfThree();
  const model = buildDenseModel({ units: [4], lookBack: 3, numFeatures: 1, seed: 1 });
  const fitOptions = { epochs: 1, progress: "none" as const };
  await rejectsInput(trainAndAnswer({} as never, data, [[[1], [2], [3]]], { fit: fitOptions }), "model", "TensorFlow.js model");
  const wide = buildDenseModel({ units: [4], lookBack: 3, numFeatures: 2, seed: 1 });
  await rejectsInput(trainAndAnswer(wide, data, [[[1], [2], [3]]], { fit: fitOptions }), "inputs [samples, 3, 1]", "numFeatures: 1");
  const twoOutputs = buildDenseModel({ units: [4], lookBack: 3, numFeatures: 1, outputs: 2, seed: 1 });
  await rejectsInput(trainAndAnswer(twoOutputs, data, [[[1], [2], [3]]], { fit: fitOptions }), "1 output(s)", "outputs: 1");
  await rejectsInput(trainAndAnswer(model, data, [[1], [2], [3]] as never, { fit: fitOptions }), "question");
  await rejectsInput(trainAndAnswer(model, data, [[[1], [2]]], { fit: fitOptions }), "question", "[1, 3, 1]");
  await rejectsInput(trainAndAnswer(model, data, [[[1], [2], [3]]], { fit: fitOptions, scaler: "standard", featureRange: [0, 1] }), "featureRange");
  await rejectsInput(trainAndAnswer(model, data, [[[1], [2], [3]]], { fit: fitOptions, scaler: "robust" as never }), "options.scaler");
  await rejectsInput(trainAndAnswer(wide, twoFeatureSum(), [[[1, 2], [2, 3], [3, 4]]], { fit: fitOptions, target: "change" }), '"level"', "one target per input feature");
  await rejectsInput(trainAndAnswer(model, data, [[[1], [2], [3]]], { fit: fitOptions, epochs: 3 } as never), "unknown key `epochs`");
  await rejectsInput(trainAndAnswer(model, data, [[[1], [2], [3]]], {} as never), "options.fit");
  [model, wide, twoOutputs].forEach((m) => m.dispose());
});

test("errorBarChart: one bar per model and group, the distance from the truth", () => {
  const figure = errorBarChart(153, {
    "seed (Keras)": { "simple LSTM": 145.96, "bidirectional LSTM": 152.26 },
    "this workbook": { "simple LSTM": 153.5 },
  }, { title: "errors" });
  assert.equal(figure.data.length, 2);
  assert.deepEqual(figure.data[0].x, ["simple LSTM", "bidirectional LSTM"]);
  assert.ok(Math.abs(figure.data[0].y[0] - 7.04) < 1e-9 && Math.abs(figure.data[0].y[1] - 0.74) < 1e-9);
  assert.deepEqual(figure.data[1].y, [0.5]);
  assert.equal(figure.data[1].type, "bar");
  assert.equal(figure.layout.barmode, "group");
  // Vector answers: the largest absolute error over the outputs.
  const multi = errorBarChart([29, 49], { ours: { simple: [29.1, 48.7] } });
  assert.ok(Math.abs(multi.data[0].y[0] - 0.3) < 1e-9);
  throwsInput(() => errorBarChart(153, {}), "groups");
  throwsInput(() => errorBarChart(153, { ours: {} }), 'groups["ours"]');
  throwsInput(() => errorBarChart([29, 49], { ours: { simple: 29 } }), "actual", "2 value(s)");
  throwsInput(() => errorBarChart(NaN, { ours: { simple: 1 } }), "truth");
});
