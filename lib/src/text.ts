/**
 * Text as numbers, and numbers back to text: a character vocabulary, training
 * sequences with the next character as the target at every step, a character
 * bigram baseline, a model's bits per character, and seeded sampling at a
 * temperature. Introduced in notebook 09 (generating text).
 *
 * Characters are Unicode code points (`Array.from(text)`), so a character
 * outside the Basic Multilingual Plane is one character, not two.
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, Rng } from "./random";
import { interruptible, interruptionPoint, InterruptedError } from "./interrupt";
import {
  assertFiniteNumber,
  assertKnownOptions,
  assertMatrix,
  assertNonNegativeInteger,
  assertPositiveInteger,
  described,
  fail,
} from "./validate";

/** Shows a character readably in messages: "\n" as `"\n"`, a space as `" "`. */
function showChar(char: string): string {
  return JSON.stringify(char);
}

/**
 * The characters a model reads and writes, each with an id 0..size−1.
 * Introduced in notebook 09 (generating text).
 */
export class CharVocabulary {
  /** The characters, by id. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  /** A vocabulary of exactly these characters, in this order (id = position). */
  constructor(chars: readonly string[]) {
    if (!Array.isArray(chars) || chars.length === 0) {
      fail("chars", "a non-empty array of single characters", chars, "Use CharVocabulary.fromText(text) to collect them from a text.");
    }
    const ids = new Map<string, number>();
    chars.forEach((char, i) => {
      if (typeof char !== "string" || Array.from(char).length !== 1) fail(`chars[${i}]`, "a single character", char);
      if (ids.has(char)) fail(`chars[${i}]`, "a character not listed before", char, `It is also chars[${ids.get(char)}]; list every character once.`);
      ids.set(char, i);
    });
    this.chars = Object.freeze([...chars]);
    this.ids = ids;
  }

  /** The vocabulary of every distinct character of `text`, sorted by code point. */
  static fromText(text: string): CharVocabulary {
    if (typeof text !== "string" || text.length === 0) fail("text", "a non-empty string", text);
    const chars = [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocabulary(chars);
  }

  /** Number of characters (the embedding's input size and the softmax's width). */
  get size(): number {
    return this.chars.length;
  }

  /** Whether `char` is in the vocabulary. */
  has(char: string): boolean {
    return this.ids.has(char);
  }

  /** The ids of the characters of `text`; an unknown character is an error naming its position. */
  encode(text: string): number[] {
    if (typeof text !== "string") fail("text", "a string", text);
    const chars = Array.from(text);
    const out = new Array<number>(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const id = this.ids.get(chars[i]);
      if (id === undefined) {
        fail(
          `text[${i}]`,
          `a character of the vocabulary (${this.size} characters)`,
          described(`${showChar(chars[i])}, which is not in it`),
          "Build the vocabulary from a text that contains every character you will encode, or remove the character.",
        );
      }
      out[i] = id;
    }
    return out;
  }

  /** The text of a list of ids; an id outside 0..size−1 is an error. */
  decode(ids: ArrayLike<number>): string {
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) fail("ids", "an array of character ids", ids);
    let text = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= this.size) {
        fail(`ids[${i}]`, `a character id from 0 to ${this.size - 1}`, id);
      }
      text += this.chars[id];
    }
    return text;
  }

  /** The characters, for saving with a model (see `saveModel`'s metadata); `new CharVocabulary(json)` restores it. */
  toJSON(): string[] {
    return [...this.chars];
  }
}

/** Checks a list of character ids for a vocabulary of `vocabularySize`; returns it as `number[]`. */
function checkIds(name: string, ids: unknown, vocabularySize: number, minLength: number): number[] {
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
    fail(name, "an array of character ids (from vocabulary.encode)", ids);
  }
  const list = ids as ArrayLike<unknown>;
  if (list.length < minLength) fail(name, `at least ${minLength} character ids`, described(`${list.length}`));
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= vocabularySize) {
      fail(`${name}[${i}]`, Number.isFinite(vocabularySize) ? `a character id from 0 to ${vocabularySize - 1}` : "a character id (an integer ≥ 0)", id);
    }
    out[i] = id;
  }
  return out;
}

