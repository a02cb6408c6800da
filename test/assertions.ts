/** Assertions shared by the unit tests. */
import assert from "node:assert/strict";
import { WorkbookInputError } from "../lib/src/validate";

/** Asserts that `f` throws a WorkbookInputError whose message contains every fragment. */
export function throwsInput(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WorkbookInputError, `expected a WorkbookInputError, got ${String(e)}`);
    for (const fragment of fragments) assert.ok(e.message.includes(fragment), `"${e.message}" lacks "${fragment}"`);
    return true;
  });
}

/** Asserts two nested arrays of numbers agree to `tolerance` (relative to the size of the value). */
export function close(actual: unknown, expected: unknown, tolerance = 1e-9, path = "value"): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} is not an array`);
    assert.equal(actual.length, expected.length, `${path} length`);
    expected.forEach((e, i) => close(actual[i], e, tolerance, `${path}[${i}]`));
    return;
  }
  const a = actual as number;
  const e = expected as number;
  assert.ok(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)), `${path}: ${a} vs ${e}`);
}
