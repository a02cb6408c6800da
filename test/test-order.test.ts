// scripts/run-tests.ts: the order in which `npm test` starts its suites.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LONGEST_FIRST, testOrder } from "../scripts/run-tests";

test("npm test starts the longest suites first, then every other suite once, in name order", () => {
  const order = testOrder(__dirname).map((f) => path.basename(f));
  assert.deepEqual(order.slice(0, LONGEST_FIRST.length), LONGEST_FIRST);
  const rest = order.slice(LONGEST_FIRST.length);
  assert.deepEqual(rest, [...rest].sort());
  assert.equal(new Set(order).size, order.length, "no suite twice");
  assert.ok(order.includes("test-order.test.ts") && order.includes("windows.test.ts"));
});

test("a long suite renamed or removed is an error that says what to update; files named run as given", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "test-order-"));
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of LONGEST_FIRST.slice(1)) writeFileSync(path.join(dir, f), "");
    assert.throws(() => testOrder(dir), /lists suites that are not in .*: workbook\.test\.ts\. Update LONGEST_FIRST/);
    assert.deepEqual(testOrder(dir, ["b.test.ts", "a.test.ts"]), [path.resolve("b.test.ts"), path.resolve("a.test.ts")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
