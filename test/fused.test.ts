// Fused recurrent layers (lib/src/fused.ts) against TensorFlow.js's own layers: outputs and
// gradients (inputs and every weight), on the cpu and wasm backends.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/src/backend";
import { ArrayPool, fuseRecurrentLayer, gateExp, layerImplementation, useFusedLayers } from "../lib/src/fused";
import { ACTIVATIONS, buildRecurrentModel } from "../lib/src/models";
import { fit } from "../lib/src/training";
import { patchUnstackGradient } from "../lib/src/patches";
import { createRng } from "../lib/src/random";

patchUnstackGradient(); // the stock layers need it for one time step (TensorFlow.js issue #8255)

/** Relative tolerance of the equality checks (absolute below magnitude 1). */
const TOLERANCE = 1e-5;

type Cell = "lstm" | "gru" | "simpleRNN";

interface Case {
  cell: Cell;
  activation?: string;
  recurrentActivation?: string;
  returnSequences?: boolean;
  stacked?: boolean;
  bidirectional?: boolean;
  goBackwards?: boolean;
  useBias?: boolean;
  units?: number;
  steps?: number;
}

/** A model of one or two recurrent layers as the case describes, with seeded weights. */
function buildCase(c: Case, features: number): tf.LayersModel {
  const units = c.units ?? 5;
  const steps = c.steps ?? 4;
  const layerArgs = (i: number, returnSequences: boolean) => ({
    units,
    returnSequences,
    goBackwards: c.goBackwards ?? false,
    useBias: c.useBias ?? true,
    activation: (c.activation ?? "tanh") as "tanh",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 10 + i }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 20 + i }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 30 + i }),
    ...(c.cell === "simpleRNN" ? {} : { recurrentActivation: (c.recurrentActivation ?? "sigmoid") as "sigmoid" }),
  });
  const make = (i: number, returnSequences: boolean) => {
    const args = layerArgs(i, returnSequences);
    const layer = c.cell === "lstm" ? tf.layers.lstm(args) : c.cell === "gru" ? tf.layers.gru(args) : tf.layers.simpleRNN(args);
    return c.bidirectional ? tf.layers.bidirectional({ layer: layer as tf.RNN, mergeMode: "concat" }) : layer;
  };
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [steps, features] }));
  if (c.stacked) model.add(make(0, true));
  model.add(make(1, c.returnSequences ?? false));
  return model;
}

/** Output and gradients (of Σ output·weights, w.r.t. the input and every weight) as plain numbers. */
function outputsAndGradients(model: tf.LayersModel, x: tf.Variable, outWeights: tf.Tensor) {
  const weights = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const output = tf.tidy(() => Array.from((model.apply(x) as tf.Tensor).dataSync()));
  const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.mul(model.apply(x) as tf.Tensor, outWeights)) as tf.Scalar), [x, ...weights]);
  const result = {
    output,
    loss: value.dataSync()[0],
    grads: [x, ...weights].map((v) => ({ name: v.name, values: Array.from(grads[v.name].dataSync()) })),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

/** Largest error relative to max(1, |expected|). */
function maxError(actual: number[], expected: number[]): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  actual.forEach((a, i) => {
    worst = Math.max(worst, Math.abs(a - expected[i]) / Math.max(1, Math.abs(expected[i])));
  });
  return worst;
}

let variableCount = 0;
const worstSeen = { output: 0, gradient: 0 };

