// What a notebook session writes for its charts, without Jupyter: a stand-in for tslab's
// display writer records every output as nbclient would store it (updates to a display id
// replace that output in place), then the recorded "notebook" is checked for plotly.js once
// and the size budget of scripts/budget.ts. The real executed notebooks and HTML pages are
// checked the same way in test/browser.test.ts and by the main job itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { barChart, chartBundle, lineChart, PLOTLY_MIME, plotlyLibraryHtml, plotlyLibrarySource, showChart, trainingChart } from "../lib/src/charts";
import { displayBundle, newDisplayHandle } from "../lib/src/display";
import { fit } from "../lib/src/training";
import { buildRecurrentModel } from "../lib/src/models";
import { budgetBytes, NOTEBOOK_EXTRA_BYTES, PAGE_EXTRA_BYTES, plotlyBytes, plotlyCopies, plotlyMarker } from "../scripts/budget";

tf.setBackend("cpu");

interface Output {
  output_type: "display_data";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
interface Cell {
  id: string;
  cell_type: "code";
  source: string;
  execution_count: null;
  metadata: Record<string, unknown>;
  outputs: Output[];
}

/** Records display messages into cells the way nbclient stores them in an executed notebook. */
class RecordedSession {
  cells: Cell[] = [];
  writes: Array<{ displayId?: string; update: boolean; mimeTypes: string[] }> = [];
  private byDisplayId = new Map<string, Output>();

  /** Runs `body` as one cell, with a tslab-like display writer installed. */
  async cell(source: string, body: () => unknown): Promise<void> {
    const cell: Cell = { id: `cell-${this.cells.length}`, cell_type: "code", source, execution_count: null, metadata: {}, outputs: [] };
    this.cells.push(cell);
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    jupyter.lastWriteDisplayData = (message: { data: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => {
      const displayId = message.transient.display_id;
      this.writes.push({ displayId, update, mimeTypes: Object.keys(message.data) });
      const output: Output = { output_type: "display_data", data: message.data, metadata: {} };
      if (update && displayId !== undefined && this.byDisplayId.has(displayId)) {
        Object.assign(this.byDisplayId.get(displayId)!, output); // update_display_data: replaced in place
        return;
      }
      cell.outputs.push(output);
      if (displayId !== undefined) this.byDisplayId.set(displayId, output);
    };
    try {
      await body();
    } finally {
      jupyter.lastWriteDisplayData = null;
    }
  }

  /** The notebook as nbformat writes it: 1-space indent, text split into lines. */
  notebookJson(): string {
    const lines = (text: string) => text.split(/(?<=\n)/);
    const cells = this.cells.map((c) => ({
      ...c,
      source: lines(c.source),
      outputs: c.outputs.map((o) => ({
        ...o,
        data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, typeof v === "string" ? lines(v) : v])),
      })),
    }));
    const nb = { cells, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } }, nbformat: 4, nbformat_minor: 5 };
    return JSON.stringify(nb, null, 1) + "\n";
  }

  /** Outputs that carry a chart (the Plotly MIME type). */
  charts(): Output[] {
    return this.cells.flatMap((c) => c.outputs).filter((o) => PLOTLY_MIME in o.data);
  }
}

test("plotly.js-dist-min sets window.Plotly itself, and its output hides define/module/exports", () => {
  const source = plotlyLibrarySource();
  assert.match(source.slice(-200), /window\.Plotly = Plotly;/, "the bundle assigns window.Plotly");
  assert.doesNotMatch(source, /define\.amd/, "plotly.js-dist-min does not register as an AMD module");
  const html = plotlyLibraryHtml();
  assert.match(html, /\(function \(define, module, exports\) \{\n/);
  assert.match(html, /\n\}\)\.call\(window\);\n<\/script>$/);
  assert.equal(plotlyCopies(html), 1);
  assert.match(plotlyMarker(), /^plotly\.js v\d+\.\d+\.\d+$/);
});

test("a chart's HTML says how to see it until its script runs, and removes that note when it draws", () => {
  const html = chartBundle(lineChart([{ name: "a <b>", y: [1, 2] }], { title: "T" }))["text/html"] as string;
  assert.match(html, /<p class="rnn-workbook-chart-note"[^>]*>\[Plotly chart: T — 1 trace\(s\): a &lt;b&gt;\] This interactive chart is drawn by a script/);
  assert.match(html, /note\.remove\(\)/);
  assert.match(html, /Run this cell again: the kernel then sends plotly\.js to this page\./);
});

