import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  BigramModel,
  bitsPerCharacter,
  CharVocabulary,
  countTextSequences,
  generateText,
  generateTextAsync,
  makeTextSequences,
  sampleIndex,
  textSequenceTensors,
} from "../lib/src/text";
import { buildLanguageModel } from "../lib/src/models";
import { createRng } from "../lib/src/random";
import { fit } from "../lib/src/training";
import { WorkbookInputError } from "../lib/src/validate";
import { interruptedAfter } from "./assertions";

tf.setBackend("cpu");

/** Asserts a WorkbookInputError naming `argument` whose message matches `pattern`. */
function throwsInput(fn: () => unknown, argument: string, pattern: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WorkbookInputError, `expected a WorkbookInputError, got ${error}`);
    assert.equal(error.argument, argument);
    assert.match(error.message, pattern);
    return true;
  });
}

test("a vocabulary holds each character once, sorted, and encodes and decodes", () => {
  const vocabulary = CharVocabulary.fromText("hello, world\n");
  assert.deepEqual(vocabulary.chars, ["\n", " ", ",", "d", "e", "h", "l", "o", "r", "w"]);
  assert.equal(vocabulary.size, 10);
  const ids = vocabulary.encode("hello");
  assert.deepEqual(ids, [5, 4, 6, 6, 7]);
  assert.equal(vocabulary.decode(ids), "hello");
  assert.equal(vocabulary.decode(new Int32Array(ids)), "hello");
  assert.deepEqual(new CharVocabulary(vocabulary.toJSON()).encode("world"), vocabulary.encode("world"));
});

test("a character outside the Basic Multilingual Plane is one character", () => {
  const vocabulary = CharVocabulary.fromText("a😀b");
  assert.equal(vocabulary.size, 3);
  assert.equal(vocabulary.decode(vocabulary.encode("😀a")), "😀a");
});

test("vocabulary bad input: unknown character, bad id, duplicates, empty text", () => {
  const vocabulary = CharVocabulary.fromText("abc");
  throwsInput(() => vocabulary.encode("abz"), "text[2]", /"z", which is not in it.*Build the vocabulary/);
  throwsInput(() => vocabulary.decode([0, 3]), "ids[1]", /a character id from 0 to 2, but got 3/);
  throwsInput(() => vocabulary.decode([0.5]), "ids[0]", /character id/);
  throwsInput(() => new CharVocabulary(["a", "b", "a"]), "chars[2]", /not listed before/);
  throwsInput(() => new CharVocabulary(["ab"]), "chars[0]", /a single character/);
  throwsInput(() => new CharVocabulary([]), "chars", /non-empty array/);
  throwsInput(() => CharVocabulary.fromText(""), "text", /non-empty string/);
});

test("sequences: the target at every step is the next character (counted example)", () => {
  const vocabulary = CharVocabulary.fromText("hello world");
  const ids = vocabulary.encode("hello world"); // 11 characters
  const sequences = makeTextSequences(ids, { lookBack: 4 });
  // (11 − 1 − 4) / 4 → 2 sequences: "hell"→"ello", "o wo"→" wor"; the tail "rld" is too short.
  assert.deepEqual(sequences.shape, [2, 4]);
  assert.equal(countTextSequences(11, 4), 2);
  assert.deepEqual(sequences.x.map((row) => vocabulary.decode(row)), ["hell", "o wo"]);
  assert.deepEqual(sequences.y.map((row) => vocabulary.decode(row)), ["ello", " wor"]);
  const overlapping = makeTextSequences(ids, { lookBack: 4, stride: 2 });
  assert.equal(overlapping.shape[0], countTextSequences(11, 4, 2));
  assert.deepEqual(overlapping.x.map((row) => vocabulary.decode(row)), ["hell", "llo ", "o wo", "worl"]);
  assert.equal(countTextSequences(4, 4), 0);
  assert.equal(countTextSequences(5, 4), 1);
});