/** Options of {@link makeTextSequences}. */
export interface TextSequenceOptions {
  /** Characters per sequence (the `timesteps`). Required. */
  lookBack: number;
  /** Characters between the starts of consecutive sequences. Default: `lookBack` (sequences do not overlap). */
  stride?: number;
}

/** Training sequences of character ids: inputs and, at every step, the next character. */
export interface TextSequences {
  /** Inputs `[samples][lookBack]`: characters i .. i+lookBack−1. */
  x: number[][];
  /** Targets `[samples][lookBack]`: characters i+1 .. i+lookBack, each the character after the input at the same step. */
  y: number[][];
  /** `[samples, lookBack]`. */
  shape: [number, number];
}

/** How many sequences {@link makeTextSequences} cuts from `length` characters. Introduced in notebook 09. */
export function countTextSequences(length: number, lookBack: number, stride: number = lookBack): number {
  assertNonNegativeInteger("length", length);
  assertPositiveInteger("lookBack", lookBack);
  assertPositiveInteger("stride", stride);
  return length - 1 < lookBack ? 0 : Math.floor((length - 1 - lookBack) / stride) + 1;
}

/**
 * Cuts a list of character ids into sequences of `lookBack` inputs whose
 * target at every step is the next character (many-to-many):
 * ids `[h, e, l, l, o]`, lookBack 2 → x `[[h, e], [l, l]]`, y `[[e, l], [l, o]]`.
 * Introduced in notebook 09 (generating text).
 */
export function makeTextSequences(ids: ArrayLike<number>, options: TextSequenceOptions): TextSequences {
  assertKnownOptions(options, ["lookBack", "stride"], "{ lookBack: 32 }");
  assertPositiveInteger("options.lookBack", options.lookBack, "It is the number of characters per sequence.");
  const stride = options.stride ?? options.lookBack;
  assertPositiveInteger("options.stride", stride);
  const list = checkIds("ids", ids, Infinity, options.lookBack + 1);
  const samples = countTextSequences(list.length, options.lookBack, stride);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let s = 0; s < samples; s++) {
    const start = s * stride;
    x.push(list.slice(start, start + options.lookBack));
    y.push(list.slice(start + 1, start + options.lookBack + 1));
  }
  return { x, y, shape: [samples, options.lookBack] };
}

/**
 * The tensors a language model trains on: `x` int32 `[samples, lookBack]` for
 * the Embedding, `y` `[samples, lookBack, 1]` for sparse categorical
 * cross-entropy. The caller disposes them. Introduced in notebook 09.
 */
export function textSequenceTensors(sequences: TextSequences): { x: tf.Tensor2D; y: tf.Tensor3D } {
  if (sequences === null || typeof sequences !== "object" || !Array.isArray(sequences.x) || !Array.isArray(sequences.y)) {
    fail("sequences", "the result of makeTextSequences", sequences);
  }
  const [samples, lookBack] = sequences.shape;
  if (samples === 0) fail("sequences", "at least one sequence", described("none"), "Use a longer text or a shorter lookBack.");
  const x = tf.tensor2d(sequences.x, [samples, lookBack], "int32"); // [samples, lookBack]
  const y = tf.tensor3d(sequences.y.map((row) => row.map((id) => [id])), [samples, lookBack, 1]); // [samples, lookBack, 1]
  return { x, y };
}

/** Options of {@link BigramModel.fit}. */
export interface BigramOptions {
  /**
   * Pseudo-count added to every pair (additive, "Lidstone" smoothing), so a
   * pair never seen in training still gets a small probability. Default: 1.
   */
  smoothing?: number;
}

/**
 * The character bigram model: P(next | previous) counted from a training
 * text, with additive smoothing. The baseline a character model must beat.
 * Introduced in notebook 09 (generating text).
 */
export class BigramModel {
  /** Size of the vocabulary. */
  readonly vocabularySize: number;
  /** The pseudo-count added to every pair. */
  readonly smoothing: number;
  /** Pair counts, `counts[previous * vocabularySize + next]`. */
  readonly counts: Float64Array;
  private readonly rowTotals: Float64Array;

