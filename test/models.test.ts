import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildDenseModel, buildLanguageModel, buildRecurrentModel, CELL_TYPES, countParams } from "../lib/src/models";
import { WorkbookInputError } from "../lib/src/validate";
import { layerImplementation } from "../lib/src/fused";

tf.setBackend("cpu");

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

test("every cell, plain, stacked and bidirectional, gives [samples, outputs]", () => {
  for (const cell of CELL_TYPES) {
    for (const units of [4, [6, 4]]) {
      for (const bidirectional of [false, true]) {
        const model = buildRecurrentModel({ cell, units, bidirectional, lookBack: 3, numFeatures: 2, outputs: 2, denseUnits: [5] });
        assert.deepEqual(model.inputs[0].shape, [null, 3, 2]);
        const out = model.predict(tf.zeros([7, 3, 2])) as tf.Tensor;
        assert.deepEqual(out.shape, [7, 2], `${cell} ${JSON.stringify(units)} bidirectional=${bidirectional}`);
        const recurrent = model.layers.filter((l) => /lstm|gru|simple_?rnn|bidirectional/i.test(l.getClassName()));
        assert.equal(recurrent.length, Array.isArray(units) ? units.length : 1);
        if (bidirectional) assert.ok(recurrent.every((l) => l.getClassName() === "Bidirectional"));
        tf.dispose([out]);
        model.dispose();
      }
    }
  }
});

test("returnSequences gives one output per time step (many-to-many)", () => {
  const model = buildRecurrentModel({ cell: "simpleRNN", units: 4, lookBack: 5, numFeatures: 1, outputs: 3, returnSequences: true });
  const out = model.predict(tf.zeros([2, 5, 1])) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 5, 3]);
});

test("LSTM parameters match the textbook count and the gates use the logistic sigmoid", () => {
  const model = buildRecurrentModel({ cell: "lstm", units: 50, lookBack: 1, numFeatures: 1 });
  // 4 gates × (units·(units + features) + units) + dense (units + 1)
  assert.equal(countParams(model), 4 * (50 * 51 + 50) + 51);
  const lstm = model.layers.find((l) => l.getClassName() === "LSTM")!;
  const config = lstm.getConfig() as Record<string, unknown>;
  assert.equal(config.recurrentActivation, "sigmoid");
});

test("the same seed gives the same weights; another seed gives others", () => {
  const build = (seed: number) => buildRecurrentModel({ cell: "gru", units: [5, 3], bidirectional: true, lookBack: 3, numFeatures: 1, seed });
  const a = weightsOf(build(7));
  const b = weightsOf(build(7));
  const c = weightsOf(build(8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const dense = (seed: number) => weightsOf(buildDenseModel({ lookBack: 3, numFeatures: 2, units: [8, 4], seed }));
  assert.deepEqual(dense(1), dense(1));
  assert.notDeepEqual(dense(1), dense(2));
});

test("the dense baseline flattens the window", () => {
  const model = buildDenseModel({ lookBack: 4, numFeatures: 3, units: 6, outputs: 2 });
  const flatten = model.layers.find((l) => l.getClassName() === "Flatten")!;
  assert.deepEqual(flatten.outputShape, [null, 12]);
  const out = model.predict(tf.ones([5, 4, 3])) as tf.Tensor;
  assert.deepEqual(out.shape, [5, 2]);
});

test("the dense baseline with units: [] is a linear model of the whole window", () => {
  const model = buildDenseModel({ lookBack: 4, numFeatures: 3, units: [] });
  assert.deepEqual(model.layers.map((l) => l.getClassName()).filter((n) => n !== "InputLayer"), ["Flatten", "Dense"]);
  assert.equal(countParams(model), 4 * 3 + 1);
  const x = tf.randomNormal([6, 4, 3], 0, 1, "float32", 1);
  const [kernel, bias] = model.getWeights();
  const expected = x.reshape([6, 12]).matMul(kernel).add(bias); // [6, 1]
  const out = model.predict(x) as tf.Tensor;
  assert.ok(out.sub(expected).abs().max().dataSync()[0] < 1e-5);
  assert.throws(() => buildDenseModel({ lookBack: 3, numFeatures: 1, units: [4, 0] }), /`options.units\[1\]` to be a positive integer, but got 0/);
});

test("bad options name the option, the expected and the received value", () => {
  assert.throws(() => buildRecurrentModel({ lookBack: 0, numFeatures: 1 }), /Expected `options.lookBack` to be a positive integer, but got 0\. It is the number of time steps/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1.5 }), /`options.numFeatures`.*but got 1.5/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, cell: "rnn" as never }), /Expected `options.cell` to be one of "simpleRNN", "lstm", "gru", but got "rnn"/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, units: [] }), /`options.units`.*non-empty array/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, units: [4, -1] }), /`options.units\[1\]` to be a positive integer, but got -1/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, learningRate: 0 }), /`options.learningRate`.*positive/);
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, lookback: 3 } as never), /unknown key `lookback`/);
  assert.throws(() => buildDenseModel({ lookBack: 3, numFeatures: 1, activation: "swish" as never }), /`options.activation`.*"swish"/);
  assert.throws(() => buildRecurrentModel(undefined as never), /Expected `options` to be an object such as buildRecurrentModel/);
});

