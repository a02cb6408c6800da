import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { indexHtml } from "../scripts/site";
import { jupyterPython } from "../scripts/trust";
import { jupyterSkip, REPO } from "./helpers";
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

test("publish.py signs a notebook as `jupyter trust` does and writes the page `jupyter nbconvert --to html` writes, byte for byte", { skip: jupyterSkip() }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "publish-"));
  try {
    const env = { ...process.env, JUPYTER_DATA_DIR: path.join(dir, "data") };
    const notebook = path.join(dir, "page.ipynb");
    const html = '<div id="chart">a chart</div><script>document.getElementById("chart").textContent = "drawn";</script>';
    writeFileSync(notebook, JSON.stringify({
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      cells: [
        { id: "title", cell_type: "markdown", metadata: {}, source: "# A page\n\nWith *markdown*." },
        { id: "chart", cell_type: "code", metadata: {}, execution_count: 1, source: "showChart(x)", outputs: [{ output_type: "display_data", metadata: {}, data: { "text/html": html, "text/plain": "chart" } }] },
      ],
    }));
    const template = path.join(REPO, "scripts", "nbconvert", "workbook.html.j2");
    const python = jupyterPython(env)!;
    const published = spawnSync(python[0], [...python.slice(1), path.join(REPO, "scripts", "nbconvert", "publish.py"), notebook, template, path.join(dir, "a.html")], { env, encoding: "utf8" });
    assert.equal(published.status, 0, published.stderr);
    assert.equal(published.stdout.trim(), "signed");
    const trust = spawnSync("jupyter", ["trust", notebook], { env, encoding: "utf8" });
    assert.match(trust.stdout + trust.stderr, /already signed/, "the signature is the one `jupyter trust` checks, in JUPYTER_DATA_DIR");
    const converted = spawnSync("jupyter", ["nbconvert", "--to", "html", "--template-file", template, "--output-dir", dir, "--output", "b", notebook], { env, encoding: "utf8" });
    assert.equal(converted.status, 0, converted.stderr);
    assert.ok(readFileSync(path.join(dir, "a.html"), "utf8").includes(html));
    assert.ok(readFileSync(path.join(dir, "a.html")).equals(readFileSync(path.join(dir, "b.html"))), "the same page as nbconvert's");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
