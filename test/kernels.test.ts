// The wasm BatchMatMul of lib/src/kernels.ts against the cpu backend's, and against the stock wasm kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/src/backend";
import { activeWasmBackend, broadcastBatchIndex, patchWasmMatMul, unpatchWasmMatMul, wasmProduct } from "../lib/src/kernels";
import { createRng } from "../lib/src/random";

const rng = createRng(11);
const values = (n: number) => Float32Array.from({ length: n }, () => rng() * 2 - 1);

/**
 * The product by definition, in float64: out[o][i][j] = Σk A[o][i][k]·B[o][k][j], each operand's
 * batch coordinates right-aligned with the output's and pinned to 0 where its size is 1.
 */
function referenceMatMul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean) {
  const r = Math.max(aShape.length, bShape.length) - 2;
  const pad = (s: number[]) => [...new Array(r - (s.length - 2)).fill(1), ...s.slice(0, -2)];
  const aOuter = pad(aShape);
  const bOuter = pad(bShape);
  const outer = aOuter.map((d, i) => Math.max(d, bOuter[i]));
  const [aR, aC] = aShape.slice(-2);
  const [bR, bC] = bShape.slice(-2);
  const m = tA ? aC : aR;
  const k = tA ? aR : aC;
  const n = tB ? bR : bC;
  const count = outer.reduce((x, y) => x * y, 1);
  const out: number[] = [];
  for (let o = 0; o < count; o++) {
    const coords: number[] = [];
    let rest = o;
    for (let d = r - 1; d >= 0; d--) {
      coords[d] = rest % outer[d];
      rest = Math.floor(rest / outer[d]);
    }
    const flat = (dims: number[]) => dims.reduce((acc, size, d) => acc * size + (size === 1 ? 0 : coords[d]), 0);
    const aBase = flat(aOuter) * aR * aC;
    const bBase = flat(bOuter) * bR * bC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) {
          sum += a[aBase + (tA ? q * aC + i : i * aC + q)] * b[bBase + (tB ? j * bC + q : q * bC + j)];
        }
        out.push(sum);
      }
    }
  }
  return { shape: [...outer, m, n], values: out };
}

/** tf.matMul on the named backend, as plain numbers. */
async function matMulOn(backend: "cpu" | "wasm", a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean) {
  await selectBackend({ backend });
  const result = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB));
  const out = { shape: result.shape, values: Array.from(result.dataSync()) };
  result.dispose();
  return out;
}

test("broadcastBatchIndex maps an output batch index to each operand's matrix", () => {
  // outer [2, 3]; operand [2, 1] picks by the first dim; operand [3] by the last; [] always 0.
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((j) => broadcastBatchIndex(j, [2, 3], [2, 1])), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((j) => broadcastBatchIndex(j, [2, 3], [3])), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((j) => broadcastBatchIndex(j, [2, 3], [1, 3])), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual([0, 5].map((j) => broadcastBatchIndex(j, [2, 3], [])), [0, 0]);
});

test("the wasm backend uses the workbook's BatchMatMul", async () => {
  await selectBackend({ backend: "wasm" });
  assert.equal(patchWasmMatMul(), false, "already registered when the backend loaded");
});

test("BatchMatMul on wasm equals the product by definition for every transpose combination, batches and broadcasting", async () => {
  // [aShape without transposes, bShape without transposes]: M×K · K×N with batch dims.
  const cases: Array<[number[], number[]]> = [
    [[5, 7], [7, 3]], // plain matrices
    [[1, 4, 6], [1, 6, 2]], // batch of one
    [[3, 4, 6], [3, 6, 5]], // batch > 1 on both sides
    [[3, 4, 6], [6, 5]], // b broadcast over a's batch (rank 2 b)
    [[4, 6], [3, 6, 5]], // a broadcast over b's batch
    [[2, 1, 4, 6], [1, 3, 6, 5]], // both broadcast: outer [2, 3]
    [[2, 3, 4, 6], [1, 6, 5]], // rank 4 with a shared b
    [[1, 7], [7, 1]], // vectors
    [[33, 65], [65, 70]], // sizes past the stock kernel's 48-wide blocks
  ];
  for (const [aPlain, bPlain] of cases) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
        const aShape = swap(aPlain, tA);
        const bShape = swap(bPlain, tB);
        const a = values(aShape.reduce((x, y) => x * y, 1));
        const b = values(bShape.reduce((x, y) => x * y, 1));
        // (The cpu backend itself gets mixed broadcasting such as [2, 1] against [1, 3] wrong,
        // so the truth here is the definition.)
        const expected = referenceMatMul(a, aShape, b, bShape, tA, tB);
        const actual = await matMulOn("wasm", a, aShape, b, bShape, tA, tB);
        const label = `${JSON.stringify(aShape)}${tA ? "ᵀ" : ""} · ${JSON.stringify(bShape)}${tB ? "ᵀ" : ""}`;
        assert.deepEqual(actual.shape, expected.shape, label);
        actual.values.forEach((v, i) => assert.ok(Math.abs(v - expected.values[i]) <= 1e-5 * Math.max(1, Math.abs(expected.values[i])), `${label}[${i}]: ${v} vs ${expected.values[i]}`));
      }
    }
  }
});