test("sequence tensors: int32 inputs [samples, lookBack] and targets [samples, lookBack, 1]", () => {
  const sequences = makeTextSequences([0, 1, 2, 3, 4, 5, 6], { lookBack: 3 });
  const { x, y } = textSequenceTensors(sequences);
  assert.deepEqual(x.shape, [2, 3]);
  assert.equal(x.dtype, "int32");
  assert.deepEqual(y.shape, [2, 3, 1]);
  assert.deepEqual(y.arraySync(), [[[1], [2], [3]], [[4], [5], [6]]]);
  tf.dispose([x, y]);
});

test("sequences bad input", () => {
  throwsInput(() => makeTextSequences([0, 1, 2], { lookBack: 3 }), "ids", /at least 4 character ids, but got 3/);
  throwsInput(() => makeTextSequences([0, 1, 2, 3], { lookBack: 0 }), "options.lookBack", /positive integer/);
  throwsInput(() => makeTextSequences([0, 1, 2, 3], { lookBack: 2, stride: -1 }), "options.stride", /positive integer/);
  throwsInput(() => makeTextSequences([0, 1, -2, 3], { lookBack: 2 }), "ids[2]", /character id/);
  throwsInput(() => makeTextSequences([0, 1, 2, 3], { lookback: 2 } as never), "options", /unknown key `lookback`/);
  throwsInput(() => makeTextSequences("abcd" as never, { lookBack: 2 }), "ids", /array of character ids/);
});

test("bigram: counted probabilities with additive smoothing, bits per character by hand", () => {
  // Training text over {0, 1}: 0 0 1 0 → pairs 0→0, 0→1, 1→0.
  const bigram = BigramModel.fit([0, 0, 1, 0], 2, { smoothing: 1 });
  assert.equal(bigram.probability(0, 0), (1 + 1) / (2 + 2));
  assert.equal(bigram.probability(0, 1), (1 + 1) / (2 + 2));
  assert.equal(bigram.probability(1, 0), (1 + 1) / (1 + 2));
  assert.equal(bigram.probability(1, 1), (0 + 1) / (1 + 2));
  // Evaluated on 1 1 0: −log2 P(1|1) − log2 P(0|1), averaged over 2 pairs.
  const expected = -(Math.log2(1 / 3) + Math.log2(2 / 3)) / 2;
  assert.ok(Math.abs(bigram.bitsPerCharacter([1, 1, 0]) - expected) < 1e-12);
  // Every row is a distribution.
  const big = BigramModel.fit([0, 1, 2, 2, 1, 0, 3], 5, { smoothing: 0.1 });
  for (let p = 0; p < 5; p++) {
    let total = 0;
    for (let n = 0; n < 5; n++) total += big.probability(p, n);
    assert.ok(Math.abs(total - 1) < 1e-12);
  }
});

test("bigram: a text with strong pairs scores far below the uniform guess", () => {
  const vocabulary = CharVocabulary.fromText("abcd");
  const ids = vocabulary.encode("abcd".repeat(50));
  const bigram = BigramModel.fit(ids, vocabulary.size);
  assert.ok(bigram.bitsPerCharacter(ids) < 0.2, "abcd repeated is almost certain after one character");
  assert.ok(bigram.bitsPerCharacter(ids) < Math.log2(vocabulary.size));
});

test("bigram bad input", () => {
  throwsInput(() => BigramModel.fit([0, 1], 2, { smoothing: 0 }), "options.smoothing", /positive pseudo-count/);
  throwsInput(() => BigramModel.fit([0, 5], 2), "ids[1]", /from 0 to 1/);
  throwsInput(() => BigramModel.fit([0], 2), "ids", /at least 2/);
  throwsInput(() => BigramModel.fit([0, 1], 0), "vocabularySize", /positive integer/);
  const bigram = BigramModel.fit([0, 1, 0], 2);
  throwsInput(() => bigram.probability(2, 0), "previous", /from 0 to 1/);
  throwsInput(() => bigram.bitsPerCharacter([0, 3]), "ids[1]", /from 0 to 1/);
});

