/**
 * Model builders: recurrent (SimpleRNN, LSTM, GRU; stacked; bidirectional)
 * and a dense baseline, each from one options object, with seeded
 * initialisers so the same seed gives the same weights.
 * Introduced in notebook 02 (one-to-one).
 */
import * as tf from "@tensorflow/tfjs";
import { useFusedLoss } from "./losses";
import { FusedAdamOptimizer } from "./optimizers";
import { assertFiniteNumber, assertKnownOptions, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, fail } from "./validate";
import { fuseRecurrentLayer, Implementation, IMPLEMENTATIONS } from "./fused";
import { patchUnstackGradient } from "./patches";

/** A kernel initialiser object as TensorFlow.js creates it. */
type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** Recurrent cells the builders know. */
export const CELL_TYPES = ["simpleRNN", "lstm", "gru"] as const;
/** One of {@link CELL_TYPES}. */
export type CellType = (typeof CELL_TYPES)[number];

/** Activation functions the builders accept. */
export const ACTIVATIONS = ["tanh", "relu", "linear", "sigmoid", "elu", "selu", "softplus", "softmax"] as const;
/** One of {@link ACTIVATIONS}. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Optimizers the builders accept. */
export const OPTIMIZERS = ["adam", "rmsprop", "sgd"] as const;
/** One of {@link OPTIMIZERS}. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Loss functions the builders accept. */
export const LOSSES = ["meanSquaredError", "meanAbsoluteError", "sparseCategoricalCrossentropy"] as const;
/** One of {@link LOSSES}. */
export type LossName = (typeof LOSSES)[number];

/** Kernel initialisers the builders accept (all seeded). */
export const INITIALIZERS = ["glorotUniform", "heNormal", "heUniform"] as const;
/** One of {@link INITIALIZERS}. */
export type InitializerName = (typeof INITIALIZERS)[number];

/** How a bidirectional layer merges its two directions. */
export const MERGE_MODES = ["concat", "sum", "ave", "mul"] as const;
/** One of {@link MERGE_MODES}. */
export type MergeMode = (typeof MERGE_MODES)[number];

/** How a model is compiled. */
export interface CompileOptions {
  /** Optimizer. Default: `"adam"`. */
  optimizer?: OptimizerName;
  /** Learning rate of the optimizer. Default: 0.001. */
  learningRate?: number;
  /** Loss minimised in training. Default: `"meanSquaredError"`. */
  loss?: LossName;
  /** Extra metrics reported during training, e.g. `["mae"]`. Default: none. */
  metrics?: string[];
}

/** Options every builder shares: input shape, output size, seed and compilation. */
export interface ModelOptions extends CompileOptions {
  /** Time steps per input window (the `timesteps` of `[samples, timesteps, features]`). Required. */
  lookBack: number;
  /** Features per time step (the `features` of `[samples, timesteps, features]`). Required. */
  numFeatures: number;
  /** Units of the output layer (values predicted per sample, or per step). Default: 1. */
  outputs?: number;
  /** Activation of the output layer. Default: `"linear"`. */
  outputActivation?: ActivationName;
  /** Seed of every initialiser; the same seed gives the same weights. Default: 42. */
  seed?: number;
  /** Initialiser of the input kernels. Default: `"glorotUniform"`. */
  kernelInitializer?: InitializerName;
}

/** Options for {@link buildRecurrentModel}. */
export interface RecurrentModelOptions extends ModelOptions {
  /** Recurrent cell. Default: `"lstm"`. */
  cell?: CellType;
  /** Units of each recurrent layer; more than one entry stacks layers. Default: 50. */
  units?: number | number[];
  /** Activation of the recurrent layers. Default: `"tanh"`. */
  activation?: ActivationName;
  /** Wrap every recurrent layer in a bidirectional layer. Default: false. */
  bidirectional?: boolean;
  /** How a bidirectional layer merges its directions. Default: `"concat"`. */
  mergeMode?: MergeMode;
  /** Let the last recurrent layer return every time step (many-to-many). Default: false. */
  returnSequences?: boolean;
  /** Units of dense layers between the recurrent part and the output. Default: none. */
  denseUnits?: number[];
  /** Activation of those dense layers. Default: `"relu"`. */
  denseActivation?: ActivationName;
  /**
   * How the recurrent layers compute, one of `"auto"`, `"fused"`, `"stock"` (see
   * `fuseRecurrentLayer`): `"fused"` runs each layer's whole sequence, and its
   * backpropagation through time, as one operation — several times faster on the wasm and
   * cpu backends, equal to the stock layers within float32 rounding; `"stock"` uses
   * TensorFlow.js's own code; `"auto"` is fused except on the native `tensorflow` backend.
   * The layers' class, configuration and weights are the stock ones either way, so saved
   * models are the same. Default: `"auto"`.
   */
  implementation?: Implementation;
}

