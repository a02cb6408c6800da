// The main job's size budget (scripts/budget.ts) and how it finds the Python that signs notebooks (scripts/trust.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { budgetBytes, budgetProblems, plotlyCopies, plotlyFile, plotlyMarker } from "../scripts/budget";
import { jupyterPython } from "../scripts/trust";

test("budgetProblems: one copy of plotly.js within budget passes; two copies, or too many bytes, do not", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-"));
  try {
    const library = readFileSync(plotlyFile(), "utf8");
    const once = path.join(dir, "once.html");
    writeFileSync(once, `<html>${library}<div>chart</div></html>`);
    assert.deepEqual(budgetProblems(once, "page"), []);
    assert.equal(plotlyCopies(readFileSync(once, "utf8")), 1);

    const twice = path.join(dir, "twice.ipynb");
    writeFileSync(twice, library + library);
    const problems = budgetProblems(twice, "notebook");
    assert.equal(problems.length, 2);
    assert.match(problems[0], /holds plotly\.js 2 times/);
    assert.match(problems[1], /over its budget of \d+ KiB \(plotly\.js \+ 768 KiB\)/);

    const padded = path.join(dir, "padded.ipynb");
    writeFileSync(padded, library + " ".repeat(budgetBytes("notebook") - Buffer.byteLength(library) + 1));
    assert.deepEqual(budgetProblems(padded, "notebook").length, 1);
    assert.deepEqual(budgetProblems(padded, "page"), [], "the page budget is larger");
    assert.equal(plotlyCopies("no library here"), 0);
    assert.ok(plotlyMarker().length > "plotly.js v".length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("jupyterPython reads the interpreter from the #! line of the jupyter on PATH", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trust-"));
  try {
    const first = path.join(dir, "a");
    const second = path.join(dir, "b");
    for (const d of [first, second]) mkdirSync(d);
    writeFileSync(path.join(second, "jupyter"), "#!/opt/python/bin/python3.11 -E\nimport sys\n");
    chmodSync(path.join(second, "jupyter"), 0o755);
    assert.deepEqual(jupyterPython({ PATH: [first, second].join(path.delimiter) }), ["/opt/python/bin/python3.11", "-E"]);
    writeFileSync(path.join(first, "jupyter"), "\x7fELF binary");
    assert.equal(jupyterPython({ PATH: [first, second].join(path.delimiter) }), null, "the first jupyter on PATH counts");
    assert.equal(jupyterPython({ PATH: path.join(dir, "none") }), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