/** Runs one case stock and fused on one backend and compares. */
async function compare(backend: "cpu" | "wasm", c: Case) {
  await selectBackend({ backend });
  const features = 3;
  const model = buildCase(c, features);
  const rng = createRng(5);
  const steps = c.steps ?? 4;
  const batch = 3;
  const x = tf.variable(tf.tensor3d(Float32Array.from({ length: batch * steps * features }, () => rng() * 2 - 1), [batch, steps, features]), true, `x_${++variableCount}`);
  const outShape = model.outputs[0].shape.map((d) => d ?? batch);
  const outWeights = tf.tensor(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1), outShape);
  const before = tf.memory().numTensors;
  const stock = outputsAndGradients(model, x, outWeights);
  const changed = useFusedLayers(model, "fused");
  assert.equal(changed, c.stacked ? 2 : 1);
  const fused = outputsAndGradients(model, x, outWeights);
  // The fused code really ran: the stock layers split the sequence into steps (Unpack); it does not.
  const profile = await tf.profile(() => model.apply(x) as tf.Tensor);
  assert.ok(!profile.kernelNames.includes("Unpack"), `${backend}: fused layers ran ${profile.kernelNames.join(", ")}`);
  tf.dispose(profile.result as tf.Tensor);
  const label = `${backend} ${JSON.stringify(c)}`;
  const outputError = maxError(fused.output, stock.output);
  assert.ok(outputError <= TOLERANCE, `${label}: output differs by ${outputError}`);
  stock.grads.forEach((g, i) => {
    const e = maxError(fused.grads[i].values, g.values);
    worstSeen.gradient = Math.max(worstSeen.gradient, e);
    assert.ok(e <= TOLERANCE, `${label}: gradient of ${g.name} differs by ${e}`);
    const canBeZero = g.name.includes("bias") || (steps === 1 && g.name.includes("recurrent_kernel")); // one step: h_{t-1} = 0
    assert.ok(canBeZero || g.values.some((v) => v !== 0), `${label}: gradient of ${g.name} is not all zero`);
  });
  worstSeen.output = Math.max(worstSeen.output, outputError);
  assert.equal(tf.memory().numTensors, before, `${label}: the fused layer leaves no tensors behind`);
  tf.dispose([x, outWeights]);
  model.dispose();
}

