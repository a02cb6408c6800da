// Notebooks are kept in git without outputs and with cell ids (nbformat 4.5), so diffs stay
// readable and every output a reader sees comes from a fresh execution.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const dir = path.resolve(__dirname, "..", "notebooks");
const notebooks = readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort();

test("the notebooks folder holds the workbook's notebooks, numbered", () => {
  assert.ok(notebooks.includes("00-getting-started.ipynb"));
  for (const name of notebooks) assert.match(name, /^\d\d-[a-z0-9-]+\.ipynb$/, name);
});

for (const name of notebooks) {
  test(`${name}: nbformat 4.5, tslab kernel, cell ids, no outputs`, () => {
    const nb = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
    assert.equal(nb.nbformat, 4);
    assert.ok(nb.nbformat_minor >= 5, "nbformat 4.5 or later (cell ids)");
    assert.equal(nb.metadata.kernelspec.name, "tslab");
    assert.equal(nb.metadata.kernelspec.language, "typescript");
    const ids = nb.cells.map((c: { id?: string }) => c.id);
    assert.ok(ids.every((id: unknown) => typeof id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(id as string)), "every cell has a valid id");
    assert.equal(new Set(ids).size, ids.length, "cell ids are unique");
    for (const cell of nb.cells) {
      if (cell.cell_type === "code") {
        assert.deepEqual(cell.outputs, [], `cell ${cell.id} has no outputs`);
        assert.equal(cell.execution_count, null, `cell ${cell.id} has no execution count`);
      }
    }
  });

  test(`${name}: follows the house skeleton and imports the lib by name`, () => {
    const nb = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
    const source = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join("") : c.source);
    const markdown = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "markdown").map(source).join("\n");
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").map(source).join("\n");
    const number = name.slice(0, 2);
    assert.match(source(nb.cells[0]), new RegExp(`^# ${number} · `), "opens with its number and title");
    assert.match(markdown, /What you will learn/);
    assert.match(markdown, /^## Setup/m);
    assert.match(markdown, /^##+ .*Evaluation/m);
    assert.match(markdown, /^## Comparison with the seed's results?$/m);
    assert.match(markdown, /^## Summary/m);
    assert.match(code, /from "rnn-workbook"/);
    assert.doesNotMatch(code, /from "\.\.?\/|require\("\.\.?\//, "no relative imports: tslab resolves the lib by package name");
  });
}
