/**
 * `npm run bench`: speed figures for the choices the workbook makes, printed as
 * ratios measured in one run (interleaved repetitions, median of each).
 *
 * 1. Backends: milliseconds per training batch of an LSTM(50) + Dense(1) on the
 *    many-to-one data (15 samples × 3 steps, batch 5), cpu against wasm.
 * 2. Seeded training: the lib's `fit` (which orders every epoch with a seeded
 *    generator) against TensorFlow.js's own `model.fit` (unseeded shuffling),
 *    same model, data and epochs.
 *
 *   npm run bench [-- --epochs 200 --repeats 3]
 */
import * as tf from "@tensorflow/tfjs";
import { buildRecurrentModel, fit, ready, selectBackend, sumOfThree } from "../lib/src/index";

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`Expected ${name} to be a positive integer, but got ${process.argv[i + 1]}.`);
  return value;
}

const epochs = argValue("--epochs", 200);
const repeats = argValue("--repeats", 3);
const data = sumOfThree();
const x = data.x.map((s) => s.map((step) => [step[0] / 50])); // [15, 3, 1]
const y = data.y.map((t) => [t[0] / 150]); // [15, 1]
const batchSize = 5;
const batchesPerEpoch = Math.ceil(x.length / batchSize);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Milliseconds per batch of TensorFlow.js's own fit on `backend`. */
async function plainFit(backend: string): Promise<number> {
  await selectBackend({ backend: backend as "cpu" | "wasm" });
  const model = buildRecurrentModel({ units: 50, lookBack: 3, numFeatures: 1, seed: 1 });
  const xs = tf.tensor3d(x);
  const ys = tf.tensor2d(y);
  const started = performance.now();
  await model.fit(xs, ys, { epochs, batchSize, verbose: 0 });
  const ms = (performance.now() - started) / (epochs * batchesPerEpoch);
  tf.dispose([xs, ys]);
  model.dispose();
  return ms;
}

/** Milliseconds per batch of the lib's seeded fit on `backend`. */
async function libFit(backend: string): Promise<number> {
  await selectBackend({ backend: backend as "cpu" | "wasm" });
  const model = buildRecurrentModel({ units: 50, lookBack: 3, numFeatures: 1, seed: 1 });
  const started = performance.now();
  await fit(model, x, y, { epochs, batchSize, progress: "none" });
  const ms = (performance.now() - started) / (epochs * batchesPerEpoch);
  model.dispose();
  return ms;
}

async function main(): Promise<void> {
  await ready();
  const console_warn = console.warn;
  console.warn = () => undefined; // the orthogonal initialiser's one-off "slowness" notice
  const runs: Record<string, number[]> = { "cpu model.fit": [], "wasm model.fit": [], "wasm lib fit": [] };
  for (let r = 0; r < repeats; r++) {
    runs["cpu model.fit"].push(await plainFit("cpu"));
    runs["wasm model.fit"].push(await plainFit("wasm"));
    runs["wasm lib fit"].push(await libFit("wasm"));
  }
  console.warn = console_warn;
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  console.log(`LSTM(50) + Dense(1), 15 samples × 3 steps, batch ${batchSize}, ${epochs} epochs, median of ${repeats} runs`);
  for (const [name, ms] of Object.entries(m)) console.log(`  ${name.padEnd(16)} ${ms.toFixed(2)} ms per batch`);
  console.log(`  wasm is ${(m["cpu model.fit"] / m["wasm model.fit"]).toFixed(2)}× as fast as cpu`);
  console.log(`  the lib's seeded fit takes ${(m["wasm lib fit"] / m["wasm model.fit"]).toFixed(2)}× the time of model.fit`);
  const heap = process.memoryUsage();
  console.log(`  tensors alive at the end: ${tf.memory().numTensors}; heap used ${(heap.heapUsed / 1e6).toFixed(0)} MB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
