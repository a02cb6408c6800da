import { test } from "node:test";
import assert from "node:assert/strict";
import { indexHtml } from "../scripts/site";
import type { WorkbookSummary } from "../scripts/workbook";

const summary: WorkbookSummary = {
  started: "2026-11-22T20:00:00.000Z",
  backend: "auto",
  nbconvert: "6.5.3",
  ok: false,
  notebooks: [
    { name: "00-getting-started", source: "notebooks/00-getting-started.ipynb", status: "ok", seconds: 5.04, metrics: { backend: "wasm", "sum of [50, 51, 52]": 150.16 }, log: "l" },
    { name: "03-many-to-one", source: "notebooks/03-many-to-one.ipynb", status: "failed", seconds: 2, metrics: {}, log: "l", error: "CheckFailedError: <script>alert(1)</script>" },
  ],
} as WorkbookSummary;

test("the index lists every notebook with status, seconds and metrics, linking only pages that exist", () => {
  const html = indexHtml(summary);
  assert.match(html, /<a href="00-getting-started.html">00-getting-started<\/a><\/td><td>ok<\/td><td>5.0<\/td><td>backend = wasm<br>sum of \[50, 51, 52\] = 150.16/);
  assert.doesNotMatch(html, /href="03-many-to-one.html"/);
  assert.match(html, /<tr class="failed"><td>03-many-to-one<\/td><td>failed/);
  assert.match(html, /CheckFailedError: &lt;script&gt;alert\(1\)&lt;\/script&gt;/, "errors are escaped");
  assert.match(html, /1 of 2 notebooks executed successfully on 2026-11-22 \(TensorFlow.js backend: wasm\)/);
  assert.doesNotMatch(html, /<script/i, "the index needs no script");
});
