/**
 * Exercises that check themselves. Every notebook ends with a few exercises:
 * an answer cell where the student writes code (the instructor's notebook
 * holds the solution between `// BEGIN SOLUTION` and `// END SOLUTION`), and a
 * check cell that calls {@link checkExercise}. A check says plainly whether the
 * answer is right; when it is not, it fails the cell with a hint the student
 * can act on, never a stack trace into the lib. Introduced in notebook 00.
 *
 *     // Exercise 00.1 · check
 *     await checkExercise("00.1", (t) => {
 *       t.close("nextValue([1, 2, 3])", nextValue([1, 2, 3]), 4, 1e-9);
 *     });
 *
 * The student edition (`npm run student-edition`) replaces each solution by
 * `throw new Error("Exercise 00.1: write your answer here");`, which a check
 * reports as "not answered yet". The grader (`npm run grade`) reads the result
 * every check shows under {@link EXERCISE_MIME}.
 */
import { displayBundle } from "./display";
import { fail, WorkbookInputError } from "./validate";

/** The MIME type of an exercise's result, read by the grader. */
export const EXERCISE_MIME = "application/vnd.rnn-workbook.exercise+json";

/** What a check found: `"pass"`, or `"fail"` (wrong, or not answered yet). */
export type ExerciseStatus = "pass" | "fail";

/** An exercise's result as the grader reads it. */
export interface ExerciseResult {
  /** The exercise, e.g. `"05.1"`. */
  id: string;
  /** Whether every case held. */
  status: ExerciseStatus;
  /** What to fix, when the status is `"fail"`. */
  hint?: string;
  /** True when the answer cell still holds the student edition's stub. */
  notAnswered?: boolean;
}

/** Thrown by a check cell whose exercise is not right yet; its message is the hint. */
export class ExerciseFailedError extends Error {
  /** The exercise, e.g. `"05.1"`. */
  readonly exercise: string;
  /** What to fix. */
  readonly hint: string;

  constructor(exercise: string, hint: string) {
    super(`Exercise ${exercise} is not right yet: ${hint}`);
    this.name = "ExerciseFailedError";
    this.exercise = exercise;
    this.hint = hint;
    this.stack = `${this.name}: ${this.message}`; // the hint is the whole story: no frames into the lib
  }
}

/** A case of a check that did not hold; turned into an {@link ExerciseFailedError} by {@link checkExercise}. */
class CaseFailed extends Error {}

/** The exercise ids the workbook uses: a two-digit notebook number, a dot, a number, e.g. `"05.1"`. */
export const EXERCISE_ID = /^\d\d\.\d+$/;

/** The message of the error the student edition's stub throws for exercise `id`. */
function stubMessage(id: string): string {
  return `Exercise ${id}: write your answer here`;
}

/** The stub the student edition puts in place of a solution. */
export function exerciseStub(id: string): string {
  return `throw new Error(${JSON.stringify(stubMessage(id))});`;
}

/** True when `error` is the student edition's stub (of any exercise: a check may call another exercise's answer). */
function isStub(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const id = /^Exercise (\S+): /.exec(error.message)?.[1];
  return id !== undefined && EXERCISE_ID.test(id) && error.message === stubMessage(id);
}

/** A number for a hint: integers as written, others to 4 decimals (or 4 significant digits when tiny or huge). */
function showNumber(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toPrecision(4);
}

/** A nested array of numbers for a hint, at most `room` numbers shown. */
function showNested(value: unknown, room: { left: number }): string {
  if (!Array.isArray(value)) {
    room.left -= 1;
    return showNumber(value as number);
  }
  const parts: string[] = [];
  for (const item of value) {
    if (room.left <= 0) {
      parts.push("…");
      break;
    }
    parts.push(showNested(item, room));
  }
  return `[${parts.join(", ")}]`;
}

/** A value for a hint: numbers and arrays of numbers as written (the first dozen values), anything else described. */
function show(value: unknown): string {
  const shape = shapeOf(value);
  if (shape !== null) {
    const text = showNested(value, { left: 12 });
    return shape.length >= 1 && shape.reduce((a, b) => a * b, 1) > 12 ? `${text} (shape [${shape.join(", ")}])` : text;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === undefined) return "undefined (did the function return its result?)";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  return typeof value === "object" ? `a ${(value as object).constructor?.name ?? "value"}` : String(value);
}

/** The shape of a nested array of numbers, e.g. `[2, 3]` for `[[1, 2, 3], [4, 5, 6]]`; null for anything else. */
function shapeOf(value: unknown): number[] | null {
  if (typeof value === "number") return [];
  if (!Array.isArray(value)) return null;
  if (value.length === 0) return [0];
  const inner = shapeOf(value[0]);
  if (inner === null) return null;
  for (const item of value) {
    const s = shapeOf(item);
    if (s === null || s.length !== inner.length || s.some((d, i) => d !== inner[i])) return null;
  }
  return [value.length, ...inner];
}

/** The first entry of a nested array that is not a number (or the place where rows differ in length), with its index path like `[1][0]`. */
function firstNonNumber(value: unknown, path: string): { path: string; value: unknown } | null {
  if (typeof value === "number") return null;
  if (!Array.isArray(value)) return { path, value };
  for (let i = 0; i < value.length; i++) {
    const inner = firstNonNumber(value[i], `${path}[${i}]`);
    if (inner !== null) return inner;
  }
  const lengths = value.map((v) => (Array.isArray(v) ? v.length : -1));
  const differs = lengths.findIndex((n) => n !== lengths[0]);
  return differs > 0 ? { path: `${path}[${differs}]`, value: value[differs] } : null;
}