/** Options for {@link buildDenseModel}. */
export interface DenseModelOptions extends ModelOptions {
  /** Units of each hidden dense layer; `[]` means no hidden layer, i.e. a linear model of the window. Default: [50]. */
  units?: number | number[];
  /** Activation of the hidden layers. Default: `"relu"`. */
  activation?: ActivationName;
}

/** Option names shared by every builder. */
const MODEL_OPTION_KEYS = ["optimizer", "learningRate", "loss", "metrics", "lookBack", "numFeatures", "outputs", "outputActivation", "seed", "kernelInitializer"];

/** Checks the options every builder shares and fills in their defaults. */
function checkModelOptions<T extends ModelOptions>(options: T, builder: string, extraKeys: string[]) {
  assertKnownOptions(options, [...MODEL_OPTION_KEYS, ...extraKeys], `${builder}({ lookBack: 3, numFeatures: 1 })`);
  assertPositiveInteger("options.lookBack", options.lookBack, "It is the number of time steps per sample, x.shape[1].");
  assertPositiveInteger("options.numFeatures", options.numFeatures, "It is the number of features per step, x.shape[2].");
  const outputs = options.outputs ?? 1;
  assertPositiveInteger("options.outputs", outputs, "It is the number of values predicted per sample, y.shape[1].");
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const learningRate = options.learningRate ?? 0.001;
  assertFiniteNumber("options.learningRate", learningRate);
  if (learningRate <= 0) fail("options.learningRate", "a positive number such as 0.001", learningRate);
  const optimizer = options.optimizer ?? "adam";
  assertOneOf("options.optimizer", optimizer, OPTIMIZERS);
  const loss = options.loss ?? "meanSquaredError";
  assertOneOf("options.loss", loss, LOSSES);
  const outputActivation = options.outputActivation ?? "linear";
  assertOneOf("options.outputActivation", outputActivation, ACTIVATIONS);
  const kernelInitializer = options.kernelInitializer ?? "glorotUniform";
  assertOneOf("options.kernelInitializer", kernelInitializer, INITIALIZERS);
  const metrics = options.metrics ?? [];
  if (!Array.isArray(metrics) || metrics.some((m) => typeof m !== "string")) {
    fail("options.metrics", 'an array of metric names such as ["mae"]', metrics);
  }
  return { ...options, outputs, seed, learningRate, optimizer, loss, outputActivation, kernelInitializer, metrics };
}

/** Normalises a units option to a list of positive integers, non-empty unless `allowEmpty`. */
function unitsList(name: string, units: number | number[], allowEmpty = false): number[] {
  const list = Array.isArray(units) ? units : [units];
  if (list.length === 0 && !allowEmpty) fail(name, "a positive integer or a non-empty array of them", units);
  list.forEach((u, i) => assertPositiveInteger(Array.isArray(units) ? `${name}[${i}]` : name, u));
  return list;
}

/** A seeded kernel initialiser; `index` makes each layer's seed different. */
function kernelInit(name: InitializerName, seed: number, index: number): Initializer {
  const args = { seed: seed * 101 + index };
  if (name === "heNormal") return tf.initializers.heNormal(args);
  if (name === "heUniform") return tf.initializers.heUniform(args);
  return tf.initializers.glorotUniform(args);
}

/**
 * Creates the optimizer named in the options. Adam is {@link FusedAdamOptimizer} (the same
 * numbers as `tf.train.adam`, one pass over all weights instead of about ten kernels per
 * weight), except on the native `tensorflow` backend, whose own kernels are cheap.
 */
export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  assertOneOf("optimizer", name, OPTIMIZERS);
  if (name === "rmsprop") return tf.train.rmsprop(learningRate);
  if (name === "sgd") return tf.train.sgd(learningRate);
  return tf.getBackend() === "tensorflow" ? tf.train.adam(learningRate) : new FusedAdamOptimizer(learningRate);
}

/**
 * Compiles `model` with the given optimizer, learning rate, loss and metrics. On cpu and wasm
 * Adam is the fused one (optimizers.ts) and "meanSquaredError" is computed as one operation
 * (losses.ts): the same numbers, far fewer kernels per batch for a small model.
 */
