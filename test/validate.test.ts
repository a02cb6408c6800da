import { test } from "node:test";
import assert from "node:assert/strict";
import { assert3D, assertIndex, assertMatrix, assertSeries, describeValue, fail, WorkbookInputError } from "../lib/src/validate";
import { createRng, shuffledIndices, uniform } from "../lib/src/random";

test("errors name the argument, the expectation, the value and the fix", () => {
  assert.throws(
    () => fail("lookBack", "a positive integer", 0, "Pass lookBack: 3."),
    (e: Error) => e instanceof WorkbookInputError && e.argument === "lookBack" && e.message === "Expected `lookBack` to be a positive integer, but got 0. Pass lookBack: 3.",
  );
});

test("values are described readably", () => {
  assert.equal(describeValue(NaN), "NaN");
  assert.equal(describeValue("abc"), '"abc"');
  assert.equal(describeValue([1, 2, [3]]), "an array of length 3 [1, 2, [array of 1]]");
  assert.equal(describeValue(new Float32Array(4)), "a Float32Array of length 4");
  assert.equal(describeValue(null), "null");
});

test("array shape checks catch empty, ragged and non-finite input", () => {
  assert.throws(() => assertSeries("s", []), /but got an empty array/);
  assert.throws(() => assertSeries("s", [1, Infinity]), /`s\[1\]` to be a finite number, but got Infinity/);
  assert.deepEqual(assertMatrix("m", [[1, 2], [3, 4]]), [2, 2]);
  assert.throws(() => assertMatrix("m", [[1, 2], [3]]), /`m\[1\]` to be a row of length 2.*Ragged arrays/);
  assert.deepEqual(assert3D("x", [[[1], [2]], [[3], [4]]]), [2, 2, 1]);
  assert.throws(() => assert3D("x", [[1, 2]]), /`x\[0\]\[0\]` to be an array of numbers/);
});

test("the seeded generator repeats itself and stays in [0, 1)", () => {
  const a = createRng(5);
  const b = createRng(5);
  const first = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(first, Array.from({ length: 1000 }, () => b()));
  assert.ok(first.every((v) => v >= 0 && v < 1));
  assert.notDeepEqual(first.slice(0, 5), Array.from({ length: 5 }, createRng(6)));
  const u = uniform(createRng(1), -0.5, 0.5);
  assert.ok(u >= -0.5 && u < 0.5);
  const order = shuffledIndices(10, createRng(3));
  assert.deepEqual([...order].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(order, shuffledIndices(10, createRng(3)));
  assert.throws(() => createRng(-1), /Expected `seed` to be a non-negative integer, but got -1/);
});

test("index checks name the valid range", () => {
  assertIndex("column", 1, 2, "column");
  assert.throws(() => assertIndex("column", 2, 2, "column", "Fix."), /Expected `column` to be a column index from 0 to 1, but got 2\. Fix\./);
  assert.throws(() => assertIndex("column", -1, 2, "column"), /but got -1/);
  assert.throws(() => assertIndex("column", 0.5, 2, "column"), /but got 0.5/);
});