  private constructor(vocabularySize: number, smoothing: number, counts: Float64Array) {
    this.vocabularySize = vocabularySize;
    this.smoothing = smoothing;
    this.counts = counts;
    this.rowTotals = new Float64Array(vocabularySize);
    for (let p = 0; p < vocabularySize; p++) {
      let total = 0;
      for (let n = 0; n < vocabularySize; n++) total += counts[p * vocabularySize + n];
      this.rowTotals[p] = total;
    }
  }

  /** Counts every pair of consecutive ids of the training text. */
  static fit(ids: ArrayLike<number>, vocabularySize: number, options: BigramOptions = {}): BigramModel {
    assertKnownOptions(options, ["smoothing"], "{ smoothing: 1 }");
    assertPositiveInteger("vocabularySize", vocabularySize, "Pass vocabulary.size.");
    const smoothing = options.smoothing ?? 1;
    assertFiniteNumber("options.smoothing", smoothing);
    if (!(smoothing > 0)) fail("options.smoothing", "a positive pseudo-count such as 1", smoothing, "Without smoothing an unseen pair has probability 0 and infinite cross-entropy.");
    const list = checkIds("ids", ids, vocabularySize, 2);
    const counts = new Float64Array(vocabularySize * vocabularySize);
    for (let i = 1; i < list.length; i++) counts[list[i - 1] * vocabularySize + list[i]] += 1;
    return new BigramModel(vocabularySize, smoothing, counts);
  }

  /** P(next | previous), smoothed. */
  probability(previous: number, next: number): number {
    const v = this.vocabularySize;
    if (!Number.isInteger(previous) || previous < 0 || previous >= v) fail("previous", `a character id from 0 to ${v - 1}`, previous);
    if (!Number.isInteger(next) || next < 0 || next >= v) fail("next", `a character id from 0 to ${v - 1}`, next);
    return (this.counts[previous * v + next] + this.smoothing) / (this.rowTotals[previous] + this.smoothing * v);
  }

  /**
   * Cross-entropy in bits per character on a text: the mean of
   * −log2 P(ids[i] | ids[i−1]) over i = 1 .. length−1.
   */
  bitsPerCharacter(ids: ArrayLike<number>): number {
    const list = checkIds("ids", ids, this.vocabularySize, 2);
    let bits = 0;
    for (let i = 1; i < list.length; i++) bits -= Math.log2(this.probability(list[i - 1], list[i]));
    return bits / (list.length - 1);
  }
}

/** Options of {@link bitsPerCharacter}. */
export interface BitsPerCharacterOptions {
  /** Sequences per forward pass. Default: 256. */
  batchSize?: number;
}

/**
 * A language model's cross-entropy in bits per character: the mean of
 * −log2 p(target) over every step of every sequence, where p is the model's
 * softmax output (clipped at 1e−7 like Keras's loss). Introduced in notebook 09.
 * @param x inputs `[samples, lookBack]` (character ids).
 * @param y targets `[samples, lookBack]` (the next character at every step).
 */
export function bitsPerCharacter(model: tf.LayersModel, x: number[][] | tf.Tensor, y: number[][] | tf.Tensor, options: BitsPerCharacterOptions = {}): number {
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js LayersModel (e.g. from buildLanguageModel)", model);
  assertKnownOptions(options, ["batchSize"], "{ batchSize: 256 }");
  const batchSize = options.batchSize ?? 256;
  assertPositiveInteger("options.batchSize", batchSize);
  const xShape = x instanceof tf.Tensor ? undefined : assertMatrix("x", x, "Pass makeTextSequences(...).x.");
  const yShape = y instanceof tf.Tensor ? undefined : assertMatrix("y", y, "Pass makeTextSequences(...).y.");
  const xs = x instanceof tf.Tensor ? x : tf.tensor2d(x, xShape, "int32"); // [samples, lookBack]
  const ys = y instanceof tf.Tensor ? y : tf.tensor2d(y, yShape, "int32"); // [samples, lookBack]
  try {
    if (xs.rank !== 2) fail("x", "character ids [samples, lookBack]", described(`shape [${xs.shape.join(", ")}]`));
    const targets = ys.reshape([ys.shape[0], -1]); // [samples, lookBack] (also from [samples, lookBack, 1])
    const same = targets.shape[0] === xs.shape[0] && targets.shape[1] === xs.shape[1];
    targets.dispose();
    if (!same) fail("y", `targets of shape [${xs.shape.join(", ")}] like x`, described(`shape [${ys.shape.join(", ")}]`));
    const [samples, steps] = xs.shape as [number, number];
    let bits = 0;
    for (let start = 0; start < samples; start += batchSize) {
      const size = Math.min(batchSize, samples - start);
      bits += tf.tidy(() => {
        const probs = model.predict(xs.slice([start, 0], [size, steps])) as tf.Tensor; // [size, lookBack, vocabularySize]
        const vocabularySize = probs.shape[2]!;
        const t = ys.slice(start, size).reshape([size, steps]).toInt(); // [size, lookBack]
        const picked = tf.sum(tf.mul(probs, tf.oneHot(t, vocabularySize)), -1); // [size, lookBack]
        return tf.sum(tf.log(tf.clipByValue(picked, 1e-7, 1))).dataSync()[0];
      });
    }
    return -bits / Math.LN2 / (samples * steps);
  } finally {
    if (xs !== x) xs.dispose();
    if (ys !== y) ys.dispose();
  }
}

