// The WebAssembly SIMD Adam step (lib/src/simd.ts) against the JavaScript loop it replaces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { simdAdam } from "../lib/src/simd";
import { adamStep } from "../lib/src/optimizers";
import { createRng } from "../lib/src/random";

const f = Math.fround;
const rng = createRng(5);
const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);

test("simdAdam is available on every Node the workbook supports (WebAssembly SIMD)", () => {
  assert.equal(typeof simdAdam(), "function");
});

test("simdAdam gives the JavaScript loop's new weights and moments bit for bit, for any length", () => {
  const step = simdAdam()!;
  // Lengths below, at and past multiples of 4 (the lanes of one instruction); 10 450: an LSTM(50)'s recurrent kernel and more.
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 10_450]) {
    for (const [learningRate, power] of [[0.001, 1], [0.05, 40]] as const) {
      const g = values(n, 2);
      const w = values(n, 1);
      const m = values(n, 0.1);
      const v = values(n, 0.01).map(Math.abs);
      const [m1, v1, m2, v2] = [m.slice(), v.slice(), m.slice(), v.slice()];
      const [next1, next2] = [new Float32Array(n), new Float32Array(n)];
      const b1 = f(0.9);
      const b2 = f(0.999);
      const args = [b1, b2, f(1 - 0.9), f(1 - 0.999), f(1e-7), f(-learningRate), f(1 - f(b1 ** power)), f(1 - f(b2 ** power))] as const;
      adamStep(g, w, m1, v1, next1, ...args);
      step(g, w, m2, v2, next2, ...args);
      assert.deepEqual(next2, next1, `new weights, n = ${n}`);
      assert.deepEqual(m2, m1, `first moments, n = ${n}`);
      assert.deepEqual(v2, v1, `second moments, n = ${n}`);
      if (n > 0) assert.ok(next1.some((x, i) => x !== w[i]), "the step moved the weights");
    }
  }
});

test("simdAdam over a long weight and then a short one: the short one's values are its own", () => {
  const step = simdAdam()!;
  const args = [f(0.9), f(0.999), f(0.1), f(0.001), f(1e-7), f(-0.01), f(0.1), f(0.001)] as const;
  const long = 50_000; // grows the module's memory
  step(values(long, 1), values(long, 1), new Float32Array(long), new Float32Array(long), new Float32Array(long), ...args);
  const n = 6;
  const g = values(n, 1);
  const w = values(n, 1);
  const [m1, v1, m2, v2] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const [next1, next2] = [new Float32Array(n), new Float32Array(n)];
  adamStep(g, w, m1, v1, next1, ...args);
  step(g, w, m2, v2, next2, ...args);
  assert.deepEqual(next2, next1);
  assert.deepEqual([m2, v2], [m1, v1]);
});
