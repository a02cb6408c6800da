/**
 * Saving a trained model to a folder and loading it back, in TensorFlow.js's
 * own format (`model.json` + `weights.bin`, the files `tfjs-node`'s `file://`
 * handler writes and `tf.loadLayersModel` reads). Plain `@tensorflow/tfjs` has
 * no file handler in Node, so this module brings a small one.
 * Introduced in notebook 09 (generating text).
 *
 * This is the module that writes files; compute modules never do. A save is
 * atomic: the files are written into a fresh temporary folder beside the
 * target, which then replaces the target by renaming, so a reader never sees
 * a half-written model.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Implementation, IMPLEMENTATIONS, useFusedLayers } from "./fused";
import { assertKnownOptions, assertOneOf, described, fail, WorkbookInputError } from "./validate";

/** The file holding the model's architecture, training configuration and weight manifest. */
export const MODEL_JSON = "model.json";
/** The file holding the weights, as one little-endian binary blob. */
export const WEIGHTS_BIN = "weights.bin";

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /**
   * Extra JSON-serialisable information stored in model.json as
   * `userDefinedMetadata` (e.g. `{ vocabulary: vocabulary.toJSON() }`) and
   * returned by `model.getUserDefinedMetadata()` after {@link loadModel}. Default: none.
   */
  metadata?: Record<string, unknown>;
}

/** What {@link saveModel} wrote. */
export interface SavedModelInfo {
  /** The folder, as an absolute path. */
  dir: string;
  /** Bytes of model.json. */
  modelJsonBytes: number;
  /** Bytes of weights.bin. */
  weightBytes: number;
}

/** Checks a folder argument and returns it as an absolute path. */
function folderPath(dir: unknown): string {
  if (typeof dir !== "string" || dir.trim() === "") fail("dir", "a folder path such as \"build/models/text\"", dir);
  return path.resolve(dir);
}

/** Bytes per value of a weight's stored dtype. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the weights described by a manifest take in weights.bin. */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, spec) => {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === undefined) throw new WorkbookInputError("dir", `The weight ${spec.name} has dtype ${dtype}, which saveModel/loadModel do not handle.`);
    return sum + spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }, 0);
}

/** One ArrayBuffer of the weights, whether TensorFlow.js handed over one buffer or several. */
function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return tf.io.CompositeArrayBuffer.join(data);
}

/**
 * Saves `model` (architecture, weights, training configuration) to the folder
 * `dir` as model.json + weights.bin, creating the folder and replacing an
 * earlier save there. Atomic: written into a temporary folder, then renamed.
 * The optimizer's state (e.g. Adam's moments) is not saved: a loaded model is
 * compiled with the same loss and optimizer settings and starts them afresh.
 * Introduced in notebook 09 (generating text).
 */
export async function saveModel(model: tf.LayersModel, dir: string, options: SaveModelOptions = {}): Promise<SavedModelInfo> {
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js LayersModel (e.g. from buildLanguageModel)", model);
  const target = folderPath(dir);
  if (options === null || typeof options !== "object" || Object.keys(options).some((k) => k !== "metadata")) {
    fail("options", "an object with only the key metadata", options);
  }
  if (options.metadata !== undefined) {
    if (options.metadata === null || typeof options.metadata !== "object" || Array.isArray(options.metadata)) {
      fail("options.metadata", "an object of JSON-serialisable values", options.metadata);
    }
    try {
      JSON.stringify(options.metadata);
    } catch (error) {
      fail("options.metadata", "an object of JSON-serialisable values", described(`an object JSON cannot write (${(error as Error).message})`));
    }
  }
  if (existsSync(target) && !statSync(target).isDirectory()) {
    fail("dir", "a folder (or a path where one can be created)", described(`"${target}", which is a file`), "Choose another path.");
  }

  const parent = path.dirname(target);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const temp = path.join(parent, `.${path.basename(target)}.saving-${stamp}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${stamp}`);
  let info: SavedModelInfo | undefined;
  const previousMetadata = model.getUserDefinedMetadata();
  try {
    if (options.metadata !== undefined) model.setUserDefinedMetadata(options.metadata as object);
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        if (!(artifacts.modelTopology && typeof artifacts.modelTopology === "object")) {
          throw new Error("saveModel: TensorFlow.js handed over no model topology to write.");
        }
        const weights = joinWeightData(artifacts.weightData ?? new ArrayBuffer(0));
        const modelJson: Record<string, unknown> = {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format ?? "layers-model",
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        };
        // TensorFlow.js writes the training configuration only with the optimizer's state; we keep
        // the configuration (loss, optimizer and its settings) so the loaded model comes back compiled.
        const trainingConfig = artifacts.trainingConfig ?? (model.optimizer ? (model as unknown as { getTrainingConfig(): unknown }).getTrainingConfig() : undefined);
        if (trainingConfig != null) modelJson.trainingConfig = trainingConfig;
        if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
        const text = JSON.stringify(modelJson);
        mkdirSync(temp);
        writeFileSync(path.join(temp, WEIGHTS_BIN), Buffer.from(weights));
        writeFileSync(path.join(temp, MODEL_JSON), text, "utf8");
        info = { dir: target, modelJsonBytes: Buffer.byteLength(text, "utf8"), weightBytes: weights.byteLength };
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    if (existsSync(target)) renameSync(target, old); // keep the earlier save until the new one is in place
    renameSync(temp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target); // put the earlier save back
    throw error;
  } finally {
    // Leave the model as it was: the metadata belongs to this save, not to the model in memory.
    (model as unknown as { userDefinedMetadata: unknown }).userDefinedMetadata = previousMetadata;
  }
  return info!;
}