/**
 * Draws an index from `probabilities` sharpened or flattened by `temperature`:
 * p_i^(1/T), renormalised. T < 1 favours likely characters (T → 0 always picks
 * the most likely), T = 1 samples the model's own distribution, T > 1 flattens it.
 * Introduced in notebook 09 (generating text).
 */
export function sampleIndex(probabilities: ArrayLike<number>, temperature: number, rng: Rng): number {
  if (!Array.isArray(probabilities) && !ArrayBuffer.isView(probabilities)) fail("probabilities", "an array of probabilities", probabilities);
  if (probabilities.length === 0) fail("probabilities", "a non-empty array of probabilities", described("an empty array"));
  assertFiniteNumber("temperature", temperature, "E.g. 0.2 (conservative), 0.7 or 1.0 (the model's own distribution).");
  if (!(temperature > 0)) fail("temperature", "a positive number such as 0.7", temperature, "Temperature divides log-probabilities; 0 or less has no meaning.");
  if (typeof rng !== "function") fail("rng", "a seeded generator from createRng(seed)", rng);
  const logits = new Float64Array(probabilities.length);
  let max = -Infinity;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (typeof p !== "number" || !(p >= 0) || !Number.isFinite(p)) fail(`probabilities[${i}]`, "a finite number ≥ 0", p);
    logits[i] = p > 0 ? Math.log(p) / temperature : -Infinity;
    if (logits[i] > max) max = logits[i];
  }
  if (max === -Infinity) fail("probabilities", "an array with at least one positive probability", described("all zeros"));
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += logits[i] = Math.exp(logits[i] - max);
  let u = rng() * total;
  for (let i = 0; i < logits.length; i++) {
    u -= logits[i];
    if (u < 0) return i;
  }
  // Rounding left a sliver at the end: the last character with any weight.
  for (let i = logits.length - 1; i >= 0; i--) if (logits[i] > 0) return i;
  return 0;
}

/** Options of {@link generateText}. */
export interface GenerateTextOptions {
  /** The text generation continues; at least one character, all in the vocabulary. Required. */
  prompt: string;
  /** Characters to generate after the prompt. Default: 200. */
  length?: number;
  /** Sampling temperature (see {@link sampleIndex}). Default: 1. */
  temperature?: number;
  /** Seed of the sampling; the same seed gives the same text. Default: 42. */
  seed?: number;
  /**
   * Characters the model reads for each prediction: the last `lookBack` of the
   * prompt and what was generated so far. Default: the model's input length, or
   * 32 when the model takes any length. Use the length the model was trained on.
   */
  lookBack?: number;
}

/** What a text generation needs once its arguments are checked. */
interface TextGeneration {
  ids: number[];
  length: number;
  lookBack: number;
  temperature: number;
  rng: Rng;
}

