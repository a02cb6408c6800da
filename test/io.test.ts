import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadModel, MODEL_JSON, saveModel, WEIGHTS_BIN } from "../lib/src/io";
import { buildLanguageModel, buildRecurrentModel } from "../lib/src/models";
import { layerImplementation } from "../lib/src/fused";
import { WorkbookInputError } from "../lib/src/validate";

tf.setBackend("cpu");

const scratch = mkdtempSync(path.join(tmpdir(), "rnn-workbook-io-"));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

/** Asserts a rejected promise with a WorkbookInputError naming `argument` and matching `pattern`. */
async function rejectsInput(promise: Promise<unknown>, argument: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WorkbookInputError, `expected a WorkbookInputError, got ${error}`);
    assert.equal(error.argument, argument);
    assert.match(error.message, pattern);
    return true;
  });
}

function languageModel(seed = 1) {
  return buildLanguageModel({ vocabularySize: 7, cell: "lstm", units: 5, embeddingSize: 3, seed, learningRate: 0.01 });
}

test("round trip: the loaded model has the same weights, predictions, metadata and compiled loss", async () => {
  const model = languageModel();
  const dir = path.join(scratch, "round-trip", "model");
  const info = await saveModel(model, dir, { metadata: { vocabulary: ["a", "b", "\n"], note: "test" } });
  assert.equal(info.dir, path.resolve(dir));
  assert.deepEqual(readdirSync(dir).sort(), [MODEL_JSON, WEIGHTS_BIN]);
  assert.equal(statSync(path.join(dir, WEIGHTS_BIN)).size, info.weightBytes);
  assert.equal(model.getUserDefinedMetadata(), undefined, "saving leaves the model in memory as it was");

  const loaded = await loadModel(dir);
  assert.equal(layerImplementation(loaded.layers[1]), "auto", "its recurrent layer computes as the builder's does (fused where faster)");
  const x = tf.tensor2d([[0, 1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1, 0]], undefined, "int32");
  const a = (model.predict(x) as tf.Tensor).arraySync();
  const b = (loaded.predict(x) as tf.Tensor).arraySync();
  assert.deepEqual(b, a, "exactly the saved model's numbers");
  const stock = await loadModel(dir, { implementation: "stock" });
  assert.equal(layerImplementation(stock.layers[1]), "stock");
  await rejectsInput(loadModel(dir, { implementation: "fast" } as never), "options.implementation", /one of/);
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(loaded), weights(model));
  assert.deepEqual(loaded.getUserDefinedMetadata(), { vocabulary: ["a", "b", "\n"], note: "test" });
  assert.equal(loaded.loss, "sparseCategoricalCrossentropy", "compiled again from the saved training configuration");
  // It can train on (it is compiled).
  const h = await loaded.fit(x, tf.zeros([2, 7, 1]), { epochs: 1, verbose: 0 });
  assert.ok(Number.isFinite(h.history.loss[0] as number));
  model.dispose();
  loaded.dispose();
});

test("saving again replaces the earlier save atomically and leaves no temporary folders", async () => {
  const dir = path.join(scratch, "replace");
  await saveModel(languageModel(1), dir);
  const first = readFileSync(path.join(dir, WEIGHTS_BIN));
  const second = languageModel(2);
  await saveModel(second, dir);
  assert.notDeepEqual(readFileSync(path.join(dir, WEIGHTS_BIN)), first);
  assert.deepEqual(readdirSync(scratch).filter((name) => name.includes(".saving-") || name.includes(".old-")), []);
  const loaded = await loadModel(dir);
  assert.deepEqual(loaded.getWeights()[0].arraySync(), second.getWeights()[0].arraySync());
});

test("a forecasting model (rank-3 input) round-trips too", async () => {
  const model = buildRecurrentModel({ cell: "gru", units: 4, lookBack: 3, numFeatures: 2, seed: 4 });
  const dir = path.join(scratch, "forecaster");
  await saveModel(model, dir);
  const loaded = await loadModel(dir);
  const x = tf.randomUniform([2, 3, 2], 0, 1, "float32", 1);
  assert.deepEqual((loaded.predict(x) as tf.Tensor).arraySync(), (model.predict(x) as tf.Tensor).arraySync());
});

test("loadModel: a missing folder, a file, no model.json", async () => {
  await rejectsInput(loadModel(path.join(scratch, "nowhere")), "dir", /nowhere", which does not exist.*saveModel\(model, dir\)/);
  const file = path.join(scratch, "a-file");
  writeFileSync(file, "x");
  await rejectsInput(loadModel(file), "dir", /which is a file/);
  const empty = path.join(scratch, "empty");
  rmSync(empty, { recursive: true, force: true });
  await saveModel(languageModel(), empty);
  rmSync(path.join(empty, MODEL_JSON));
  await rejectsInput(loadModel(empty), "dir", /which has no model\.json/);
  await rejectsInput(loadModel(""), "dir", /folder path/);
});

test("loadModel: corrupt model.json, missing or wrong-sized weights", async () => {
  const dir = path.join(scratch, "corrupt");
  await saveModel(languageModel(), dir);
  const json = readFileSync(path.join(dir, MODEL_JSON), "utf8");
  const weights = readFileSync(path.join(dir, WEIGHTS_BIN));

  writeFileSync(path.join(dir, MODEL_JSON), json.slice(0, json.length / 2)); // truncated
  await rejectsInput(loadModel(dir), "dir", /model\.json is not valid JSON/);
  writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify({ hello: 1 }));
  await rejectsInput(loadModel(dir), "dir", /has no modelTopology/);
  writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify({ ...JSON.parse(json), weightsManifest: undefined }));
  await rejectsInput(loadModel(dir), "dir", /has no weightsManifest/);
  writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify({ ...JSON.parse(json), modelTopology: { class_name: "Nonsense", config: {} } }));
  await rejectsInput(loadModel(dir), "dir", /TensorFlow\.js could not rebuild/);
  writeFileSync(path.join(dir, MODEL_JSON), json);

  writeFileSync(path.join(dir, WEIGHTS_BIN), weights.subarray(0, weights.length - 4)); // one float short
  await rejectsInput(loadModel(dir), "dir", new RegExp(`have ${weights.length - 4} bytes where model\\.json describes ${weights.length}`));
  writeFileSync(path.join(dir, WEIGHTS_BIN), Buffer.concat([weights, Buffer.alloc(8)]));
  await rejectsInput(loadModel(dir), "dir", /bytes where model\.json describes/);
  rmSync(path.join(dir, WEIGHTS_BIN));
  await rejectsInput(loadModel(dir), "dir", /lacks the weights file \.\/weights\.bin/);
  writeFileSync(path.join(dir, WEIGHTS_BIN), weights);
  assert.ok(await loadModel(dir), "restored files load again");
});

test("saveModel bad input", async () => {
  const model = languageModel();
  await rejectsInput(saveModel({} as never, path.join(scratch, "x")), "model", /LayersModel/);
  await rejectsInput(saveModel(model, "  "), "dir", /folder path/);
  const file = path.join(scratch, "not-a-folder");
  writeFileSync(file, "x");
  await rejectsInput(saveModel(model, file), "dir", /which is a file/);
  await rejectsInput(saveModel(model, path.join(scratch, "y"), { metadata: [1] as never }), "options.metadata", /object of JSON-serialisable values/);
  await rejectsInput(saveModel(model, path.join(scratch, "y"), { meta: {} } as never), "options", /only the key metadata/);
  assert.equal(existsSync(path.join(scratch, "y")), false, "nothing written after bad input");
});
