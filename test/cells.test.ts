import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  activate,
  denseStep,
  hardSigmoid,
  inputGradientNorms,
  LSTM_GATES,
  lstmForward,
  lstmStep,
  recurrentWeightsOf,
  RecurrentWeights,
  rnnStep,
  sigmoid,
  simpleRnnForward,
  simpleRnnInputGradients,
  splitLstmWeights,
} from "../lib/src/cells";
import { createRng, uniform } from "../lib/src/random";
import { throwsInput } from "./assertions";


/** Largest absolute difference between two nested arrays of the same shape. */
function maxDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, "arrays of different length");
    return Math.max(0, ...a.map((v, i) => maxDiff(v, b[i])));
  }
  return Math.abs((a as number) - (b as number));
}

/** A seeded random sequence batch `[samples][timesteps][features]` in [−1, 1). */
function randomBatch(seed: number, samples: number, timesteps: number, features: number): number[][][] {
  const rng = createRng(seed);
  return Array.from({ length: samples }, () => Array.from({ length: timesteps }, () => Array.from({ length: features }, () => uniform(rng, -1, 1))));
}

before(async () => {
  await tf.setBackend("cpu");
});

// The seed's worked example: h = [0.537, 0.462], x = [2.0], W rows (h1, h2, x), b = [0.1, −0.1].
const W = [
  [0.1, 0.2],
  [0.3, 0.4],
  [0.5, 0.6],
];
const worked: RecurrentWeights = { recurrentKernel: W.slice(0, 2), kernel: W.slice(2), bias: [0.1, -0.1] };

test("the worked example: h_t and o_t match the seed's numbers", () => {
  const h = rnnStep([0.537, 0.462], [2.0], worked);
  assert.ok(maxDiff(h, [0.85972772, 0.88365397]) < 5e-9, `h_t = ${h}`);
  const o = denseStep(h, { kernel: [[1.0], [2.0]], bias: [0.1] });
  assert.equal(o.length, 1);
  assert.ok(Math.abs(o[0] - 2.72703566) < 5e-9, `o_t = ${o}`);
  // the same as tanh([h, x] · W + b) with the concatenated matrix
  const concatenated = [0.537, 0.462, 2.0];
  const byConcatenation = [0, 1].map((j) => Math.tanh(concatenated.reduce((s, v, k) => s + v * W[k][j], worked.bias[j])));
  assert.ok(maxDiff(h, byConcatenation) < 1e-15);
});

test("activations", () => {
  assert.equal(sigmoid(0), 0.5);
  assert.equal(hardSigmoid(0), 0.5);
  assert.equal(hardSigmoid(3), 1);
  assert.equal(hardSigmoid(-3), 0);
  assert.ok(Math.abs(hardSigmoid(1) - 0.7) < 1e-15);
  assert.equal(activate("relu", -2), 0);
  assert.equal(activate("linear", -2), -2);
  assert.equal(activate("tanh", 0.5), Math.tanh(0.5));
  throwsInput(() => activate("softmax" as never, 1), "`name`", '"tanh"');
  throwsInput(() => sigmoid(Number.NaN), "`z`", "finite number");
  throwsInput(() => hardSigmoid("1" as never), "`z`");
});

test("simpleRnnForward equals tf.layers.simpleRNN with the layer's own weights", () => {
  const x = randomBatch(3, 3, 6, 2); // [3 samples, 6 steps, 2 features]
  const layer = tf.layers.simpleRNN({
    units: 4,
    returnSequences: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }),
  });
  const expected = (layer.apply(tf.tensor3d(x)) as tf.Tensor).arraySync() as number[][][]; // [3, 6, 4]
  const weights = recurrentWeightsOf(layer);
  assert.deepEqual([weights.kernel.length, weights.kernel[0].length], [2, 4]);
  assert.deepEqual([weights.recurrentKernel.length, weights.recurrentKernel[0].length], [4, 4]);
  assert.equal(weights.bias.length, 4);
  assert.ok(weights.bias.some((b) => b !== 0), "the bias should be random so that it is tested");
  const byHand = x.map((sequence) => simpleRnnForward(sequence, weights).states);
  assert.ok(maxDiff(byHand, expected) < 1e-5, `max difference ${maxDiff(byHand, expected)}`);
  assert.deepEqual(simpleRnnForward(x[0], weights).last, byHand[0][5]);
});

test("simpleRnnForward steps rnnStep from the initial state", () => {
  const start = [0.2, -0.1];
  const sequence = [[1], [0.5], [-1]];
  const { states } = simpleRnnForward(sequence, worked, { initialState: start });
  let h = start;
  for (let t = 0; t < sequence.length; t++) {
    h = rnnStep(h, sequence[t], worked);
    assert.deepEqual(states[t], h);
  }
  const relu = simpleRnnForward(sequence, worked, { activation: "relu" });
  assert.ok(relu.states.flat().every((v) => v >= 0));
});