/** Flattens a nested array of numbers. */
function flatten(value: unknown): number[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value as number];
}

/** The assertions a check cell's body receives; each failed one fails the exercise with a hint. */
export interface ExerciseChecker {
  /**
   * `actual` (a number or nested array of numbers) is within `tolerance` of
   * `expected` in every component, with the same shape. `what` names the case
   * in the hint, e.g. "seasonalNaive([1, 2, 3, 4], 2)".
   */
  close(what: string, actual: unknown, expected: number | number[] | number[][] | number[][][], tolerance: number): void;
  /** `actual` equals `expected` (strings, booleans, integers, or arrays of them). */
  equal(what: string, actual: unknown, expected: unknown): void;
  /** `actual` (a nested array of numbers, or a tensor) has shape `expected`, e.g. `[100, 3, 1]`. */
  shape(what: string, actual: unknown, expected: number[]): void;
  /** `condition` holds; otherwise `hint` says what to change. */
  isTrue(condition: boolean, hint: string): void;
}

const checker: ExerciseChecker = {
  close(what, actual, expected, tolerance) {
    if (!(typeof tolerance === "number" && tolerance >= 0)) fail("tolerance", "a non-negative number", tolerance);
    const want = shapeOf(expected);
    if (want === null) fail("expected", "a number or a nested array of numbers", expected);
    const got = shapeOf(actual);
    if (got === null) {
      const odd = firstNonNumber(actual, "");
      const where = Array.isArray(actual) && odd !== null ? `: ${what}${odd.path} is ${show(odd.value)}` : "";
      throw new CaseFailed(`${what} should be ${want!.length === 0 ? "a number" : `numbers of shape [${want!.join(", ")}]`}, but it is ${show(actual)}${where}.`);
    }
    if (got.length !== want!.length || got.some((d, i) => d !== want![i])) {
      throw new CaseFailed(`${what} should have shape [${want!.join(", ")}], but it has shape [${got.join(", ")}].`);
    }
    const a = flatten(actual);
    const e = flatten(expected);
    for (let i = 0; i < a.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= tolerance)) {
        const where = want!.length === 0 ? "" : ` (first wrong value at flat index ${i}: ${show(a[i])} instead of ${show(e[i])})`;
        throw new CaseFailed(`${what} should be ${show(expected)} (± ${tolerance}), but it is ${show(actual)}${where}.`);
      }
    }
  },
  equal(what, actual, expected) {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new CaseFailed(`${what} should be ${show(expected)}, but it is ${show(actual)}.`);
  },
  shape(what, actual, expected) {
    if (!Array.isArray(expected) || !expected.every((d) => Number.isInteger(d) && d >= 0)) fail("expected", "a shape: an array of non-negative integers, e.g. [100, 3, 1]", expected);
    const tensorShape = actual !== null && typeof actual === "object" && !Array.isArray(actual) && Array.isArray((actual as { shape?: unknown }).shape)
      ? ((actual as { shape: number[] }).shape)
      : null;
    const got = tensorShape ?? shapeOf(actual);
    if (got === null || got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
      throw new CaseFailed(`${what} should have shape [${expected.join(", ")}], but it ${got === null ? `is ${show(actual)}` : `has shape [${got.join(", ")}]`}.`);
    }
  },
  isTrue(condition, hint) {
    if (condition !== true) throw new CaseFailed(hint);
  },
};

/** Shows an exercise's result: a line for the reader, JSON for the grader. */
function showResult(result: ExerciseResult): void {
  const text = result.status === "pass" ? `Exercise ${result.id}: correct ✓` : `Exercise ${result.id}: ${result.notAnswered ? "not answered yet" : "not right yet"} ✗ — ${result.hint}`;
  displayBundle({ [EXERCISE_MIME]: result, "text/plain": text });
}

/**
 * Runs an exercise's check: `body` makes its cases with the assertions of
 * `t`. When every case holds it shows "Exercise 05.1: correct ✓"; otherwise
 * it throws an {@link ExerciseFailedError} whose message is the hint: the case
 * that failed, an error the student's code threw (with its message), or
 * "write your answer here" while the answer still holds the stub.
 */
export async function checkExercise(id: string, body: (t: ExerciseChecker) => void | Promise<void>): Promise<void> {
  if (typeof id !== "string" || !EXERCISE_ID.test(id)) fail("id", 'an exercise id like "05.1" (notebook number, dot, exercise number)', id);
  if (typeof body !== "function") fail("body", "a function (t) => { … } making the check's cases", body);
  let hint: string;
  let notAnswered = false;
  try {
    await body(checker);
    showResult({ id, status: "pass" });
    return;
  } catch (error) {
    if (error instanceof CaseFailed) hint = error.message;
    else if (isStub(error)) {
      notAnswered = true;
      hint = "write your answer in the answer cell above (replace the line that throws), run it, then run this check again.";
    } else if (error instanceof WorkbookInputError) hint = `a workbook function rejected your answer's input: ${error.message}`;
    else if (error instanceof Error) hint = `your code threw ${error.name}: ${error.message}`;
    else hint = `your code threw ${String(error)}`;
  }
  showResult({ id, status: "fail", hint, ...(notAnswered ? { notAnswered } : {}) });
  throw new ExerciseFailedError(id, hint);
}
