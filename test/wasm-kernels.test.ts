// Kernels the workbook registers for the wasm backend, checked against the cpu backend's own.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/src/backend";
import { unsortedSegmentSumValues } from "../lib/src/patches";
import { createRng } from "../lib/src/random";

const rng = createRng(7);
const values = (n: number) => Array.from({ length: n }, () => rng() * 2 - 1);

/** tf.unsortedSegmentSum on the named backend, as plain numbers. */
async function segmentSumOn(backend: "cpu" | "wasm", x: number[], xShape: number[], ids: number[], numSegments: number) {
  await selectBackend({ backend });
  return tf.tidy(() => {
    const result = tf.unsortedSegmentSum(tf.tensor(x, xShape), tf.tensor1d(ids, "int32"), numSegments);
    return { shape: result.shape, values: Array.from(result.dataSync()) };
  });
}

test("unsortedSegmentSumValues sums rows into their segments and drops ids out of range", () => {
  const out = new Array(6).fill(99);
  unsortedSegmentSumValues([1, 2, 3, 4, 5, 6, 7, 8], [2, 0, 2, 5], 3, out); // x: [4 rows, 2], 3 segments of 2
  assert.deepEqual(out, [3, 4, 0, 0, 1 + 5, 2 + 6]);
});

test("UnsortedSegmentSum on wasm equals the cpu backend's, for rows of one, two and three dimensions", async () => {
  const cases = [
    { xShape: [7, 3], ids: [0, 4, 1, 4, 4, 2, 0], numSegments: 5 },
    { xShape: [6, 2, 4], ids: [1, 1, 0, 3, 2, 1], numSegments: 4 },
    { xShape: [5], ids: [0, 0, 1, 1, 1], numSegments: 2 },
  ];
  for (const c of cases) {
    const x = values(c.xShape.reduce((a, b) => a * b, 1));
    const expected = await segmentSumOn("cpu", x, c.xShape, c.ids, c.numSegments);
    const actual = await segmentSumOn("wasm", x, c.xShape, c.ids, c.numSegments);
    assert.deepEqual(actual.shape, expected.shape);
    actual.values.forEach((v, i) => assert.ok(Math.abs(v - expected.values[i]) < 1e-6, `${JSON.stringify(c.xShape)}[${i}]: ${v} vs ${expected.values[i]}`));
  }
});

test("an Embedding layer trains on wasm (its gradient needs UnsortedSegmentSum)", async () => {
  await selectBackend({ backend: "wasm" });
  tf.util.assert(tf.getBackend() === "wasm", () => "wasm backend active");
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 4, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 1 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
  const x = tf.tensor2d([[0, 1, 2, 3], [5, 4, 3, 2], [1, 1, 1, 1], [2, 3, 5, 0]], [4, 4]); // [4 samples, 4 token ids]
  const y = tf.tensor2d([[1], [-1], [0.5], [0]], [4, 1]);
  const history = await model.fit(x, y, { epochs: 30, batchSize: 4, shuffle: false, verbose: 0 });
  const loss = history.history.loss as number[];
  assert.ok(loss[29] < loss[0] / 4, `the loss falls: ${loss[0]} → ${loss[29]}`);
  tf.dispose([x, y]);
  model.dispose();
});
