// FusedAdamOptimizer (lib/src/optimizers.ts) against tf.train.adam: the same weights after
// training, step by step, on the cpu and wasm backends; the same optimizer weights; and
// the lib's fit (seeded shuffling, validation) giving the same losses as with the stock Adam.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/src/backend";
import { buildRecurrentModel, compileModel, makeOptimizer } from "../lib/src/models";
import { FusedAdamOptimizer } from "../lib/src/optimizers";
import { fit } from "../lib/src/training";

/** The tolerance asked of the fused optimizer (absolute, on weights of magnitude about 1). */
const TOLERANCE = 1e-6;

/** Largest absolute difference between the two models' weights. */
function weightDifference(a: tf.LayersModel, b: tf.LayersModel): number {
  const wa = a.getWeights();
  const wb = b.getWeights();
  assert.equal(wa.length, wb.length);
  let worst = 0;
  wa.forEach((w, i) => {
    const x = w.dataSync();
    const y = wb[i].dataSync();
    assert.equal(x.length, y.length);
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]));
  });
  return worst;
}

/** The lesson model (LSTM + Dense), seeded, compiled with the given optimizer. */
function lessonModel(optimizer: tf.Optimizer, cell: "lstm" | "gru" | "simpleRNN" = "lstm"): tf.LayersModel {
  const model = buildRecurrentModel({ cell, units: 12, lookBack: 3, numFeatures: 2, denseUnits: [4], seed: 3 });
  model.compile({ optimizer, loss: "meanSquaredError" });
  return model;
}

function data(samples: number) {
  return {
    x: tf.randomUniform([samples, 3, 2], -1, 1, "float32", 5),
    y: tf.randomUniform([samples, 1], -1, 1, "float32", 6),
  };
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: FusedAdamOptimizer gives tf.train.adam's weights after every batch of 60 (within ${TOLERANCE})`, async () => {
    await selectBackend({ backend });
    for (const cell of ["lstm", "simpleRNN"] as const) {
      for (const learningRate of [0.001, 0.05]) {
        const stock = lessonModel(tf.train.adam(learningRate), cell);
        const fused = lessonModel(new FusedAdamOptimizer(learningRate), cell);
        assert.equal(weightDifference(stock, fused), 0, "the same initial weights");
        const { x, y } = data(20);
        let worst = 0;
        for (let batch = 0; batch < 60; batch++) {
          const from = (batch * 5) % 20;
          const bx = x.slice(from, 5);
          const by = y.slice(from, 5);
          await stock.trainOnBatch(bx, by);
          await fused.trainOnBatch(bx, by);
          tf.dispose([bx, by]);
          worst = Math.max(worst, weightDifference(stock, fused));
        }
        console.log(`${backend} ${cell} lr ${learningRate}: largest weight difference over 60 batches ${worst.toExponential(2)}`);
        assert.ok(worst <= TOLERANCE, `weights differ by ${worst}`);
        tf.dispose([x, y]);
        stock.dispose();
        fused.dispose();
      }
    }
  });
}

test("FusedAdamOptimizer's weights (iterations, moments) equal tf.train.adam's, and restore into either", async () => {
  await selectBackend({ backend: "wasm" });
  const stockOptimizer = tf.train.adam(0.01);
  const fusedOptimizer = new FusedAdamOptimizer(0.01);
  const stock = lessonModel(stockOptimizer);
  const fused = lessonModel(fusedOptimizer);
  const { x, y } = data(10);
  for (let i = 0; i < 4; i++) {
    await stock.trainOnBatch(x, y);
    await fused.trainOnBatch(x, y);
  }
  const a = await stockOptimizer.getWeights();
  const b = await fusedOptimizer.getWeights();
  // The same names but for the layers' numbers (two models, two sets of layer names).
  const pattern = (name: string) => name.replace(/\d+/g, "#");
  assert.deepEqual(b.map((w) => pattern(w.name)), a.map((w) => pattern(w.name)));
  assert.deepEqual(b.map((w) => w.tensor.shape), a.map((w) => w.tensor.shape));
  let worst = 0;
  a.forEach((w, i) => {
    const p = w.tensor.dataSync();
    const q = b[i].tensor.dataSync();
    for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j] - q[j]));
  });
  assert.ok(worst <= TOLERANCE, `optimizer weights differ by ${worst}`);
  assert.equal(fusedOptimizer.getClassName(), "Adam");
  assert.deepEqual(fusedOptimizer.getConfig(), stockOptimizer.getConfig());

  // The stock optimizer's state restored into a fresh fused one continues exactly as the stock one does.
  const resumed = new FusedAdamOptimizer(0.01);
  await resumed.setWeights(a);
  const continued = lessonModel(resumed);
  continued.setWeights(stock.getWeights());
  await stock.trainOnBatch(x, y);
  await continued.trainOnBatch(x, y);
  const after = weightDifference(stock, continued);
  assert.ok(after <= TOLERANCE, `a restored optimizer continues the stock one's steps (difference ${after})`);
  tf.dispose([x, y]);
  [stock, fused, continued].forEach((m) => m.dispose());
});