const cells: Cell[] = ["lstm", "gru", "simpleRNN"];

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: every cell with every activation the builders accept equals the stock layer`, async () => {
    for (const cell of cells) {
      for (const activation of ACTIVATIONS) {
        await compare(backend, { cell, activation, returnSequences: activation.length % 2 === 0 });
      }
    }
  });

  test(`${backend}: hardSigmoid and sigmoid gates, returnSequences, stacked, bidirectional, goBackwards, no bias`, async () => {
    for (const cell of cells) {
      for (const recurrentActivation of cell === "simpleRNN" ? [undefined] : ["hardSigmoid", "sigmoid"]) {
        for (const returnSequences of [false, true]) {
          await compare(backend, { cell, recurrentActivation, returnSequences });
        }
        await compare(backend, { cell, recurrentActivation, stacked: true });
        await compare(backend, { cell, recurrentActivation, bidirectional: true, returnSequences: true });
        await compare(backend, { cell, recurrentActivation, bidirectional: true, stacked: true });
        await compare(backend, { cell, recurrentActivation, goBackwards: true, returnSequences: true });
        await compare(backend, { cell, recurrentActivation, useBias: false });
        await compare(backend, { cell, recurrentActivation, steps: 1 });
      }
    }
  });

  test(`${backend}: larger layers (units 64, 12 steps) stay within the tolerance`, async () => {
    for (const cell of cells) await compare(backend, { cell, units: 64, steps: 12, returnSequences: true });
  });
}

after(() => {
  console.log(`fused vs stock, worst relative difference: outputs ${worstSeen.output.toExponential(2)}, gradients ${worstSeen.gradient.toExponential(2)} (tolerance ${TOLERANCE})`);
});

test("gateExp equals Math.exp to float32 accuracy everywhere, and is Math.exp at the edges", () => {
  let worst = 0;
  const check = (x: number) => {
    const exact = Math.exp(x);
    const error = Math.abs(gateExp(x) - exact) / exact;
    if (!(error <= 2e-7)) assert.fail(`gateExp(${x}) = ${gateExp(x)}, Math.exp = ${exact}: relative error ${error}`);
    worst = Math.max(worst, error);
  };
  const rng = createRng(5);
  for (let i = 0; i < 200_000; i++) check(-87 + 175 * rng()); // the fast range, at random
  for (let k = -125; k <= 126; k++) for (const d of [-0.3466, -1e-9, 0, 1e-9, 0.3466]) check(k * Math.LN2 + d); // around every rounding boundary
  for (const x of [-86.99, 87.99, -1e-30, 1e-30, 1e-8, -1e-8]) check(x);
  assert.equal(gateExp(0), 1);
  for (const x of [-87, 88, -100, 100, -1000, 1000, -Infinity, Infinity, Number.NaN]) assert.ok(Object.is(gateExp(x), Math.exp(x)), `gateExp(${x}) is Math.exp there`);
  console.log(`gateExp: worst relative error ${worst.toExponential(2)}`);
});

test("fuseRecurrentLayer marks layers, restores the stock code, and rejects other layers", async () => {
  await selectBackend({ backend: "cpu" });
  const lstm = tf.layers.lstm({ units: 2 });
  assert.equal(layerImplementation(lstm), "stock");
  fuseRecurrentLayer(lstm, "fused");
  assert.equal(layerImplementation(lstm), "fused");
  assert.ok(Object.prototype.hasOwnProperty.call(lstm, "call"));
  fuseRecurrentLayer(lstm, "stock");
  assert.equal(layerImplementation(lstm), "stock");
  assert.ok(!Object.prototype.hasOwnProperty.call(lstm, "call"));
  const bi = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.RNN });
  fuseRecurrentLayer(bi, "auto");
  assert.equal(layerImplementation(bi), "auto");
  assert.throws(() => fuseRecurrentLayer(tf.layers.dense({ units: 1 })), /Expected `layer` to be a SimpleRNN, LSTM or GRU layer/);
  assert.throws(() => fuseRecurrentLayer(lstm, "fast" as never), /Expected `implementation` to be one of "auto", "fused", "stock"/);
});

// ---------------------------------------------------------------------------------------
// buildRecurrentModel with fused layers.

/** Saves a model into memory and returns its artifacts. */
async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  return saved!;
}

test("buildRecurrentModel: fused by default, stock on request, the same seeded weights and the same saved topology", async () => {
  await selectBackend({ backend: "cpu" });
  for (const options of [
    { cell: "lstm" as const, units: [6, 4], bidirectional: true, lookBack: 3, numFeatures: 2, seed: 3 },
    { cell: "gru" as const, units: 5, lookBack: 4, numFeatures: 1, returnSequences: true, seed: 4 },
    { cell: "simpleRNN" as const, units: 5, lookBack: 4, numFeatures: 1, denseUnits: [3], seed: 5 },
  ]) {
    const fused = buildRecurrentModel(options);
    const stock = buildRecurrentModel({ ...options, implementation: "stock" });
    const recurrent = (m: tf.LayersModel) => m.layers.filter((l) => !["Dense", "InputLayer"].includes(l.getClassName()));
    assert.ok(recurrent(fused).every((l) => layerImplementation(l) === "auto"));
    assert.ok(recurrent(stock).every((l) => layerImplementation(l) === "stock"));
    assert.deepEqual(fused.getWeights().map((w) => Array.from(w.dataSync())), stock.getWeights().map((w) => Array.from(w.dataSync())));
    const [a, b] = [await saveToMemory(fused), await saveToMemory(stock)];
    const unnumbered = (t: unknown) => JSON.stringify(t).replace(/\d+"/g, '#"'); // layer names count up: lstm_LSTM1, lstm_LSTM3…
    assert.equal(unnumbered(a.modelTopology), unnumbered(b.modelTopology));
    fused.dispose();
    stock.dispose();
  }
  assert.throws(() => buildRecurrentModel({ lookBack: 3, numFeatures: 1, implementation: "fast" as never }), /Expected `options.implementation` to be one of "auto", "fused", "stock", but got "fast"/);
});

test("a model saved with fused layers loads as a stock Keras-format model, and a stock one loads and fuses, with equal predictions", async () => {
  await selectBackend({ backend: "wasm" });
  const options = { cell: "lstm" as const, units: [5, 4], bidirectional: true, lookBack: 3, numFeatures: 2, seed: 8 };
  const x = tf.tensor3d(Array.from({ length: 4 * 3 * 2 }, (_, i) => Math.sin(i)), [4, 3, 2]);
  const fused = buildRecurrentModel({ ...options, implementation: "fused" });
  const expected = Array.from((fused.predict(x) as tf.Tensor).dataSync());
  const artifacts = await saveToMemory(fused);
  const topology = JSON.stringify(artifacts.modelTopology);
  assert.ok(topology.includes('"class_name":"LSTM"') && topology.includes('"class_name":"Bidirectional"'), "stock class names");
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  assert.ok(loaded.layers.every((l) => layerImplementation(l) === "stock"), "loads as stock layers");
  const stockOut = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
  assert.ok(maxError(stockOut, expected) <= TOLERANCE, "stock predictions of the loaded model");
  assert.equal(useFusedLayers(loaded, "fused"), 2);
  const fusedAgain = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
  assert.ok(maxError(fusedAgain, expected) <= TOLERANCE, "fused predictions of the loaded model");
  // The loaded model trains with its fused layers.
  loaded.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
  const h = await loaded.fit(x, tf.ones([4, 1]), { epochs: 3, verbose: 0 });
  assert.ok((h.history.loss as number[]).every(Number.isFinite));
  tf.dispose([x]);
  fused.dispose();
  loaded.dispose();
});

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: training a few epochs gives the same losses with fused and stock layers`, async () => {
    await selectBackend({ backend });
    const data = Array.from({ length: 24 }, (_, i) => [[Math.sin(i / 3)], [Math.sin((i + 1) / 3)], [Math.sin((i + 2) / 3)]]); // [24, 3, 1]
    const targets = data.map((w) => [w[0][0] + w[1][0] + w[2][0]]); // [24, 1]
    for (const cell of cells) {
      const losses = async (implementation: "fused" | "stock") => {
        const model = buildRecurrentModel({ cell, units: [8, 6], lookBack: 3, numFeatures: 1, seed: 2, learningRate: 0.01, implementation });
        const history = await fit(model, data, targets, { epochs: 8, batchSize: 6, progress: "none", validationSplit: 0.25 });
        model.dispose();
        return [...history.loss, ...history.valLoss];
      };
      const stock = await losses("stock");
      const fused = await losses("fused");
      const error = maxError(fused, stock);
      console.log(`${backend} ${cell}: 8 epochs, loss ${stock[0].toFixed(4)} → ${stock[7].toFixed(4)}; largest difference fused vs stock ${error.toExponential(2)}`);
      assert.ok(stock[7] < stock[0], "the model learns");
      assert.ok(error <= 1e-4, `${backend} ${cell}: losses differ by ${error}`);
    }
  });
}

test("ArrayPool: arrays come back zero-filled and reused by length, up to the pool's limit", () => {
  const pool = new ArrayPool(100); // bytes
  const a = pool.take(10);
  assert.deepEqual(Array.from(a), new Array(10).fill(0));
  a.fill(7);
  pool.give(a);
  assert.equal(pool.heldBytes, 40);
  assert.notEqual(pool.take(11), a, "another length: a new array");
  const again = pool.take(10);
  assert.equal(again, a, "the same length: the array given back");
  assert.deepEqual(Array.from(again), new Array(10).fill(0), "zero-filled again");
  assert.equal(pool.heldBytes, 0);
  pool.give(new Float32Array(20), new Float32Array(20)); // 80 + 80 bytes: only the first fits under 100
  assert.equal(pool.heldBytes, 80);
  pool.give(new Float32Array(0));
  assert.equal(pool.heldBytes, 80, "empty arrays are not kept");
});