/** Checks the arguments of {@link generateText} / {@link generateTextAsync}. */
function startTextGeneration(model: tf.LayersModel, vocabulary: CharVocabulary, options: GenerateTextOptions): TextGeneration {
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js LayersModel (e.g. from buildLanguageModel)", model);
  if (!(vocabulary instanceof CharVocabulary)) fail("vocabulary", "a CharVocabulary", vocabulary);
  assertKnownOptions(options, ["prompt", "length", "temperature", "seed", "lookBack"], '{ prompt: "The ", length: 200, temperature: 0.7 }');
  if (typeof options.prompt !== "string" || options.prompt.length === 0) fail("options.prompt", "a non-empty string", options.prompt);
  const length = options.length ?? 200;
  assertNonNegativeInteger("options.length", length);
  const temperature = options.temperature ?? 1;
  assertFiniteNumber("options.temperature", temperature);
  if (!(temperature > 0)) fail("options.temperature", "a positive number such as 0.7", temperature, "Temperature divides log-probabilities; 0 or less has no meaning.");
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const modelLength = model.inputs[0].shape[1];
  const lookBack = options.lookBack ?? modelLength ?? 32;
  assertPositiveInteger("options.lookBack", lookBack);
  if (modelLength != null && lookBack !== modelLength) {
    fail("options.lookBack", `the model's input length ${modelLength}`, lookBack, "Leave it out to use the model's own.");
  }
  if (modelLength != null && Array.from(options.prompt).length < modelLength) {
    fail("options.prompt", `at least ${modelLength} characters, the input length the model was built for`, options.prompt, "Use a longer prompt, or build the model without lookBack so it reads any length.");
  }
  const outputSize = (model.outputs[0].shape as number[])[2];
  if (outputSize !== vocabulary.size) {
    fail("vocabulary", `a vocabulary of ${outputSize} characters, the width of the model's softmax`, described(`${vocabulary.size} characters`), "Use the vocabulary the model was trained with.");
  }
  Array.from(options.prompt).forEach((char, i) => {
    if (!vocabulary.has(char)) {
      fail(`options.prompt[${i}]`, "a character of the model's vocabulary", described(`${showChar(char)}, which is not in it`), "Start from a prompt made of characters the model was trained on.");
    }
  });
  return { ids: vocabulary.encode(options.prompt), length, lookBack, temperature, rng: createRng(seed) };
}

/** Draws the next character id from the model's softmax at the last step, and appends it to `g.ids`. */
function nextCharacter(model: tf.LayersModel, g: TextGeneration): number {
  const window = g.ids.slice(-g.lookBack);
  const last = tf.tidy(() => {
    const probs = model.predict(tf.tensor2d([window], [1, window.length], "int32")) as tf.Tensor; // [1, steps, vocabularySize]
    return probs.slice([0, window.length - 1, 0], [1, 1, -1]); // [1, 1, vocabularySize]: the last step's distribution
  });
  const next = last.dataSync();
  last.dispose();
  const id = sampleIndex(next, g.temperature, g.rng);
  g.ids.push(id);
  return id;
}

/**
 * Generates text one character at a time: the model reads the last `lookBack`
 * characters, its softmax at the last step is sampled at `temperature`, and
 * the drawn character is appended. Returns only the generated characters.
 * Seeded: the same model, prompt and seed give the same text on a backend.
 * Synchronous, so Kernel → Interrupt cannot stop it: for long texts use
 * {@link generateTextAsync}.
 * Introduced in notebook 09 (generating text).
 */
export function generateText(model: tf.LayersModel, vocabulary: CharVocabulary, options: GenerateTextOptions): string {
  const g = startTextGeneration(model, vocabulary, options);
  const generated: number[] = [];
  for (let i = 0; i < g.length; i++) generated.push(nextCharacter(model, g));
  return vocabulary.decode(generated);
}

/**
 * {@link generateText} as an interruptible loop: the same text for the same
 * arguments, but it gives the event loop a turn between characters, so
 * Kernel → Interrupt stops it at the next character with an `InterruptedError`
 * saying how far it got. Introduced in notebook 09 (generating text).
 */
export async function generateTextAsync(model: tf.LayersModel, vocabulary: CharVocabulary, options: GenerateTextOptions): Promise<string> {
  const g = startTextGeneration(model, vocabulary, options);
  return interruptible(async () => {
    const generated: number[] = [];
    for (let i = 0; i < g.length; i++) {
      if (await interruptionPoint()) throw new InterruptedError(`Text generation interrupted at character ${i} of ${g.length}.`);
      generated.push(nextCharacter(model, g));
    }
    return vocabulary.decode(generated);
  });
}