test("a session with several charts and a live training chart carries plotly.js once, within the budget", async () => {
  const session = new RecordedSession();
  const months = Array.from({ length: 120 }, (_, i) => `month ${i + 1}`);
  const wave = (phase: number) => months.map((_, i) => Math.sin(i / 7 + phase) * 100 + 500 + i);
  await session.cell("showChart(lineChart(...))", () =>
    showChart(lineChart([{ name: "sales", y: wave(0), x: months }], { title: "Data" })),
  );
  await session.cell("showChart(barChart(...))", () => showChart(barChart(["a", "b", "c"], { simple: [1, 2, 3], stacked: [2, 1, 3] })));
  // A real `fit` with its live chart: the first draw creates the display, later draws update it.
  const x = Array.from({ length: 12 }, (_, i) => [[i / 12], [(i + 1) / 12], [(i + 2) / 12]]); // [12, 3, 1]
  const y = x.map((s) => [(s[0][0] + s[1][0] + s[2][0]) / 3]); // [12, 1]
  const model = buildRecurrentModel({ cell: "simpleRNN", units: 4, lookBack: 3, numFeatures: 1, seed: 1 });
  const writesBefore = session.writes.length;
  await session.cell("await fit(...)", () => fit(model, x, y, { epochs: 12, batchSize: 4, progressEvery: 3, progress: "chart" }));
  const trainingWrites = session.writes.slice(writesBefore);
  assert.ok(trainingWrites.length >= 2, "the training chart was drawn during and after training");
  assert.ok(trainingWrites.every((w) => w.displayId !== undefined && w.displayId === trainingWrites[0].displayId), "one display");
  assert.deepEqual(trainingWrites.map((w) => w.update), [false, ...trainingWrites.slice(1).map(() => true)], "drawn once, then updated in place");
  assert.equal(session.cells[2].outputs.length, 1, "the training cell holds one chart at the end");
  // While training: HTML alone (JupyterLab then replaces the renderer; jupyterlab-plotly's would keep its first figure); at the end: the whole chart.
  assert.deepEqual(trainingWrites.slice(0, -1).map((w) => w.mimeTypes.includes(PLOTLY_MIME)), trainingWrites.slice(0, -1).map(() => false), "updates during training carry no Plotly MIME type");
  assert.deepEqual(trainingWrites[trainingWrites.length - 1].mimeTypes.sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort(), "the last state carries the whole chart");
  // Heavier lessons: three more trainings of 1000 epochs with validation loss (their final charts).
  for (let run = 0; run < 3; run++) {
    const loss = Array.from({ length: 1000 }, (_, i) => Math.exp(-i / 150) * (1 + 0.1 * Math.sin(i + run)) + 1e-4);
    await session.cell(`await fit(model${run}, ...)`, () => {
      newDisplayHandle().update(chartBundle(trainingChart({ loss, valLoss: loss.map((v) => v * 1.2) })));
    });
  }
  await session.cell("reportMetrics(...)", () => displayBundle({ "text/markdown": "| metric | value |", "text/plain": "metric" }));

  const charts = session.charts();
  assert.equal(charts.length, 6);
  for (const chart of charts) {
    assert.deepEqual(Object.keys(chart.data).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    assert.equal(plotlyCopies(chart.data["text/html"] as string), 0, "a chart output never carries plotly.js");
  }
  const json = session.notebookJson();
  assert.equal(plotlyCopies(json), 1, "plotly.js once per notebook");
  assert.equal(plotlyCopies(session.cells[0].outputs[0].data["text/html"] as string), 1, "…in its own output, before the first chart");
  const bytes = Buffer.byteLength(json);
  assert.ok(bytes <= budgetBytes("notebook"), `${bytes} bytes ≤ the notebook budget ${budgetBytes("notebook")}`);
  // Charts in later cells of the same page (here: requests tslab could not identify) reuse the copy already there.
  const again = new RecordedSession();
  await again.cell("showChart(...)", () => showChart(lineChart([{ name: "b", y: [1, 2] }])));
  assert.equal(plotlyCopies(again.notebookJson()), 0);
});

test("the budget is stated in numbers: plotly.js plus some hundreds of KB", () => {
  const library = plotlyBytes();
  assert.ok(library > 3_000_000 && library < 6_000_000, `plotly.js is ${library} bytes`);
  assert.equal(NOTEBOOK_EXTRA_BYTES, 768 * 1024);
  assert.equal(PAGE_EXTRA_BYTES, 1280 * 1024);
  assert.equal(budgetBytes("notebook"), library + NOTEBOOK_EXTRA_BYTES);
  assert.equal(budgetBytes("page"), library + PAGE_EXTRA_BYTES);
  // Twice the library never fits: a second copy always breaks the budget.
  assert.ok(2 * library > budgetBytes("page"));
});