// (An LSTM layer leaves 4 small tensors behind: TensorFlow.js's unitForgetBias initialiser
// does not dispose its intermediate pieces. GRU has no such initialiser.)
test("disposing a trained model frees its weights and its optimizer's state", async () => {
  const before = tf.memory().numTensors;
  const model = buildRecurrentModel({ cell: "gru", units: 4, lookBack: 3, numFeatures: 1 });
  const x = tf.ones([4, 3, 1]);
  const y = tf.ones([4, 1]);
  await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
  tf.dispose([x, y]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("buildLanguageModel: ids [samples, timesteps] → a softmax over the vocabulary at every step", () => {
  for (const cell of CELL_TYPES) {
    const model = buildLanguageModel({ vocabularySize: 11, cell, units: [6, 5], embeddingSize: 4, seed: 2 });
    assert.deepEqual(model.inputs[0].shape, [null, null], "any sequence length");
    assert.equal(model.layers[0].getClassName(), "Embedding");
    assert.equal(model.loss, "sparseCategoricalCrossentropy");
    for (const steps of [1, 7]) {
      const out = model.predict(tf.zeros([3, steps], "int32")) as tf.Tensor;
      assert.deepEqual(out.shape, [3, steps, 11], `${cell}, ${steps} steps`);
      const sums = out.sum(-1).dataSync();
      sums.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-5, "each step is a distribution"));
      out.dispose();
    }
    model.dispose();
  }
  const fixed = buildLanguageModel({ vocabularySize: 5, units: 3, lookBack: 8 });
  assert.deepEqual(fixed.inputs[0].shape, [null, 8]);
  // Embedding 5·16 + LSTM 4·(3·(16 + 3) + 3) + Dense 3·5 + 5
  assert.equal(countParams(fixed), 5 * 16 + 4 * (3 * 19 + 3) + 3 * 5 + 5);
});

test("buildLanguageModel: the same seed gives the same weights, another seed others", () => {
  const w = (seed: number) => buildLanguageModel({ vocabularySize: 9, cell: "simpleRNN", units: 4, seed }).getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(w(5), w(5));
  assert.notDeepEqual(w(5), w(6));
});

test("buildLanguageModel uses the fused recurrent layers by default, equal to the stock ones", () => {
  for (const cell of CELL_TYPES) {
    const fused = buildLanguageModel({ vocabularySize: 7, cell, units: [5, 4], seed: 3 });
    const stock = buildLanguageModel({ vocabularySize: 7, cell, units: [5, 4], seed: 3, implementation: "stock" });
    assert.deepEqual(fused.layers.slice(1, 3).map(layerImplementation), ["auto", "auto"], `${cell}: fused where faster`);
    assert.deepEqual(stock.layers.slice(1, 3).map(layerImplementation), ["stock", "stock"]);
    const ids = tf.tensor2d([[0, 3, 6, 2, 1], [5, 5, 4, 0, 6]], [2, 5], "int32"); // [samples, timesteps]
    const a = (fused.predict(ids) as tf.Tensor).arraySync() as number[][][]; // [2, 5, 7]
    const b = (stock.predict(ids) as tf.Tensor).arraySync() as number[][][];
    a.flat(2).forEach((v, i) => assert.ok(Math.abs(v - b.flat(2)[i]) < 1e-6, `${cell}: ${v} vs ${b.flat(2)[i]}`));
    tf.dispose(ids);
    fused.dispose();
    stock.dispose();
  }
  assert.throws(() => buildLanguageModel({ vocabularySize: 5, implementation: "fast" } as never), /options.implementation/);
});

test("buildLanguageModel bad input", () => {
  const input = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof WorkbookInputError && pattern.test(e.message));
  input(() => buildLanguageModel({} as never), /`options.vocabularySize` to be a positive integer.*vocabulary.size/);
  input(() => buildLanguageModel({ vocabularySize: 5, embeddingSize: 0 }), /options.embeddingSize/);
  input(() => buildLanguageModel({ vocabularySize: 5, lookBack: 2.5 }), /options.lookBack/);
  input(() => buildLanguageModel({ vocabularySize: 5, loss: "meanSquaredError" } as never), /options.loss.*sparseCategoricalCrossentropy/);
  input(() => buildLanguageModel({ vocabularySize: 5, numFeatures: 1 } as never), /unknown key `numFeatures`/);
  input(() => buildLanguageModel({ vocabularySize: 5, cell: "rnn" } as never), /options.cell/);
});
