import { test } from "node:test";
import assert from "node:assert/strict";
import { checkExercise, exerciseStub, ExerciseFailedError } from "../lib/src/exercises";
import { errorFromThrown } from "../lib/src/kernel";

/** Runs a check and returns the error it threw (or null when it passed). */
async function outcome(body: Parameters<typeof checkExercise>[1]): Promise<ExerciseFailedError | null> {
  try {
    await checkExercise("05.1", body);
    return null;
  } catch (error) {
    assert.ok(error instanceof ExerciseFailedError, `expected an ExerciseFailedError, got ${error}`);
    return error as ExerciseFailedError;
  }
}

test("a check whose cases all hold passes", async () => {
  assert.equal(await outcome((t) => {
    t.close("f(2)", 4.0000001, 4, 1e-6);
    t.close("rows", [[1, 2], [3, 4]], [[1, 2], [3, 4]], 0);
    t.equal("name", "lstm", "lstm");
    t.shape("windows", [[[1], [2]], [[3], [4]]], [2, 2, 1]);
    t.shape("tensor", { shape: [10, 3, 1] }, [10, 3, 1]);
    t.isTrue(true, "never shown");
  }), null);
});

test("a wrong value names the case, what was expected and what came", async () => {
  const error = await outcome((t) => t.close("seasonalNaive([1, 2, 3, 4], 2)", [1, 2.5], [1, 2], 1e-6));
  assert.match(error!.message, /^Exercise 05\.1 is not right yet: seasonalNaive\(\[1, 2, 3, 4\], 2\) should be \[1, 2\] \(± 0\.000001\), but it is \[1, 2\.5000\] \(first wrong value at flat index 1/);
});

test("a wrong shape and a missing return say so", async () => {
  assert.match((await outcome((t) => t.close("x", [1, 2, 3], [1, 2], 0)))!.hint, /x should have shape \[2\], but it has shape \[3\]/);
  assert.match((await outcome((t) => t.close("x", undefined, 3, 0)))!.hint, /x should be a number, but it is undefined \(did the function return its result\?\)/);
  assert.match((await outcome((t) => t.shape("windows", [[1, 2], [3]], [2, 2])))!.hint, /windows should have shape \[2, 2\], but it is an array of length 2/);
  assert.match((await outcome((t) => t.equal("cell", "gru", "lstm")))!.hint, /cell should be "lstm", but it is "gru"/);
  // A flat list is a list, not a shape: [2, 3] is not a 2 × 3 array.
  assert.match((await outcome((t) => t.shape("windows", [2, 3], [2, 3])))!.hint, /windows should have shape \[2, 3\], but it has shape \[2\]/);
  assert.match((await outcome((t) => t.shape("windows", { shape: [4, 2] }, [2, 3])))!.hint, /has shape \[4, 2\]/);
});

test("an answer holding something other than numbers names the first such entry", async () => {
  const hint = (await outcome((t) => t.close("seasonalNaive(sales, 12)", [20, undefined, 40], [20, 30, 40], 0)))!.hint;
  assert.match(hint, /should be numbers of shape \[3\], but it is an array of length 3: seasonalNaive\(sales, 12\)\[1\] is undefined/);
});

test("hints show the numbers of nested answers, the first dozen of long ones", async () => {
  const hint = (await outcome((t) => t.close("rows", [[1, 2], [3, 5]], [[1, 2], [3, 4]], 1e-9)))!.hint;
  assert.equal(hint, "rows should be [[1, 2], [3, 4]] (± 1e-9), but it is [[1, 2], [3, 5]] (first wrong value at flat index 3: 5 instead of 4).");
  const long = (await outcome((t) => t.close("series", Array.from({ length: 20 }, (_, i) => i + 0.5), Array.from({ length: 20 }, (_, i) => i), 0.1)))!.hint;
  assert.match(long, /but it is \[0\.5000, 1\.5000, .*11\.5000, …\] \(shape \[20\]\)/);
});

test("the student edition's stub reads as not answered yet, with what to do", async () => {
  const stub = new Function(exerciseStub("05.1")) as () => number;
  const error = await outcome((t) => t.close("answer", stub(), 1, 0));
  assert.match(error!.hint, /write your answer in the answer cell above/);
});

test("an error thrown by the student's code becomes the hint, without a stack into the lib", async () => {
  const error = await outcome(() => {
    (null as unknown as { x: number }).x;
  });
  assert.match(error!.hint, /^your code threw TypeError: Cannot read properties of null/);
  const jupyter = errorFromThrown(error, false);
  assert.equal(jupyter.ename, "ExerciseFailedError");
  assert.deepEqual(jupyter.traceback, [`ExerciseFailedError: ${error!.message}`]);
});

test("a bad id or body is the caller's error", async () => {
  await assert.rejects(checkExercise("5.1", () => undefined), /Expected `id` to be an exercise id like "05.1"/);
  await assert.rejects(checkExercise("05.1", 3 as never), /Expected `body` to be a function/);
});