function lstmLayer(recurrentActivation?: "sigmoid" | "hardSigmoid"): tf.layers.Layer {
  return tf.layers.lstm({
    units: 3,
    returnSequences: true,
    ...(recurrentActivation ? { recurrentActivation } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 12 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 13 }),
  });
}

test("lstmForward equals tf.layers.lstm (sigmoid gates), and only with the [i, f, c, o] gate order", () => {
  const x = randomBatch(5, 2, 7, 2); // [2 samples, 7 steps, 2 features]
  const layer = lstmLayer("sigmoid");
  const expected = (layer.apply(tf.tensor3d(x)) as tf.Tensor).arraySync() as number[][][]; // [2, 7, 3]
  const weights = recurrentWeightsOf(layer);
  assert.deepEqual([weights.kernel.length, weights.kernel[0].length, weights.recurrentKernel.length, weights.bias.length], [2, 12, 3, 12]);
  const byHand = x.map((sequence) => lstmForward(sequence, weights).states);
  assert.ok(maxDiff(byHand, expected) < 1e-5, `max difference ${maxDiff(byHand, expected)}`);
  const swapped = x.map((sequence) => lstmForward(sequence, weights, { gateOrder: ["forget", "input", "candidate", "output"] }).states);
  assert.ok(maxDiff(swapped, expected) > 1e-3, "a wrong gate order must give other numbers");
});

test("tf.layers.lstm defaults to hard-sigmoid gates; lstmForward follows with recurrentActivation: hardSigmoid", () => {
  const x = randomBatch(6, 2, 5, 2);
  const layer = lstmLayer();
  const expected = (layer.apply(tf.tensor3d(x)) as tf.Tensor).arraySync() as number[][][];
  const weights = recurrentWeightsOf(layer);
  const hard = x.map((sequence) => lstmForward(sequence, weights, { recurrentActivation: "hardSigmoid" }).states);
  assert.ok(maxDiff(hard, expected) < 1e-5, `max difference ${maxDiff(hard, expected)}`);
  const soft = x.map((sequence) => lstmForward(sequence, weights).states);
  assert.ok(maxDiff(soft, expected) > 1e-3, "sigmoid and hard sigmoid gates should differ");
});

test("lstmStep: the gate formulas written out with splitLstmWeights", () => {
  const rng = createRng(9);
  const units = 2;
  const numFeatures = 3;
  const r = () => uniform(rng, -1, 1);
  const weights: RecurrentWeights = {
    kernel: Array.from({ length: numFeatures }, () => Array.from({ length: 4 * units }, r)),
    recurrentKernel: Array.from({ length: units }, () => Array.from({ length: 4 * units }, r)),
    bias: Array.from({ length: 4 * units }, r),
  };
  const h = [0.3, -0.2];
  const c = [0.5, 0.1];
  const x = [1, -1, 0.5];
  const gates = splitLstmWeights(weights);
  assert.deepEqual(Object.keys(gates), [...LSTM_GATES]);
  assert.deepEqual(gates.forget.bias, weights.bias.slice(units, 2 * units));
  const z = (g: RecurrentWeights, j: number) => g.bias[j] + x.reduce((s, v, k) => s + v * g.kernel[k][j], 0) + h.reduce((s, v, k) => s + v * g.recurrentKernel[k][j], 0);
  const step = lstmStep(h, c, x, weights);
  for (let j = 0; j < units; j++) {
    const f = sigmoid(z(gates.forget, j));
    const i = sigmoid(z(gates.input, j));
    const candidate = Math.tanh(z(gates.candidate, j));
    const o = sigmoid(z(gates.output, j));
    const cNew = f * c[j] + i * candidate;
    assert.ok(Math.abs(step.gates.forget[j] - f) < 1e-12);
    assert.ok(Math.abs(step.gates.candidate[j] - candidate) < 1e-12);
    assert.ok(Math.abs(step.c[j] - cNew) < 1e-12);
    assert.ok(Math.abs(step.h[j] - o * Math.tanh(cNew)) < 1e-12);
  }
  const forward = lstmForward([x], weights, { initialState: { h, c } });
  assert.deepEqual(forward.last, step.h);
  assert.deepEqual(forward.lastCell, step.c);
  assert.deepEqual(forward.gates[0], step.gates);
});

