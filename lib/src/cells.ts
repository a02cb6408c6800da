/**
 * Recurrent cells written out by hand on plain arrays: one SimpleRNN step, a
 * whole SimpleRNN pass, one LSTM step with its four gates, a whole LSTM pass,
 * and backpropagation through time for the SimpleRNN. Slow, but every number
 * can be followed with a pencil; the weights use the same layout as
 * TensorFlow.js and Keras, so a layer's own weights drop straight in.
 * Introduced in notebook 01 (an RNN cell by hand).
 *
 * Layouts (`units` hidden units, `numFeatures` input features):
 * * SimpleRNN: kernel `[numFeatures][units]`, recurrentKernel `[units][units]`, bias `[units]`.
 * * LSTM: kernel `[numFeatures][4·units]`, recurrentKernel `[units][4·units]`, bias `[4·units]`;
 *   the columns are four blocks of `units`, one per gate, in the order
 *   input, forget, candidate, output (`[i, f, c, o]`), as in TensorFlow.js and Keras.
 */
import * as tf from "@tensorflow/tfjs";
import { assert3D, assertFiniteNumber, assertKnownOptions, assertMatrix, assertOneOf, assertSeries, described, fail } from "./validate";

/** Weights of a recurrent layer as plain arrays, in the TensorFlow.js / Keras layout. */
export interface RecurrentWeights {
  /** Input weights, `[numFeatures][units]` (SimpleRNN) or `[numFeatures][4·units]` (LSTM). */
  kernel: number[][];
  /** State-to-state weights, `[units][units]` (SimpleRNN) or `[units][4·units]` (LSTM). */
  recurrentKernel: number[][];
  /** Biases, `[units]` (SimpleRNN) or `[4·units]` (LSTM). */
  bias: number[];
}

/** Weights of a dense (fully connected) layer as plain arrays. */
export interface DenseWeights {
  /** `[inputs][outputs]`. */
  kernel: number[][];
  /** `[outputs]`. */
  bias: number[];
}

/** Activation functions the hand-written cells know. */
export const CELL_ACTIVATIONS = ["tanh", "sigmoid", "hardSigmoid", "relu", "linear"] as const;
/** One of {@link CELL_ACTIVATIONS}. */
export type CellActivation = (typeof CELL_ACTIVATIONS)[number];

/** The four LSTM gates, in the column order TensorFlow.js and Keras use. */
export const LSTM_GATES = ["input", "forget", "candidate", "output"] as const;
/** One of {@link LSTM_GATES}. */
export type LstmGate = (typeof LSTM_GATES)[number];

/** The logistic sigmoid 1 / (1 + e^(−z)). Introduced in notebook 01. */
export function sigmoid(z: number): number {
  assertFiniteNumber("z", z);
  return logistic(z);
}

/** TensorFlow.js's hard sigmoid, clip(0.2·z + 0.5, 0, 1): its default LSTM gate activation. Introduced in notebook 01. */
export function hardSigmoid(z: number): number {
  assertFiniteNumber("z", z);
  return hardLogistic(z);
}