/** Throws the error for a folder that holds no readable model, naming the problem and the fix. */
function badFolder(dir: string, problem: string): never {
  return fail(
    "dir",
    `a folder holding ${MODEL_JSON} and ${WEIGHTS_BIN} as written by saveModel`,
    described(`"${dir}", ${problem}`),
    "Save the model again with saveModel(model, dir), or check the path.",
  );
}

/**
 * Loads a model saved by {@link saveModel} (or by `tfjs-node`'s `file://`
 * handler: one weights file per manifest group is fine), compiled again with
 * its training configuration when it was saved with one. Metadata saved with
 * it is in `model.getUserDefinedMetadata()`. A missing folder, a missing or
 * unreadable model.json and weights of the wrong size are errors that say so.
 * Its recurrent layers compute as the builders' do (`implementation`, default
 * `"auto"`: fused where that is faster), so a loaded model gives the very numbers
 * the saved one gave. Introduced in notebook 09 (generating text).
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tf.LayersModel> {
  assertKnownOptions(options, ["implementation"], '{ implementation: "stock" }');
  const implementation = options.implementation ?? "auto";
  assertOneOf("options.implementation", implementation, IMPLEMENTATIONS);
  const folder = folderPath(dir);
  if (!existsSync(folder)) badFolder(folder, "which does not exist");
  if (!statSync(folder).isDirectory()) badFolder(folder, "which is a file, not a folder");
  const jsonPath = path.join(folder, MODEL_JSON);
  if (!existsSync(jsonPath)) badFolder(folder, `which has no ${MODEL_JSON}`);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(readFileSync(jsonPath, "utf8"));
  } catch (error) {
    return badFolder(folder, `whose ${MODEL_JSON} is not valid JSON (${(error as Error).message})`);
  }
  if (modelJson === null || typeof modelJson !== "object" || typeof modelJson.modelTopology !== "object" || modelJson.modelTopology === null) {
    badFolder(folder, `whose ${MODEL_JSON} has no modelTopology (is it a TensorFlow.js layers model?)`);
  }
  if (!Array.isArray(modelJson.weightsManifest)) badFolder(folder, `whose ${MODEL_JSON} has no weightsManifest`);

  const pieces: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) badFolder(folder, `whose ${MODEL_JSON} has a malformed weightsManifest entry`);
    const groupPieces: Buffer[] = [];
    for (const file of group.paths) {
      const weightsPath = path.resolve(folder, file);
      if (path.relative(folder, weightsPath).startsWith("..")) badFolder(folder, `whose ${MODEL_JSON} points outside the folder (${file})`);
      if (!existsSync(weightsPath)) badFolder(folder, `which lacks the weights file ${file} that ${MODEL_JSON} names`);
      groupPieces.push(readFileSync(weightsPath));
    }
    const expected = manifestBytes(group.weights);
    const got = groupPieces.reduce((sum, b) => sum + b.length, 0);
    if (got !== expected) {
      badFolder(folder, `whose weights (${group.paths.join(", ")}) have ${got} bytes where ${MODEL_JSON} describes ${expected}`);
    }
    pieces.push(...groupPieces);
  }
  const all = Buffer.concat(pieces);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    weightSpecs,
    weightData,
  };
  if (modelJson.trainingConfig != null) artifacts.trainingConfig = modelJson.trainingConfig;
  if (modelJson.userDefinedMetadata != null) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    return badFolder(folder, `whose model TensorFlow.js could not rebuild (${(error as Error).message})`);
  }
  useFusedLayers(model, implementation); // the saved file holds stock layers; compute as the builders do
  return model;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** How the loaded model's recurrent layers compute, as in `buildRecurrentModel`'s option of that name. Default: `"auto"`. */
  implementation?: Implementation;
}
