import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CheckFailedError, distance, expectAtLeastAsCloseAsSeed, expectClose, expectTrue, reportMetrics, seedBest, showSeedComparison,
} from "../lib/src/checks";

test("distance is the largest absolute difference", () => {
  assert.equal(distance(450, 437.86), 450 - 437.86);
  assert.ok(Math.abs(distance([29.21, 48.74], [29, 49]) - 0.26) < 1e-12);
  assert.throws(() => distance([1, 2], [1]), /Expected `actual` to be 1 value\(s\)/);
});

test("expectClose passes within tolerance and fails with what, expected, got and how far", () => {
  expectClose("h", [0.85972772, 0.88365397], [0.85972772, 0.88365397], 1e-6);
  assert.throws(
    () => expectClose("prediction for X = 30", 437.86, 450, 5),
    (e: Error) => e instanceof CheckFailedError && /prediction for X = 30: expected 450 ± 5, got 437.86.*off by 12\.14/.test(e.message),
  );
  assert.throws(() => expectClose("x", NaN, 1, 1), /Expected `actual` to be a finite number, but got NaN/);
  assert.throws(() => expectClose("x", 1, 1, -1), /`tolerance`/);
});

test("expectTrue", () => {
  expectTrue(true, "fine");
  assert.throws(() => expectTrue(false, "the loss fell"), /Check failed: the loss fell\./);
});

const sumOfThree = {
  problem: "sum of [50, 51, 52]",
  truth: 153,
  seed: { simple: 145.96, stacked: 155.37, bidirectional: 152.26 },
  ours: { simple: 152.9, stacked: 153.5 },
};

test("the seed's best is the closest seed result", () => {
  assert.equal(seedBest(sumOfThree).model, "bidirectional");
});

test("our models must each be at least as close as the seed's best", () => {
  const margins = expectAtLeastAsCloseAsSeed(sumOfThree);
  assert.ok(Math.abs(margins.simple - (0.74 - 0.1)) < 1e-9);
  assert.throws(
    () => expectAtLeastAsCloseAsSeed({ ...sumOfThree, ours: { simple: 152.9, stacked: 154 } }),
    /stacked predicted 154, 1\.000 from the truth 153; the seed's best \(bidirectional, 152\.26\) is 0\.740 from it/,
  );
  expectAtLeastAsCloseAsSeed({ ...sumOfThree, ours: { simple: 152.9, stacked: 154 } }, ["simple"]);
  assert.throws(() => expectAtLeastAsCloseAsSeed(sumOfThree, ["gru"]), /Expected `models`/);
  // Vectors: the seed's arithmetic-slip problem is checked against [29, 49].
  expectAtLeastAsCloseAsSeed({ problem: "next step", truth: [29, 49], seed: { bi: [29.21, 48.74] }, ours: { m: [29.1, 48.8] } });
  assert.throws(() => expectAtLeastAsCloseAsSeed({ problem: "next step", truth: [29, 49], seed: { bi: [29.21, 48.74] }, ours: { m: [29.0, 48.7] } }));
});

test("outside a notebook, tables and metrics print as text", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    showSeedComparison([sumOfThree]);
    reportMetrics({ "sum of [50, 51, 52]": 152.9, backend: "wasm" });
  } finally {
    console.log = original;
  }
  assert.match(lines[0], /sum of \[50, 51, 52\]: truth 153/);
  assert.equal(lines[1], "sum of [50, 51, 52]: 152.900\nbackend: wasm");
  assert.throws(() => reportMetrics({}), /Expected `metrics`/);
  assert.throws(() => reportMetrics({ x: NaN }), /`metrics\["x"\]` to be a finite number/);
});
