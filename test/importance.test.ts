// Permutation importance: shuffling a feature the model ignores costs nothing; one it uses costs error.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { permutationImportance } from "../lib/src/importance";
import { createRng, shuffledIndices } from "../lib/src/random";
import { throwsInput } from "./assertions";

tf.setBackend("cpu");

/** A model of windows [samples, 2, 2] whose output is feature 1 at the last step. */
function lastOfFeature1(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [2, 2] }));
  model.add(tf.layers.flatten()); // [samples, 4] = x00, x01, x10, x11
  model.add(tf.layers.dense({ units: 1 }));
  model.setWeights([tf.tensor2d([[0], [0], [0], [1]]), tf.tensor1d([0])]);
  return model;
}

const rng = createRng(3);
const x = Array.from({ length: 40 }, () => [[rng(), rng()], [rng(), rng()]]); // [40, 2, 2]
const y = x.map((w) => w[1][1]); // what the model predicts exactly

test("an ignored feature has no importance; the used one has", () => {
  const result = permutationImportance(lastOfFeature1(), x, y, { featureNames: ["a", "b"], repeats: 2, seed: 1 });
  assert.equal(result.metric, "mae");
  assert.ok(result.baseline < 1e-6, `baseline ${result.baseline}`);
  assert.deepEqual(result.features.map((f) => [f.feature, f.index]), [["a", 0], ["b", 1]]);
  assert.ok(Math.abs(result.features[0].increase) < 1e-6);
  assert.ok(result.features[1].increase > 0.1, `feature b: ${result.features[1].increase}`);
  assert.ok(Math.abs(result.features[1].error - result.baseline - result.features[1].increase) < 1e-12);
});

test("each error is the model's on the windows with that feature's whole window taken from the shuffled sample", () => {
  // By hand: the model's output is x[i][1][1]; shuffled, sample i sees sample order[i]'s feature 1.
  const seed = 9;
  const draws = createRng(seed);
  const orders = [0, 1].map(() => [0, 1].map(() => shuffledIndices(x.length, draws))); // [feature][repeat], in the order they are drawn
  const expected = orders.map((perFeature, f) =>
    perFeature.reduce((sum, order) => sum + x.reduce((s, w, i) => s + Math.abs((f === 1 ? x[order[i]][1][1] : w[1][1]) - y[i]), 0) / x.length, 0) / 2,
  );
  const result = permutationImportance(lastOfFeature1(), x, y, { repeats: 2, seed });
  result.features.forEach((f, i) => assert.ok(Math.abs(f.error - expected[i]) < 1e-6, `feature ${i}: ${f.error} against ${expected[i]} by hand`));
  assert.ok(expected[1] > 0.1);
});

test("the same seed gives the same result; the metric and targets [samples, 1] are accepted", () => {
  const model = lastOfFeature1();
  const a = permutationImportance(model, x, y.map((v) => [v]), { metric: "rmse", seed: 5 });
  const b = permutationImportance(model, x, y, { metric: "rmse", seed: 5 });
  assert.deepEqual(a, b);
  assert.deepEqual(a.features.map((f) => f.feature), ["feature 0", "feature 1"]);
});

test("toForecast sees the unshuffled inputs", () => {
  // forecast = model output + feature 0 at the last step (like "last value + predicted change")
  const truth = x.map((w) => w[1][1] + w[1][0]);
  const result = permutationImportance(lastOfFeature1(), x, truth, {
    toForecast: (predicted, inputs) => predicted.map((row, i) => row[0] + inputs[i][1][0]),
  });
  assert.ok(result.baseline < 1e-6);
  assert.ok(Math.abs(result.features[0].increase) < 1e-6, "the model itself ignores feature 0");
  assert.ok(result.features[1].increase > 0.1);
});

test("bad input names the argument and says how to fix it", () => {
  const model = lastOfFeature1();
  throwsInput(() => permutationImportance({} as tf.LayersModel, x, y), "`model`");
  throwsInput(() => permutationImportance(model, [[1, 2]] as unknown as number[][][], y), "`x");
  throwsInput(() => permutationImportance(model, x.slice(0, 1), y.slice(0, 1)), "`x`", "at least 2 samples");
  throwsInput(() => permutationImportance(model, x, y.slice(1)), "`y`", "40 items");
  throwsInput(() => permutationImportance(model, x, x.map((w) => w[1])), "`y`", "one true value per sample");
  throwsInput(() => permutationImportance(model, x, y, { metric: "mape" as "mae" }), "`options.metric`", '"mape"');
  throwsInput(() => permutationImportance(model, x, y, { repeats: 0 }), "`options.repeats`");
  throwsInput(() => permutationImportance(model, x, y, { featureNames: ["a"] }), "`x.shape[2] (features)`", "one name per feature");
  throwsInput(() => permutationImportance(model, x, y, { featureNames: ["a", "a"] }), "`options.featureNames`", "distinct");
  throwsInput(() => permutationImportance(model, x, y, { seeds: 1 } as object), "unknown key `seeds`");
  throwsInput(() => permutationImportance(model, x.map((w) => w.map((s) => [...s, 0])), y), "`x`", "model's inputs");
  throwsInput(() => permutationImportance(model, x, y, { toForecast: () => [1] }), "`options.toForecast(...)`");
});
