// The Jupyter server's pre-save hook (scripts/jupyter-config/rnn_workbook_save_hook.py), run with
// Debian's python: a saved notebook that shows workbook charts keeps exactly one copy of
// plotly.js — the carrier the library writes — whatever happened to the outputs before the
// save (a cleared or deleted carrier, copies from two pages). The browser side (a real save
// through classic Notebook) is in test/browser-reload.test.ts. It also drops the PNG snapshot that
// JupyterLab's Plotly renderer writes into every chart it draws (shown instead of the chart when the
// notebook is reopened, until the pointer enters it; test/browser-lab.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { chartBundle, lineChart, plotlyLibraryHtml } from "../lib/src/charts";
import { REPO } from "../scripts/jupyter";
import { plotlyCopies } from "../scripts/budget";

const PYTHON = "/usr/bin/python3";
const HOOK_DIR = path.join(REPO, "scripts", "jupyter-config");
const skip = existsSync(PYTHON) ? false : `no ${PYTHON}`;

/** Runs Python `code` with the hook imported as `h`, `stdin` as its input; returns its stdout. */
function python(code: string, stdin = ""): string {
  const result = spawnSync(PYTHON, ["-c", `import sys, json\nsys.path.insert(0, ${JSON.stringify(HOOK_DIR)})\nimport rnn_workbook_save_hook as h\n${code}`], {
    input: stdin,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

type Output = { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown>; name?: string; text?: string };
const carrier = (): Output => ({ output_type: "display_data", data: { "text/html": plotlyLibraryHtml(), "text/plain": "(plotly.js loaded for the charts of this notebook)" }, metadata: {} });
const chart = (title: string): Output => ({ output_type: "display_data", data: chartBundle(lineChart([{ name: "a", y: [1, 2] }], { title })), metadata: {} });
const text = (t: string): Output => ({ output_type: "stream", name: "stdout", text: t });
const notebook = (...cells: Output[][]) => ({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: cells.map((outputs, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, execution_count: null, source: "", outputs })),
});

/** Runs the hook's one_plotly_copy on a notebook; returns what it said and the notebook after. */
function hook(nb: unknown): { done: string; nb: ReturnType<typeof notebook> } {
  return JSON.parse(python("nb = json.load(sys.stdin)\ndone = h.one_plotly_copy(nb)\nprint(json.dumps({'done': done, 'nb': nb}))", JSON.stringify(nb)));
}
/** Each cell's outputs as short labels. */
const labels = (nb: ReturnType<typeof notebook>) =>
  nb.cells.map((c) => (c.outputs as Output[]).map((o) => (plotlyCopies(String(o.data?.["text/html"] ?? "")) === 1 ? "plotly" : o.data?.["text/html"] ? "chart" : "text")));

test("the hook builds the very carrier the library sends", { skip }, () => {
  assert.equal(python("sys.stdout.write(h.carrier_output()['data']['text/html'])"), plotlyLibraryHtml());
});

test("a cleared or deleted carrier: the hook puts one copy just before the first chart", { skip }, () => {
  const { done, nb } = hook(notebook([text("setup")], [], [text("log"), chart("A")], [chart("B")]));
  assert.equal(done, "added the copy of plotly.js its charts need");
  assert.deepEqual(labels(nb), [["text"], [], ["text", "plotly", "chart"], ["chart"]]);
  assert.equal(plotlyCopies(JSON.stringify(nb)), 1);
});

test("copies from two pages: the first stays, the others go", { skip }, () => {
  const { done, nb } = hook(notebook([carrier(), chart("A")], [carrier(), chart("B")], [chart("C"), carrier()]));
  assert.equal(done, "removed 2 extra copies of plotly.js");
  assert.deepEqual(labels(nb), [["plotly", "chart"], ["chart"], ["chart"]]);
});

test("one copy, or no workbook chart: the notebook is left as it is", { skip }, () => {
  for (const nb of [notebook([chart("A")], [carrier(), chart("B")]), notebook([text("no charts")]), notebook([carrier()])]) {
    const after = hook(nb);
    assert.equal(after.done, "unchanged");
    assert.deepEqual(after.nb, JSON.parse(JSON.stringify(nb)));
  }
});

test("the Plotly renderer's PNG snapshot is dropped from workbook charts, and only from them", { skip }, () => {
  const png = "iVBORw0KGgo="; // what jupyterlab-plotly adds: base64 PNG data
  const snapped = (title: string): Output => ({ ...chart(title), data: { ...chart(title).data, "image/png": png } });
  const otherPng: Output = { output_type: "display_data", data: { "image/png": png, "text/plain": "<Figure>" }, metadata: {} };
  const nb = notebook([carrier(), snapped("A")], [otherPng, snapped("B")], [chart("C")]);
  const after = JSON.parse(python("nb = json.load(sys.stdin)\ndone = h.drop_png_snapshots(nb)\nprint(json.dumps({'done': done, 'nb': nb}))", JSON.stringify(nb)));
  assert.equal(after.done, "removed the PNG snapshots of 2 charts");
  const kinds = (after.nb as ReturnType<typeof notebook>).cells.map((c) => (c.outputs as Output[]).map((o) => Object.keys(o.data ?? {}).sort().join(" ")));
  assert.deepEqual(kinds, [
    ["text/html text/plain", "application/vnd.plotly.v1+json text/html text/plain"],
    ["image/png text/plain", "application/vnd.plotly.v1+json text/html text/plain"],
    ["application/vnd.plotly.v1+json text/html text/plain"],
  ]);
  // Apart from the charts' snapshots, the notebook is unchanged.
  const expected = JSON.parse(JSON.stringify(nb)) as ReturnType<typeof notebook>;
  for (const [c, o] of [[0, 1], [1, 1]] as const) delete (expected.cells[c].outputs as Output[])[o].data!["image/png"];
  assert.deepEqual(after.nb, expected);
  assert.equal(python("nb = json.load(sys.stdin)\nprint(h.drop_png_snapshots(nb))", JSON.stringify(notebook([chart("A")], [otherPng]))).trim(), "unchanged");
});

test("pre_save_hook changes notebooks only, and a failure does not stop the save", { skip }, () => {
  const out = python(
    [
      "nb = json.load(sys.stdin)",
      "model = {'type': 'notebook', 'content': nb}",
      "h.pre_save_hook(model=model, path='x.ipynb')",
      "other = {'type': 'file', 'content': 'text'}",
      "h.pre_save_hook(model=other, path='x.txt')",
      "broken = {'type': 'notebook', 'content': {'cells': [{'outputs': None}, 5]}}",
      "h.pre_save_hook(model=broken, path='y.ipynb')",
      "print(json.dumps([model['content']['cells'][0]['outputs'][0]['data']['text/plain'], other['content']]))",
    ].join("\n"),
    JSON.stringify(notebook([chart("A")])),
  );
  assert.deepEqual(JSON.parse(out), ["(plotly.js loaded for the charts of this notebook)", "text"]);
});