test("sampleIndex: seeded, follows the distribution, sharpened by low temperature", () => {
  const probabilities = [0.1, 0.6, 0.3];
  const draw = (temperature: number, seed: number, n: number) => {
    const rng = createRng(seed);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleIndex(probabilities, temperature, rng)]++;
    return counts;
  };
  assert.deepEqual(draw(1, 7, 50), draw(1, 7, 50), "the same seed gives the same draws");
  const atOne = draw(1, 1, 20000);
  probabilities.forEach((p, i) => assert.ok(Math.abs(atOne[i] / 20000 - p) < 0.02, `frequency of ${i} near ${p}`));
  // T = 0.5 squares the probabilities: 0.01, 0.36, 0.09 → 0.0217, 0.7826, 0.1957.
  const atHalf = draw(0.5, 2, 20000);
  [0.01 / 0.46, 0.36 / 0.46, 0.09 / 0.46].forEach((p, i) => assert.ok(Math.abs(atHalf[i] / 20000 - p) < 0.02));
  assert.deepEqual(draw(0.01, 3, 200), [0, 200, 0], "a tiny temperature always picks the most likely");
  assert.equal(sampleIndex([0, 0, 1], 1, createRng(1)), 2, "zero probabilities are never drawn");
});

test("sampleIndex bad input: temperature ≤ 0, negative or all-zero probabilities", () => {
  const rng = createRng(1);
  throwsInput(() => sampleIndex([0.5, 0.5], 0, rng), "temperature", /positive number.*0 or less has no meaning/);
  throwsInput(() => sampleIndex([0.5, 0.5], -1, rng), "temperature", /positive number/);
  throwsInput(() => sampleIndex([0.5, 0.5], NaN, rng), "temperature", /finite number/);
  throwsInput(() => sampleIndex([0.5, -0.5], 1, rng), "probabilities[1]", /≥ 0/);
  throwsInput(() => sampleIndex([0, 0], 1, rng), "probabilities", /all zeros/);
  throwsInput(() => sampleIndex([], 1, rng), "probabilities", /non-empty/);
  throwsInput(() => sampleIndex([1], 1, 42 as never), "rng", /createRng/);
});

/** A tiny trained language model on a text with an obvious pattern. */
async function tinyModel() {
  const text = "abcabcabdabcabcabd".repeat(20);
  const vocabulary = CharVocabulary.fromText(text);
  const sequences = makeTextSequences(vocabulary.encode(text), { lookBack: 6 });
  const { x, y } = textSequenceTensors(sequences);
  const model = buildLanguageModel({ vocabularySize: vocabulary.size, cell: "simpleRNN", units: 16, embeddingSize: 4, learningRate: 0.05, seed: 3 });
  return { text, vocabulary, sequences, x, y, model };
}

/** One tiny model trained once and shared by the tests below; `before` is its bits per character untrained. */
const trained = (async () => {
  const tiny = await tinyModel();
  const before = bitsPerCharacter(tiny.model, tiny.x, tiny.y);
  await fit(tiny.model, tiny.x, tiny.y, { epochs: 40, batchSize: 8, seed: 1, progress: "none" });
  return { ...tiny, before };
})();

test("bitsPerCharacter equals the model's own loss in bits, and falls with training below the bigram's", async () => {
  const { vocabulary, sequences, x, y, model, before } = await trained;
  assert.ok(Math.abs(before - Math.log2(vocabulary.size)) < 0.3, `an untrained model is near the uniform guess (${before})`);
  const after = bitsPerCharacter(model, sequences.x, sequences.y, { batchSize: 5 }); // nested arrays, several batches
  const loss = (model.evaluate(x, y, { batchSize: 64 }) as tf.Scalar).dataSync()[0];
  assert.ok(Math.abs(after - loss / Math.LN2) < 1e-3, `bits ${after} vs loss ${loss / Math.LN2}`);
  const bigram = BigramModel.fit(vocabulary.encode("abcabcabdabcabcabd".repeat(20)), vocabulary.size).bitsPerCharacter(vocabulary.encode("abcabcabdabcabcabd".repeat(3)));
  assert.ok(after < bigram, `the model (${after}) uses more context than a bigram (${bigram})`);
});