test("compileModel uses the fused Adam on cpu and wasm; a model's own fit with it gives the stock losses", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend({ backend });
    assert.ok(makeOptimizer("adam", 0.001) instanceof FusedAdamOptimizer, backend);
    assert.ok(makeOptimizer("adam", 0.001) instanceof tf.AdamOptimizer, `${backend}: still a tf AdamOptimizer`);
    const build = () => buildRecurrentModel({ cell: "lstm", units: 8, lookBack: 3, numFeatures: 2, seed: 9, learningRate: 0.01 });
    const fused = build();
    const stock = build();
    stock.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
    const x = Array.from({ length: 23 }, (_, i) => [[Math.sin(i), i / 23], [Math.cos(i), 0.5], [Math.sin(2 * i), -i / 23]]);
    const y = x.map((s) => [s[0][0] + s[2][0] * 0.5]);
    const options = { epochs: 6, batchSize: 5, seed: 4, validationSplit: 0.2, progress: "none" as const };
    const a = await fit(stock, x, y, options);
    const b = await fit(fused, x, y, options);
    const worstLoss = Math.max(...a.loss.map((l, i) => Math.abs(l - b.loss[i])), ...a.valLoss.map((l, i) => Math.abs(l - b.valLoss[i])));
    console.log(`${backend}: fit with validation and shuffling, largest loss difference ${worstLoss.toExponential(2)}`);
    assert.ok(worstLoss <= 1e-6, `${backend}: losses differ by ${worstLoss}`);
    assert.ok(weightDifference(stock, fused) <= TOLERANCE, backend);
    stock.dispose();
    fused.dispose();
  }
  // compileModel also accepts a model built elsewhere.
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  compileModel(other, { learningRate: 0.01 });
  assert.ok(other.optimizer instanceof FusedAdamOptimizer);
  other.dispose();
});

test("FusedAdamOptimizer rejects a gradient that does not fit its weight, saying which", async () => {
  await selectBackend({ backend: "cpu" });
  const v = tf.variable(tf.zeros([3]), true, "fused-adam-test-weight");
  const optimizer = new FusedAdamOptimizer(0.1);
  assert.throws(() => optimizer.applyGradients({ "fused-adam-test-weight": tf.zeros([2]) }), /weight "fused-adam-test-weight"/);
  optimizer.applyGradients({ "fused-adam-test-weight": tf.ones([3]) });
  // First Adam step with gradient 1: m̂ = v̂ = 1, so every value moves by −lr·1/(1+ε).
  const values = Array.from(v.dataSync());
  values.forEach((value) => assert.ok(Math.abs(value + 0.1) < 1e-6, `${value}`));
  v.dispose();
  optimizer.dispose();
});

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: a FusedAdamOptimizer step leaves no tensor or backend buffer behind (the new weights replace the old)`, async () => {
    await selectBackend({ backend });
    const model = lessonModel(new FusedAdamOptimizer(0.01));
    const { x, y } = data(5);
    await model.trainOnBatch(x, y); // the first step makes the moments and the loss's scratch tensors
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = { tensors: tf.memory().numTensors, buffers: buffers() };
    const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
    for (let step = 0; step < 5; step++) await model.trainOnBatch(x, y);
    assert.deepEqual({ tensors: tf.memory().numTensors, buffers: buffers() }, before);
    assert.ok(model.getWeights().every((w, i) => w.dataSync().some((v, j) => v !== weightsBefore[i][j])), "every weight moved");
    tf.dispose([x, y]);
    model.dispose();
  });
}