export function compileModel(model: tf.LayersModel, options: CompileOptions = {}): tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js LayersModel (e.g. from buildRecurrentModel)", model);
  const optimizer = options.optimizer ?? "adam";
  assertOneOf("options.optimizer", optimizer, OPTIMIZERS);
  const loss = options.loss ?? "meanSquaredError";
  assertOneOf("options.loss", loss, LOSSES);
  const learningRate = options.learningRate ?? 0.001;
  assertFiniteNumber("options.learningRate", learningRate);
  model.compile({ optimizer: makeOptimizer(optimizer, learningRate), loss, metrics: options.metrics ?? [] });
  // The same loss in one operation (losses.ts), except on native TensorFlow, whose kernels are cheap.
  if (tf.getBackend() !== "tensorflow") useFusedLoss(model);
  // The optimizer was made here for this model alone: let model.dispose() free its state too,
  // as TensorFlow.js does for optimizers it creates from a name.
  (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
  return model;
}

/** Creates one recurrent layer of the chosen cell. */
function recurrentLayer(
  cell: CellType,
  units: number,
  activation: ActivationName,
  returnSequences: boolean,
  kernelInitializer: Initializer,
  recurrentSeed: number,
): tf.RNN {
  const common = {
    units,
    activation,
    returnSequences,
    kernelInitializer,
    recurrentInitializer: tf.initializers.orthogonal({ seed: recurrentSeed }),
    biasInitializer: "zeros" as const,
  };
  if (cell === "simpleRNN") return tf.layers.simpleRNN(common);
  // Keras uses the logistic sigmoid for the gates; tfjs defaults to hardSigmoid.
  if (cell === "gru") return tf.layers.gru({ ...common, recurrentActivation: "sigmoid" });
  return tf.layers.lstm({ ...common, recurrentActivation: "sigmoid", unitForgetBias: true });
}

/** The recurrent layers' options every builder shares, checked, with their defaults filled in. */
function recurrentChoices(options: Pick<RecurrentModelOptions, "cell" | "units" | "activation" | "implementation">) {
  const cell = options.cell ?? "lstm";
  assertOneOf("options.cell", cell, CELL_TYPES);
  const units = unitsList("options.units", options.units ?? 50);
  const activation = options.activation ?? "tanh";
  assertOneOf("options.activation", activation, ACTIVATIONS);
  const implementation = options.implementation ?? "auto";
  assertOneOf("options.implementation", implementation, IMPLEMENTATIONS);
  return { cell, units, activation, implementation };
}

/**
 * Builds and compiles a recurrent network:
 * input `[samples, lookBack, numFeatures]` → recurrent layer(s) → dense head → `outputs`.
 * Introduced in notebook 02 (one-to-one); stacked and bidirectional in notebook 03.
 */
export function buildRecurrentModel(options: RecurrentModelOptions): tf.Sequential {
  const o = checkModelOptions(options, "buildRecurrentModel", [
    "cell", "units", "activation", "bidirectional", "mergeMode", "returnSequences", "denseUnits", "denseActivation", "implementation",
  ]);
  const { cell, units, activation, implementation } = recurrentChoices(o);
  const mergeMode = o.mergeMode ?? "concat";
  assertOneOf("options.mergeMode", mergeMode, MERGE_MODES);
  const denseUnits = o.denseUnits === undefined ? [] : unitsList("options.denseUnits", o.denseUnits);
  const denseActivation = o.denseActivation ?? "relu";
  assertOneOf("options.denseActivation", denseActivation, ACTIVATIONS);

  patchUnstackGradient(); // stacked layers on one time step need it (TensorFlow.js issue #8255)
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [o.lookBack, o.numFeatures] })); // [samples, lookBack, numFeatures]
  let layerIndex = 0;
  units.forEach((u, i) => {
    const last = i === units.length - 1;
    const returnSequences = !last || o.returnSequences === true; // stacked layers pass every step on
    const layer = recurrentLayer(cell, u, activation, returnSequences, kernelInit(o.kernelInitializer, o.seed, layerIndex), o.seed * 101 + 50 + layerIndex);
    layerIndex++;
    const wrapped = o.bidirectional ? tf.layers.bidirectional({ layer, mergeMode }) : layer;
    model.add(fuseRecurrentLayer(wrapped, implementation)); // [samples, (lookBack,) units·directions]
  });
  for (const u of denseUnits) {
    model.add(tf.layers.dense({ units: u, activation: denseActivation, kernelInitializer: kernelInit(o.kernelInitializer, o.seed, layerIndex++) }));
  }
  model.add(
    tf.layers.dense({ units: o.outputs, activation: o.outputActivation, kernelInitializer: kernelInit("glorotUniform", o.seed, layerIndex) }),
  ); // [samples, outputs] (or [samples, lookBack, outputs] with returnSequences)
  compileModel(model, o);
  return model;
}

/**
 * Builds and compiles the dense baseline: the window is flattened
 * (`[samples, lookBack·numFeatures]`) and passed through dense layers.
 * With `units: []` there is no hidden layer: a linear model of the whole window
 * (linear autoregression), the baseline of notebook 08.
 * Introduced in notebook 02 (one-to-one), where one time step is no sequence.
 */