test("simpleRnnInputGradients (BPTT by hand) equals tf.grad and finite differences", () => {
  const x = randomBatch(21, 1, 12, 2)[0]; // [12 steps, 2 features]
  const layer = tf.layers.simpleRNN({
    units: 5,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 5 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 6 }),
  });
  const input = tf.tensor3d([x]);
  layer.apply(input);
  const weights = recurrentWeightsOf(layer);
  const byHand = simpleRnnInputGradients(x, weights);
  const auto = (tf.grad((t: tf.Tensor) => (layer.apply(t) as tf.Tensor).sum())(input).arraySync() as number[][][])[0];
  assert.ok(maxDiff(byHand, auto) < 1e-5, `max difference ${maxDiff(byHand, auto)}`);
  // finite differences in float64 on the hand-written forward pass
  const sumLast = (seq: number[][]) => simpleRnnForward(seq, weights).last.reduce((a, b) => a + b, 0);
  const eps = 1e-6;
  for (const [t, k] of [[0, 0], [6, 1], [11, 0]]) {
    const plus = x.map((row) => row.slice());
    const minus = x.map((row) => row.slice());
    plus[t][k] += eps;
    minus[t][k] -= eps;
    const numeric = (sumLast(plus) - sumLast(minus)) / (2 * eps);
    assert.ok(Math.abs(numeric - byHand[t][k]) < 1e-7, `step ${t}: ${numeric} vs ${byHand[t][k]}`);
  }
});

test("inputGradientNorms averages the per-step gradient length over the samples", () => {
  const x = randomBatch(22, 3, 10, 2); // [3 samples, 10 steps, 2 features]
  const layer = tf.layers.simpleRNN({
    units: 4,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 8 }),
  });
  const norms = inputGradientNorms(layer, x);
  assert.equal(norms.length, 10);
  const weights = recurrentWeightsOf(layer);
  const byHand = Array.from({ length: 10 }, (_, t) => {
    const perSample = x.map((sequence) => Math.hypot(...simpleRnnInputGradients(sequence, weights)[t]));
    return perSample.reduce((a, b) => a + b, 0) / perSample.length;
  });
  assert.ok(maxDiff(norms, byHand) < 1e-5, `max difference ${maxDiff(norms, byHand)}`);
  const sequences = tf.layers.simpleRNN({ units: 2, returnSequences: true });
  throwsInput(() => inputGradientNorms(sequences, x), "`layer`", "returnSequences");
  throwsInput(() => inputGradientNorms(layer, [[1, 2]] as never), "`x[0][0]`", "one row");
});

test("argument checks name the argument and the expected shape", () => {
  throwsInput(() => rnnStep([0.5], [2.0], worked), "`previousState`", "2 numbers");
  throwsInput(() => rnnStep([0.5, 0.1], [2.0, 1.0], worked), "`input`", "1 numbers");
  throwsInput(() => rnnStep([0.5, 0.1], [2.0], { ...worked, bias: [0.1] }), "`weights.bias`", "2 numbers");
  throwsInput(() => rnnStep([0.5, 0.1], [2.0], { ...worked, recurrentKernel: W }), "`weights.recurrentKernel`", "SimpleRNN has kernel");
  throwsInput(() => rnnStep([0.5, 0.1], [2.0], worked, { activaton: "tanh" } as never), "unknown key `activaton`");
  throwsInput(() => rnnStep([0.5, 0.1], [2.0], worked, { activation: "gelu" as never }), "`options.activation`");
  throwsInput(() => simpleRnnForward([1, 2, 3] as never, worked), "`sequence`", "[timesteps][numFeatures]");
  throwsInput(() => simpleRnnForward([[1, 2]], worked), "`sequence`", "1 feature(s)");
  throwsInput(() => simpleRnnForward([[1], [Number.NaN]], worked), "`sequence[1][0]`", "finite number");
  throwsInput(() => lstmStep([0, 0], [0, 0], [1], worked), "`weights.recurrentKernel`", "LSTM has kernel");
  const lstmWeights: RecurrentWeights = { kernel: [[1, 2, 3, 4]], recurrentKernel: [[1, 2, 3, 4]], bias: [0, 0, 0, 0] };
  assert.equal(lstmStep([0], [0], [1], lstmWeights).h.length, 1);
  throwsInput(() => lstmStep([0], [0, 1], [1], lstmWeights), "`previousCell`");
  throwsInput(() => lstmStep([0], [0], [1], lstmWeights, { gateOrder: ["input", "input", "candidate", "output"] }), "`options.gateOrder`", "exactly once");
  throwsInput(() => lstmStep([0], [0], [1], lstmWeights, { gateOrder: ["input", "forget", "cell", "output"] as never }), "`options.gateOrder[2]`");
  throwsInput(() => lstmForward([[1]], lstmWeights, { initialState: { h: [0], c: [] } }), "`options.initialState.c`");
  throwsInput(() => denseStep([1, 2, 3], { kernel: [[1], [2]], bias: [0] }), "`input`", "2 numbers");
  throwsInput(() => recurrentWeightsOf(tf.layers.simpleRNN({ units: 2 })), "`layer`", "built layer");
  throwsInput(() => recurrentWeightsOf({} as never), "`layer`");
});
