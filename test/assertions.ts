/** Assertions shared by the unit tests. */
import assert from "node:assert/strict";
import { WorkbookInputError } from "../lib/src/validate";
import { clearInterrupt, InterruptedError, interruptState, requestInterrupt } from "../lib/src/interrupt";

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

/**
 * Runs `work` with Kernel → Interrupt arriving after `ms` as a macrotask (as SIGINT does in a
 * kernel), asserts that it stopped with an InterruptedError within 5 s and left no interruptible
 * loop registered, and returns that error's message for the caller's own checks.
 */
export async function interruptedAfter(ms: number, work: () => Promise<unknown>): Promise<string> {
  clearInterrupt();
  const timer = setTimeout(() => requestInterrupt(), ms);
  const started = Date.now();
  try {
    let thrown: unknown;
    await assert.rejects(work(), (error: unknown) => ((thrown = error), true));
    assert.ok(thrown instanceof InterruptedError, String(thrown));
    assert.ok(Date.now() - started < 5000, `stopped soon after the interrupt (${Date.now() - started} ms)`);
    assert.equal(interruptState().active.size, 0, "no loop left registered");
    return thrown.message;
  } finally {
    clearTimeout(timer);
    clearInterrupt();
  }
}