/** Applies the named activation to one number. Introduced in notebook 01. */
export function activate(name: CellActivation, z: number): number {
  assertOneOf("name", name, CELL_ACTIVATIONS);
  assertFiniteNumber("z", z);
  return applyActivation(name, z);
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function hardLogistic(z: number): number {
  return Math.min(1, Math.max(0, 0.2 * z + 0.5));
}

function applyActivation(name: CellActivation, z: number): number {
  switch (name) {
    case "tanh":
      return Math.tanh(z);
    case "sigmoid":
      return logistic(z);
    case "hardSigmoid":
      return hardLogistic(z);
    case "relu":
      return z > 0 ? z : 0;
    default:
      return z;
  }
}

/** The activation's derivative, written in terms of its output `a` (what backpropagation has at hand). */
function derivativeFromOutput(name: CellActivation, a: number): number {
  switch (name) {
    case "tanh":
      return 1 - a * a;
    case "sigmoid":
      return a * (1 - a);
    case "hardSigmoid":
      return a > 0 && a < 1 ? 0.2 : 0;
    case "relu":
      return a > 0 ? 1 : 0;
    default:
      return 1;
  }
}

/** `bias + Σ_k input[k] · kernel[k][j]` for every column j: a row vector times a matrix, plus a bias. */
function affine(input: number[], kernel: number[][], bias: number[]): number[] {
  const out = bias.slice();
  for (let k = 0; k < input.length; k++) {
    const row = kernel[k];
    const v = input[k];
    for (let j = 0; j < out.length; j++) out[j] += v * row[j];
  }
  return out;
}

/** Adds `input · kernel` to `out` in place. */
function addProduct(out: number[], input: number[], kernel: number[][]): void {
  for (let k = 0; k < input.length; k++) {
    const row = kernel[k];
    const v = input[k];
    for (let j = 0; j < out.length; j++) out[j] += v * row[j];
  }
}

/** Checks a weights object with `gates` column blocks and returns `{ numFeatures, units }`. */
function checkRecurrentWeights(name: string, weights: RecurrentWeights, gates: number, cell: string): { numFeatures: number; units: number } {
  if (weights === null || typeof weights !== "object" || Array.isArray(weights)) {
    fail(name, "an object { kernel, recurrentKernel, bias }", weights, "Get one from a layer with recurrentWeightsOf(layer).");
  }
  const [numFeatures, kernelColumns] = assertMatrix(`${name}.kernel`, weights.kernel);
  const [units, recurrentColumns] = assertMatrix(`${name}.recurrentKernel`, weights.recurrentKernel);
  const layout =
    gates === 1
      ? "A SimpleRNN has kernel [numFeatures][units], recurrentKernel [units][units] and bias [units]."
      : "An LSTM has kernel [numFeatures][4·units], recurrentKernel [units][4·units] and bias [4·units].";
  if (recurrentColumns !== gates * units) {
    fail(
      `${name}.recurrentKernel`,
      `${units} rows of ${gates * units} columns (${gates === 1 ? "square: units × units" : "4·units columns"}) for ${cell}`,
      described(`${units} rows of ${recurrentColumns} columns`),
      layout,
    );
  }
  if (kernelColumns !== gates * units) {
    fail(`${name}.kernel`, `${gates * units} columns (${gates === 1 ? "units" : "4·units"}, like recurrentKernel)`, described(`${kernelColumns} columns`), layout);
  }
  const bias = assertSeries(`${name}.bias`, weights.bias);
  if (bias.length !== gates * units) {
    fail(`${name}.bias`, `${gates * units} numbers (${gates === 1 ? "units" : "4·units"})`, described(`${bias.length} numbers`), layout);
  }
  return { numFeatures, units };
}

/** Checks a vector of the expected length. */
function checkVector(name: string, values: unknown, length: number, what: string): number[] {
  const list = assertSeries(name, values);
  if (list.length !== length) fail(name, `${length} numbers (${what})`, described(`${list.length} numbers`));
  return list;
}

/** Checks one sequence `[timesteps][numFeatures]`. */
function checkSequence(name: string, sequence: unknown, numFeatures: number): number {
  if (Array.isArray(sequence) && sequence.length > 0 && !Array.isArray(sequence[0])) {
    fail(name, "a 2-D array [timesteps][numFeatures]", sequence, "Wrap each time step's features in an array, e.g. [[0.5], [0.7]]. For a batch, call once per sample.");
  }
  const [timesteps, features] = assertMatrix(name, sequence, "A sequence is [timesteps][numFeatures]; for a batch, call once per sample.");
  if (features !== numFeatures) {
    fail(name, `${numFeatures} feature(s) per time step, the rows of the kernel`, described(`${features} per time step`));
  }
  return timesteps;
}

/** Options of {@link denseStep}. */
export interface DenseStepOptions {
  /** Activation applied to every output. Default: `"linear"`. */
  activation?: CellActivation;
}

/**
 * A dense layer on one vector: `activation(input · kernel + bias)`, e.g. the
 * output layer `o_t = h_t · V + c`. Introduced in notebook 01.
 */
export function denseStep(input: number[], weights: DenseWeights, options: DenseStepOptions = {}): number[] {
  assertKnownOptions(options, ["activation"], '{ activation: "linear" }');
  const activation = options.activation ?? "linear";
  assertOneOf("options.activation", activation, CELL_ACTIVATIONS);
  if (weights === null || typeof weights !== "object") fail("weights", "an object { kernel, bias }", weights);
  const [inputs, outputs] = assertMatrix("weights.kernel", weights.kernel);
  const values = checkVector("input", input, inputs, "one per row of weights.kernel");
  const bias = checkVector("weights.bias", weights.bias, outputs, "one per column of weights.kernel");
  return affine(values, weights.kernel, bias).map((z) => applyActivation(activation, z));
}

/** Options of {@link rnnStep} and {@link simpleRnnForward}. */
export interface SimpleRnnOptions {
  /** Activation of the new state. Default: `"tanh"` (as in Keras and TensorFlow.js). */
  activation?: CellActivation;
}

/** Options of {@link simpleRnnForward}. */
export interface SimpleRnnForwardOptions extends SimpleRnnOptions {
  /** The state before the first step, `[units]`. Default: zeros (as in the layers). */
  initialState?: number[];
}

function checkSimpleRnnOptions(options: SimpleRnnForwardOptions, known: string[]): CellActivation {
  assertKnownOptions(options, known, '{ activation: "tanh" }');
  const activation = options.activation ?? "tanh";
  assertOneOf("options.activation", activation, CELL_ACTIVATIONS);
  return activation;
}

function rnnStepUnchecked(hPrev: number[], x: number[], w: RecurrentWeights, activation: CellActivation): number[] {
  const z = affine(x, w.kernel, w.bias);
  addProduct(z, hPrev, w.recurrentKernel);
  return z.map((v) => applyActivation(activation, v));
}

/**
 * One SimpleRNN step: `h_t = activation(x_t · kernel + h_{t−1} · recurrentKernel + bias)`,
 * the same as `activation([h_{t−1}, x_t] · W + bias)` with W the recurrent kernel
 * stacked on the kernel. Introduced in notebook 01.
 */
export function rnnStep(previousState: number[], input: number[], weights: RecurrentWeights, options: SimpleRnnOptions = {}): number[] {
  const activation = checkSimpleRnnOptions(options, ["activation"]);
  const { numFeatures, units } = checkRecurrentWeights("weights", weights, 1, "a SimpleRNN");
  const h = checkVector("previousState", previousState, units, "one per unit");
  const x = checkVector("input", input, numFeatures, "one per feature, the rows of weights.kernel");
  return rnnStepUnchecked(h, x, weights, activation);
}

/** What {@link simpleRnnForward} returns. */
export interface SimpleRnnForwardResult {
  /** The state after every step, `[timesteps][units]` (what `returnSequences: true` gives). */
  states: number[][];
  /** The state after the last step, `[units]` (what the layer returns by default). */
  last: number[];
}

/**
 * A whole SimpleRNN pass over one sequence `[timesteps][numFeatures]`, one
 * {@link rnnStep} per time step, starting from zeros. Introduced in notebook 01.
 */
export function simpleRnnForward(sequence: number[][], weights: RecurrentWeights, options: SimpleRnnForwardOptions = {}): SimpleRnnForwardResult {
  const activation = checkSimpleRnnOptions(options, ["activation", "initialState"]);
  const { numFeatures, units } = checkRecurrentWeights("weights", weights, 1, "a SimpleRNN");
  checkSequence("sequence", sequence, numFeatures);
  let h = options.initialState === undefined ? new Array<number>(units).fill(0) : checkVector("options.initialState", options.initialState, units, "one per unit");
  const states: number[][] = [];
  for (const x of sequence) {
    h = rnnStepUnchecked(h, x, weights, activation);
    states.push(h);
  }
  return { states, last: h };
}

/**
 * Backpropagation through time, by hand, for a SimpleRNN: the gradient of the
 * sum of the last state's units with respect to every input, `[timesteps][numFeatures]`.
 * Each step back multiplies by the activation's slope and by the recurrent
 * kernel, which is why the gradient of early inputs fades. Introduced in notebook 01.
 */
export function simpleRnnInputGradients(sequence: number[][], weights: RecurrentWeights, options: SimpleRnnForwardOptions = {}): number[][] {
  const activation = checkSimpleRnnOptions(options, ["activation", "initialState"]);
  const { states } = simpleRnnForward(sequence, weights, options);
  const { numFeatures, units } = checkRecurrentWeights("weights", weights, 1, "a SimpleRNN");
  const gradients: number[][] = new Array(states.length);
  let upstream = new Array<number>(units).fill(1); // ∂(sum of h_T)/∂h_T
  for (let t = states.length - 1; t >= 0; t--) {
    // through the activation: ∂/∂z_t = ∂/∂h_t · activation'(z_t)
    const dz = upstream.map((g, j) => g * derivativeFromOutput(activation, states[t][j]));
    // to the input: ∂/∂x_t[k] = Σ_j kernel[k][j] · dz[j]
    gradients[t] = Array.from({ length: numFeatures }, (_, k) => dz.reduce((s, g, j) => s + weights.kernel[k][j] * g, 0));
    // to the previous state: ∂/∂h_{t−1}[k] = Σ_j recurrentKernel[k][j] · dz[j]
    upstream = Array.from({ length: units }, (_, k) => dz.reduce((s, g, j) => s + weights.recurrentKernel[k][j] * g, 0));
  }
  return gradients;
}

/** Options of {@link lstmStep} and {@link lstmForward}. */
export interface LstmOptions {
  /** Activation of the candidate and of the cell state's output. Default: `"tanh"`. */
  activation?: CellActivation;
  /**
   * Activation of the input, forget and output gates. Default: `"sigmoid"`
   * (Keras's choice; TensorFlow.js's `tf.layers.lstm` defaults to `"hardSigmoid"`).
   */
  recurrentActivation?: CellActivation;
  /**
   * The order of the four `units`-wide column blocks in the kernel, recurrent
   * kernel and bias. Default: `["input", "forget", "candidate", "output"]`
   * (TensorFlow.js and Keras).
   */
  gateOrder?: readonly LstmGate[];
}

/** Options of {@link lstmForward}. */
export interface LstmForwardOptions extends LstmOptions {
  /** The states before the first step, `{ h: [units], c: [units] }`. Default: zeros (as in the layers). */
  initialState?: { h: number[]; c: number[] };
}

/** The four gate values of one LSTM step, each `[units]`. */
export interface LstmGateValues {
  /** Input gate i = σ(x·W_i + h·U_i + b_i): how much of the candidate to write. */
  input: number[];
  /** Forget gate f = σ(x·W_f + h·U_f + b_f): how much of the old cell state to keep. */
  forget: number[];
  /** Candidate C̃ = tanh(x·W_c + h·U_c + b_c): what could be written. */
  candidate: number[];
  /** Output gate o = σ(x·W_o + h·U_o + b_o): how much of tanh(C) to show as h. */
  output: number[];
}

/** What {@link lstmStep} returns. */
export interface LstmStepResult {
  /** New hidden state h_t = o · tanh(C_t), `[units]`. */
  h: number[];
  /** New cell state C_t = f · C_{t−1} + i · C̃, `[units]`. */
  c: number[];
  /** The gate values of this step. */
  gates: LstmGateValues;
}

interface CheckedLstmOptions {
  activation: CellActivation;
  recurrentActivation: CellActivation;
  gateOrder: readonly LstmGate[];
}

function checkLstmOptions(options: LstmForwardOptions, known: string[]): CheckedLstmOptions {
  assertKnownOptions(options, known, '{ recurrentActivation: "sigmoid" }');
  const activation = options.activation ?? "tanh";
  assertOneOf("options.activation", activation, CELL_ACTIVATIONS);
  const recurrentActivation = options.recurrentActivation ?? "sigmoid";
  assertOneOf("options.recurrentActivation", recurrentActivation, CELL_ACTIVATIONS);
  const gateOrder = options.gateOrder ?? LSTM_GATES;
  if (!Array.isArray(gateOrder) || gateOrder.length !== 4) {
    fail("options.gateOrder", `the four gates in some order, e.g. ${JSON.stringify(LSTM_GATES)}`, gateOrder);
  }
  gateOrder.forEach((g, i) => assertOneOf(`options.gateOrder[${i}]`, g, LSTM_GATES));
  if (new Set(gateOrder).size !== 4) {
    fail("options.gateOrder", "each of the four gates exactly once", gateOrder);
  }
  return { activation, recurrentActivation, gateOrder };
}

function lstmStepUnchecked(hPrev: number[], cPrev: number[], x: number[], w: RecurrentWeights, units: number, o: CheckedLstmOptions): LstmStepResult {
  const z = affine(x, w.kernel, w.bias); // [4·units]
  addProduct(z, hPrev, w.recurrentKernel);
  const block = (gate: LstmGate) => {
    const start = o.gateOrder.indexOf(gate) * units;
    return z.slice(start, start + units);
  };
  const gates: LstmGateValues = {
    input: block("input").map((v) => applyActivation(o.recurrentActivation, v)),
    forget: block("forget").map((v) => applyActivation(o.recurrentActivation, v)),
    candidate: block("candidate").map((v) => applyActivation(o.activation, v)),
    output: block("output").map((v) => applyActivation(o.recurrentActivation, v)),
  };
  const c = cPrev.map((cOld, j) => gates.forget[j] * cOld + gates.input[j] * gates.candidate[j]);
  const h = c.map((cj, j) => gates.output[j] * applyActivation(o.activation, cj));
  return { h, c, gates };
}

/**
 * One LSTM step with its four gates: f, i, C̃, o from `[h_{t−1}, x_t]`, then
 * `C_t = f·C_{t−1} + i·C̃` and `h_t = o·tanh(C_t)`. Introduced in notebook 01.
 */
export function lstmStep(previousState: number[], previousCell: number[], input: number[], weights: RecurrentWeights, options: LstmOptions = {}): LstmStepResult {
  const o = checkLstmOptions(options, ["activation", "recurrentActivation", "gateOrder"]);
  const { numFeatures, units } = checkRecurrentWeights("weights", weights, 4, "an LSTM");
  const h = checkVector("previousState", previousState, units, "one per unit");
  const c = checkVector("previousCell", previousCell, units, "one per unit");
  const x = checkVector("input", input, numFeatures, "one per feature, the rows of weights.kernel");
  return lstmStepUnchecked(h, c, x, weights, units, o);
}

/** What {@link lstmForward} returns. */
export interface LstmForwardResult {
  /** Hidden state after every step, `[timesteps][units]` (what `returnSequences: true` gives). */
  states: number[][];
  /** Cell state after every step, `[timesteps][units]`. */
  cells: number[][];
  /** Gate values of every step. */
  gates: LstmGateValues[];
  /** Hidden state after the last step, `[units]` (what the layer returns by default). */
  last: number[];
  /** Cell state after the last step, `[units]`. */
  lastCell: number[];
}

/**
 * A whole LSTM pass over one sequence `[timesteps][numFeatures]`, one
 * {@link lstmStep} per time step, starting from zeros. Introduced in notebook 01.
 */
export function lstmForward(sequence: number[][], weights: RecurrentWeights, options: LstmForwardOptions = {}): LstmForwardResult {
  const o = checkLstmOptions(options, ["activation", "recurrentActivation", "gateOrder", "initialState"]);
  const { numFeatures, units } = checkRecurrentWeights("weights", weights, 4, "an LSTM");
  checkSequence("sequence", sequence, numFeatures);
  let h = new Array<number>(units).fill(0);
  let c = new Array<number>(units).fill(0);
  if (options.initialState !== undefined) {
    const start = options.initialState;
    if (start === null || typeof start !== "object") fail("options.initialState", "an object { h: [units], c: [units] }", start);
    h = checkVector("options.initialState.h", start.h, units, "one per unit");
    c = checkVector("options.initialState.c", start.c, units, "one per unit");
  }
  const states: number[][] = [];
  const cells: number[][] = [];
  const gates: LstmGateValues[] = [];
  for (const x of sequence) {
    const step = lstmStepUnchecked(h, c, x, weights, units, o);
    h = step.h;
    c = step.c;
    states.push(h);
    cells.push(c);
    gates.push(step.gates);
  }
  return { states, cells, gates, last: h, lastCell: c };
}

/**
 * The four gates' own weights, cut out of an LSTM's concatenated weights:
 * for each gate `{ kernel: [numFeatures][units], recurrentKernel: [units][units], bias: [units] }`.
 * Introduced in notebook 01.
 */
export function splitLstmWeights(weights: RecurrentWeights, gateOrder: readonly LstmGate[] = LSTM_GATES): Record<LstmGate, RecurrentWeights> {
  const o = checkLstmOptions({ gateOrder }, ["gateOrder"]);
  const { units } = checkRecurrentWeights("weights", weights, 4, "an LSTM");
  const cut = (gate: LstmGate): RecurrentWeights => {
    const start = o.gateOrder.indexOf(gate) * units;
    const columns = (row: number[]) => row.slice(start, start + units);
    return { kernel: weights.kernel.map(columns), recurrentKernel: weights.recurrentKernel.map(columns), bias: columns(weights.bias) };
  };
  return { input: cut("input"), forget: cut("forget"), candidate: cut("candidate"), output: cut("output") };
}

/**
 * The weights of a built `tf.layers.simpleRNN`, `lstm` or `gru` layer as plain arrays, read with `layer.getWeights()`:
 * `[kernel, recurrentKernel, bias]`. Introduced in notebook 01.
 */
export function recurrentWeightsOf(layer: tf.layers.Layer): RecurrentWeights {
  if (layer === null || typeof layer !== "object" || typeof (layer as { getWeights?: unknown }).getWeights !== "function") {
    fail("layer", "a TensorFlow.js recurrent layer such as tf.layers.simpleRNN({ units: 4 })", layer);
  }
  const tensors = layer.getWeights();
  if (tensors.length === 0) {
    fail("layer", "a built layer (one that has weights)", described("a layer without weights"), "Call the layer (or a model that contains it) on an input once, or give it an inputShape.");
  }
  if (tensors.length !== 3 || tensors[0].rank !== 2 || tensors[1].rank !== 2 || tensors[2].rank !== 1) {
    fail("layer", "a recurrent layer with a bias: weights [kernel, recurrentKernel, bias]", described(`weights of shapes ${tensors.map((t) => JSON.stringify(t.shape)).join(", ")}`));
  }
  return {
    kernel: tensors[0].arraySync() as number[][],
    recurrentKernel: tensors[1].arraySync() as number[][],
    bias: tensors[2].arraySync() as number[],
  };
}

/**
 * How strongly each time step's input still reaches the end: the gradient of
 * the sum of the layer's last output with respect to every input x_t, as its
 * length (L2 norm over the features), averaged over the samples of `x`
 * `[samples, timesteps, features]`. Returns one number per time step. The
 * layer should return only its last step (the default, `returnSequences: false`).
 * Introduced in notebook 01.
 */
export function inputGradientNorms(layer: tf.layers.Layer, x: number[][][]): number[] {
  if (layer === null || typeof layer !== "object" || typeof (layer as { apply?: unknown }).apply !== "function") {
    fail("layer", "a TensorFlow.js layer such as tf.layers.simpleRNN({ units: 8 })", layer);
  }
  assert3D("x", x);
  return tf.tidy(() => {
    const input = tf.tensor3d(x); // [samples, timesteps, features]
    const output = layer.apply(input) as tf.Tensor; // builds the layer on first use
    if (output.rank !== 2) {
      fail("layer", "a layer whose output is [samples, units] (only the last step)", described(`an output of shape ${JSON.stringify(output.shape)}`), "Leave returnSequences at false.");
    }
    const gradient = tf.grad((t: tf.Tensor) => (layer.apply(t) as tf.Tensor).sum())(input); // [samples, timesteps, features]
    return tf.mean(tf.norm(gradient, 2, 2), 0).arraySync() as number[]; // [timesteps]
  });
}