test("gradients of a matrix product (transposed products) agree with the cpu backend and leak no tensors", async () => {
  const a = values(6 * 8);
  const b = values(8 * 5);
  const gradsOn = async (backend: "cpu" | "wasm") => {
    await selectBackend({ backend });
    const before = tf.memory().numTensors;
    const [ga, gb] = tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y).square().sum())([tf.tensor2d(a, [6, 8]), tf.tensor2d(b, [8, 5])]));
    const out = [Array.from(ga.dataSync()), Array.from(gb.dataSync())];
    tf.dispose([ga, gb]);
    assert.equal(tf.memory().numTensors, before, `no tensors left behind on ${backend}`);
    return out;
  };
  const expected = await gradsOn("cpu");
  const actual = await gradsOn("wasm");
  expected.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(actual[k][i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `grad ${k}[${i}]`)));
});

test("BatchMatMul on wasm equals the stock wasm kernel wherever the stock kernel broadcasts correctly", async () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[4, 50], [200, 50], false, true], // dh · Rᵀ in backpropagation
    [[15, 50], [15, 200], true, false], // hᵀ · dz
    [[3, 4, 6], [3, 5, 4], true, true],
    [[3, 6, 4], [6, 5], true, false],
  ];
  await selectBackend({ backend: "wasm" });
  for (const [aShape, bShape, tA, tB] of cases) {
    const a = values(aShape.reduce((x, y) => x * y, 1));
    const b = values(bShape.reduce((x, y) => x * y, 1));
    const run = () => {
      const out = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB));
      const result = { shape: out.shape, values: Array.from(out.dataSync()) };
      out.dispose();
      return result;
    };
    const ours = run();
    assert.equal(unpatchWasmMatMul(), true);
    let stock: { shape: number[]; values: number[] };
    try {
      stock = run();
    } finally {
      assert.equal(patchWasmMatMul(), true);
    }
    assert.deepEqual(ours.shape, stock.shape);
    ours.values.forEach((v, i) => assert.ok(Math.abs(v - stock.values[i]) <= 1e-5 * Math.max(1, Math.abs(stock.values[i])), `${JSON.stringify(aShape)}[${i}]`));
  }
});

test("wasmProduct equals tf.matMul on wasm, fills `into`, leaves nothing on the heap, and takes a tensor made on cpu", async () => {
  const a = values(5 * 50); // [5, 50]: h_{t-1} of a batch of 5, LSTM(50)
  const bValues = values(50 * 200); // [50, 200]: the recurrent kernel
  await selectBackend({ backend: "cpu" });
  const onCpu = tf.tensor2d(bValues, [50, 200]); // made on cpu: the kernel must move it to wasm
  await selectBackend({ backend: "wasm" });
  const backend = activeWasmBackend();
  assert.ok(backend, "the wasm backend is active");
  const b = tf.tensor2d(bValues, [50, 200]);
  const expected = tf.tidy(() => tf.matMul(tf.tensor2d(a, [5, 50]), b)).dataSync();
  const dataBefore = tf.memory().numDataBuffers;
  const heapBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const product = wasmProduct(backend, a, 5, 50, b);
  assert.equal(product.length, 5 * 200);
  product.forEach((v, i) => assert.equal(v, expected[i], `[${i}]`)); // the same kernel: the same float32 values
  const into = new Float32Array(5 * 200);
  assert.equal(wasmProduct(backend, a, 5, 50, b, into), into, "writes into the array it is given");
  assert.deepEqual(Array.from(into), Array.from(product));
  assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), heapBefore, "no tensor left on the wasm heap");
  assert.equal(tf.memory().numDataBuffers, dataBefore, "nothing registered with the engine");
  const moved = wasmProduct(backend, a, 5, 50, onCpu);
  moved.forEach((v, i) => assert.equal(v, expected[i], `moved from cpu [${i}]`));
  tf.dispose([b, onCpu]);
});