test("generateText: seeded, the same text every time, only vocabulary characters, and cold temperatures follow the pattern", async () => {
  const { vocabulary, model } = await trained;
  const a = generateText(model, vocabulary, { prompt: "abc", length: 30, temperature: 1, seed: 5, lookBack: 6 });
  const b = generateText(model, vocabulary, { prompt: "abc", length: 30, temperature: 1, seed: 5, lookBack: 6 });
  assert.equal(a, b);
  assert.equal(Array.from(a).length, 30);
  assert.ok(Array.from(a).every((c) => vocabulary.has(c)));
  const cold = generateText(model, vocabulary, { prompt: "abcab", length: 12, temperature: 0.05, seed: 1, lookBack: 6 });
  assert.match(cold, /^[cd]abcab[cd]abcab$/, `after "ab" comes c or d, after them a: ${cold}`);
});

test("generateTextAsync: the same text as generateText; Kernel → Interrupt stops it between characters, saying where", async () => {
  const { vocabulary, model } = await trained;
  const options = { prompt: "abc", length: 30, temperature: 1, seed: 5, lookBack: 6 };
  assert.equal(await generateTextAsync(model, vocabulary, options), generateText(model, vocabulary, options));
  // The interrupt runs only when the loop gives the event loop a turn.
  const message = await interruptedAfter(150, () => generateTextAsync(model, vocabulary, { ...options, length: 1_000_000 }));
  const m = /^Text generation interrupted at character (\d+) of 1000000\.$/.exec(message);
  assert.ok(m && Number(m[1]) > 0 && Number(m[1]) < 1_000_000, message);
});

test("generateText bad input", async () => {
  const { vocabulary, model } = await tinyModel();
  throwsInput(() => generateText(model, vocabulary, { prompt: "abz" }), "options.prompt[2]", /"z", which is not in it/);
  throwsInput(() => generateText(model, vocabulary, { prompt: "" }), "options.prompt", /non-empty string/);
  throwsInput(() => generateText(model, vocabulary, { prompt: "a", temperature: 0 }), "options.temperature", /positive number/);
  throwsInput(() => generateText(model, vocabulary, { prompt: "a", length: -1 }), "options.length", /non-negative integer/);
  throwsInput(() => generateText(model, CharVocabulary.fromText("ab"), { prompt: "a" }), "vocabulary", /4 characters, the width of the model's softmax/);
  throwsInput(() => generateText(model, vocabulary, { prompt: "a", temprature: 1 } as never), "options", /unknown key `temprature`/);
  throwsInput(() => generateText({} as never, vocabulary, { prompt: "a" }), "model", /LayersModel/);
  const fixed = buildLanguageModel({ vocabularySize: vocabulary.size, units: 4, lookBack: 6, cell: "gru" });
  throwsInput(() => generateText(fixed, vocabulary, { prompt: "a", lookBack: 5 }), "options.lookBack", /input length 6/);
  assert.equal(Array.from(generateText(fixed, vocabulary, { prompt: "abcabcabc", length: 3 })).length, 3, "a fixed-length model reads its own lookBack");
  throwsInput(() => generateText(fixed, vocabulary, { prompt: "abc" }), "options.prompt", /at least 6 characters/);
  model.dispose();
  fixed.dispose();
});

test("bitsPerCharacter bad input", async () => {
  const { model, x } = await tinyModel();
  throwsInput(() => bitsPerCharacter(model, x, [[0, 1]]), "y", /targets of shape/);
  throwsInput(() => bitsPerCharacter(model, tf.zeros([2, 3, 1]), tf.zeros([2, 3])), "x", /character ids/);
  throwsInput(() => bitsPerCharacter(model, x, x, { batchSize: 0 }), "options.batchSize", /positive integer/);
  throwsInput(() => bitsPerCharacter(model, [[0, 1], [2]], [[1, 2], [3, 0]]), "x[1]", /a row of length 2/);
  x.dispose();
  model.dispose();
});
