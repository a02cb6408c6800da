import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildLanguageModel, buildRecurrentModel } from "../lib/src/models";
import { fit, predict } from "../lib/src/training";
import { sumOfThree } from "../lib/src/generators";

tf.setBackend("cpu");

const data = sumOfThree();
const x = data.x.map((s) => s.map((step) => [step[0] / 50])); // scaled inputs [15, 3, 1]
const y = data.y.map((t) => [t[0] / 150]); // scaled targets [15, 1]

function model(seed = 3) {
  return buildRecurrentModel({ cell: "simpleRNN", units: 8, lookBack: 3, numFeatures: 1, learningRate: 0.01, seed });
}

test("training is deterministic: same seeds, same losses and predictions", async () => {
  const a = model();
  const b = model();
  const ha = await fit(a, x, y, { epochs: 15, batchSize: 4, seed: 11, progress: "none" });
  const hb = await fit(b, x, y, { epochs: 15, batchSize: 4, seed: 11, progress: "none" });
  assert.deepEqual(ha.loss, hb.loss);
  assert.deepEqual(predict(a, x), predict(b, x));
  assert.equal(ha.epochs, 15);
  assert.equal(ha.loss.length, 15);
  assert.ok(ha.loss[14] < ha.loss[0], "the loss falls");
});

test("the shuffling seed changes the order of batches, and so the losses", async () => {
  const ha = await fit(model(), x, y, { epochs: 5, batchSize: 4, seed: 1, progress: "none" });
  const hb = await fit(model(), x, y, { epochs: 5, batchSize: 4, seed: 2, progress: "none" });
  assert.notDeepEqual(ha.loss, hb.loss);
});

test("validationSplit holds out the last samples, as Keras does", async () => {
  const h = await fit(model(), x, y, { epochs: 3, batchSize: 5, validationSplit: 0.2, progress: "none" });
  assert.equal(h.valLoss.length, 3);
  // The held-out loss equals the model's loss on the last 3 samples after training.
  const m = model();
  const hm = await fit(m, x, y, { epochs: 2, batchSize: 5, validationSplit: 0.2, progress: "none" });
  const tail = predict(m, x.slice(12));
  const expected = tail.reduce((s, p, i) => s + (p[0] - y[12 + i][0]) ** 2, 0) / 3;
  assert.ok(Math.abs(hm.valLoss[1] - expected) < 1e-6, `${hm.valLoss[1]} vs ${expected}`);
});

test("text progress prints a compact line every few epochs", async () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await fit(model(), x, y, { epochs: 6, batchSize: 5, progress: "text", progressEvery: 3 });
  } finally {
    console.log = original;
  }
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^epoch 3\/6 · loss \d\.\d{4}/);
  assert.match(lines[1], /^epoch 6\/6 · loss /);
});

test("onEpochEnd sees every epoch", async () => {
  const seen: number[] = [];
  await fit(model(), x, y, { epochs: 4, progress: "none", onEpochEnd: (e, logs) => seen.push(e + (logs.loss > 0 ? 0 : NaN)) });
  assert.deepEqual(seen, [1, 2, 3, 4]);
});

test("bad arguments are clear errors, and no tensors leak", async () => {
  const m = model();
  const before = tf.memory().numTensors;
  await assert.rejects(fit(m, x, y, { epochs: 0 }), /Expected `options.epochs` to be a positive integer, but got 0/);
  await assert.rejects(fit(m, x, y.slice(1), { epochs: 1 }), /Expected `y` to be 15 items, one per item of `x`/);
  await assert.rejects(fit(m, [[[1, 2]]], [[1]], { epochs: 1 }), /inputs of shape \[samples, 3, 1\] as the model was built for/);
  await assert.rejects(fit(m, [[[1], [2]], [[1]]] as never, [[1], [2]], { epochs: 1 }), /Expected `x\[1\]` to be a sample of shape \[2, 1\]/);
  await assert.rejects(fit(m, x, y, { epochs: 1, validationSplit: 1.5 }), /`options.validationSplit`.*strictly between 0 and 1/);
  await assert.rejects(fit(m, x, y, { epochs: 1, progres: "none" } as never), /unknown key `progres`/);
  await assert.rejects(fit(m, x, [[NaN], ...y.slice(1)], { epochs: 1 }), /Expected `y\[0\]\[0\]` to be a finite number, but got NaN/);
  assert.equal(tf.memory().numTensors, before);
});

test("predict validates its input and returns [samples][outputs]", () => {
  const m = model();
  const out = predict(m, x.slice(0, 2));
  assert.equal(out.length, 2);
  assert.equal(out[0].length, 1);
  assert.throws(() => predict(m, [] as never), /Expected `x` to be a non-empty 3-D array/);
});

test("trainingRowCount applies Keras's validation rule and rejects empty sides", async () => {
  const { trainingRowCount } = await import("../lib/src/training");
  assert.equal(trainingRowCount(15, 0.2), 12);
  assert.equal(trainingRowCount(20, 0.2), 16);
  assert.throws(() => trainingRowCount(3, 0.2), /leaves at least one sample on each side of 3 samples/);
  assert.throws(() => trainingRowCount(10, 1), /strictly between 0 and 1/);
});

test("fit trains a language model on rank-2 character ids [samples, timesteps], with validation data", async () => {
  const model = buildLanguageModel({ vocabularySize: 4, cell: "simpleRNN", units: 8, embeddingSize: 3, learningRate: 0.05, seed: 1 });
  const ids = Array.from({ length: 41 }, (_, i) => i % 4); // 0 1 2 3 0 1 2 3 …
  const x = tf.tensor2d(Array.from({ length: 10 }, (_, s) => ids.slice(s * 4, s * 4 + 4)), [10, 4], "int32"); // [10 samples, 4 steps]
  const y = tf.tensor3d(Array.from({ length: 10 }, (_, s) => ids.slice(s * 4 + 1, s * 4 + 5).map((id) => [id])), [10, 4, 1]); // next id at every step
  const history = await fit(model, x, y, { epochs: 30, batchSize: 5, seed: 2, progress: "none", validationData: { x: x.slice(0, 2), y: y.slice(0, 2) } });
  assert.equal(history.valLoss.length, 30);
  assert.ok(history.loss[29] < history.loss[0] / 4, `the loss falls from ${history.loss[0]} to ${history.loss[29]}`);
  await assert.rejects(fit(model, tf.zeros([10, 4, 1]), y, { epochs: 1, progress: "none" }), /rank-2 tensor \[samples, timesteps\] of ids/);
  model.dispose();
});