export function buildDenseModel(options: DenseModelOptions): tf.Sequential {
  const o = checkModelOptions(options, "buildDenseModel", ["units", "activation"]);
  const units = unitsList("options.units", o.units ?? [50], true);
  const activation = o.activation ?? "relu";
  assertOneOf("options.activation", activation, ACTIVATIONS);
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [o.lookBack, o.numFeatures] })); // [samples, lookBack, numFeatures]
  model.add(tf.layers.flatten()); // [samples, lookBack·numFeatures]
  units.forEach((u, i) => {
    model.add(tf.layers.dense({ units: u, activation, kernelInitializer: kernelInit(o.kernelInitializer, o.seed, i) }));
  });
  model.add(tf.layers.dense({ units: o.outputs, activation: o.outputActivation, kernelInitializer: kernelInit("glorotUniform", o.seed, units.length) })); // [samples, outputs]
  compileModel(model, o);
  return model;
}

/** Total number of trainable weights of a model. */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Options for {@link buildLanguageModel}. */
export interface LanguageModelOptions
  extends Omit<CompileOptions, "loss">,
    Pick<RecurrentModelOptions, "cell" | "units" | "activation" | "seed" | "kernelInitializer" | "implementation"> {
  /** Characters (or tokens) in the vocabulary: the embedding's input size and the softmax's width. Required. */
  vocabularySize: number;
  /** Length of the vector the embedding gives each character. Default: 16. */
  embeddingSize?: number;
  /** Time steps per input sequence. Default: any length (the model takes sequences of every length). */
  lookBack?: number;
  /** Loss minimised in training. Default: `"sparseCategoricalCrossentropy"` (the only one that fits a softmax over ids). */
  loss?: "sparseCategoricalCrossentropy";
}

/**
 * Builds and compiles a many-to-many language model: character ids
 * `[samples, timesteps]` → Embedding → recurrent layer(s) returning every step →
 * Dense softmax over the vocabulary at every step `[samples, timesteps, vocabularySize]`,
 * trained with sparse categorical cross-entropy (a target id at every step).
 * Introduced in notebook 09 (generating text).
 */
export function buildLanguageModel(options: LanguageModelOptions): tf.Sequential {
  assertKnownOptions(
    options,
    ["optimizer", "learningRate", "loss", "metrics", "cell", "units", "activation", "seed", "kernelInitializer", "vocabularySize", "embeddingSize", "lookBack", "implementation"],
    "buildLanguageModel({ vocabularySize: vocabulary.size, units: 64 })",
  );
  assertPositiveInteger("options.vocabularySize", options.vocabularySize, "Pass vocabulary.size.");
  const embeddingSize = options.embeddingSize ?? 16;
  assertPositiveInteger("options.embeddingSize", embeddingSize);
  if (options.lookBack !== undefined) assertPositiveInteger("options.lookBack", options.lookBack, "It is the number of characters per sequence, x.shape[1]; leave it out for any length.");
  const loss = options.loss ?? "sparseCategoricalCrossentropy";
  assertOneOf("options.loss", loss, ["sparseCategoricalCrossentropy"] as const, "A softmax over character ids is trained with sparse categorical cross-entropy.");
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const { cell, units, activation, implementation } = recurrentChoices(options);
  const kernelInitializer = options.kernelInitializer ?? "glorotUniform";
  assertOneOf("options.kernelInitializer", kernelInitializer, INITIALIZERS);
  const learningRate = options.learningRate ?? 0.001;
  assertFiniteNumber("options.learningRate", learningRate);
  if (learningRate <= 0) fail("options.learningRate", "a positive number such as 0.001", learningRate);

  const model = tf.sequential();
  model.add(
    tf.layers.embedding({
      inputDim: options.vocabularySize,
      outputDim: embeddingSize,
      inputShape: [options.lookBack ?? null],
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed * 101 + 90 }),
    }),
  ); // [samples, timesteps] → [samples, timesteps, embeddingSize]
  units.forEach((u, i) => {
    const layer = recurrentLayer(cell, u, activation, true, kernelInit(kernelInitializer, seed, i), seed * 101 + 50 + i);
    model.add(fuseRecurrentLayer(layer, implementation)); // [samples, timesteps, units]
  });
  model.add(
    tf.layers.dense({ units: options.vocabularySize, activation: "softmax", kernelInitializer: kernelInit("glorotUniform", seed, units.length) }),
  ); // [samples, timesteps, vocabularySize]: a dense layer on a sequence acts on every step (time-distributed)
  compileModel(model, { optimizer: options.optimizer, learningRate, loss, metrics: options.metrics });
  return model;
}
