import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  barChart, chartBundle, chartedEpochs, chartHtml, TRAINING_CHART_MAX_POINTS, lineChart, PLOTLY_MIME, plotlyLibraryHtml, predictionChart, showChart, trainingChart,
} from "../lib/src/charts";

test("a line chart holds one trace per series with default x", () => {
  const fig = lineChart([{ name: "a", y: [1, 2, 3] }, { name: "b", y: [3, 2, 1], x: ["x", "y", "z"], dash: "dash" }], { title: "T", logY: true });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0].x, [0, 1, 2]);
  assert.deepEqual(fig.data[1].x, ["x", "y", "z"]);
  assert.deepEqual((fig.layout.title as { text: string }).text, "T");
  assert.equal((fig.layout.yaxis as { type: string }).type, "log");
});

test("prediction, training and bar charts", () => {
  const p = predictionChart([1, 2], { lstm: [1.1, 2.2], naive: [1, 1] }, { x: ["Jan", "Feb"] });
  assert.deepEqual(p.data.map((t) => t.name), ["truth", "lstm", "naive"]);
  const t = trainingChart({ loss: [3, 2, 1], valLoss: [4, 3, 2] });
  assert.deepEqual(t.data.map((d) => d.name), ["training loss", "validation loss"]);
  assert.deepEqual(t.data[0].x, [1, 2, 3]);
  const b = barChart(["p1", "p2"], { simple: [1, 2], stacked: [2, 1] });
  assert.equal(b.layout.barmode, "group");
  assert.equal(b.data[0].type, "bar");
});

test("a chart bundle carries the Plotly MIME type, HTML and text, without plotly.js itself", () => {
  const fig = lineChart([{ name: "a", y: [1, 2] }], { title: "Hello" });
  const bundle = chartBundle(fig);
  assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
  const plotly = bundle[PLOTLY_MIME] as { data: unknown[]; layout: unknown };
  assert.deepEqual(plotly.data, fig.data);
  const html = bundle["text/html"] as string;
  assert.ok(html.length < 5000, `chart HTML is small (${html.length} characters)`);
  assert.match(html, /window\.Plotly/);
  assert.match(bundle["text/plain"] as string, /Plotly chart: Hello/);
});

test("the library output is plotly.js from the npm package, safe inside a script element", () => {
  const html = plotlyLibraryHtml();
  const source = readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
  assert.ok(html.length >= source.length);
  assert.equal(html.match(/<\/script>/gi)!.length, 1, "only the closing tag of the wrapper");
});

test("chart HTML escapes data that would close the script", () => {
  const html = chartHtml(lineChart([{ name: "</script><b>x", y: [1] }]), "chart-1");
  assert.equal(html.match(/<\/script>/g)!.length, 1);
  assert.match(html, /id="chart-1"/);
});

test("outside a notebook, showChart prints a one-line description", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    showChart(lineChart([{ name: "a", y: [1, 2] }], { title: "Terminal" }));
  } finally {
    console.log = original;
  }
  assert.deepEqual(lines, ["[Plotly chart: Terminal — 1 trace(s): a]"]);
});

test("bad chart input is a clear error", () => {
  assert.throws(() => lineChart([]), /Expected `series` to be a non-empty array/);
  assert.throws(() => lineChart([{ name: "a", y: [1, NaN] }]), /Expected `series\[0\].y\[1\]` to be a finite number, but got NaN/);
  assert.throws(() => lineChart([{ name: "a", y: [1, 2], x: [1] }]), /`series\[0\].x` to be 2 items/);
  assert.throws(() => predictionChart([1, 2], { m: [1] }), /`predictions\["m"\]` to be 2 items/);
  assert.throws(() => barChart(["a"], {}), /Expected `groups`/);
  assert.throws(() => showChart({} as never), /Expected `figure` to be a Plotly figure/);
});

test("long trainings are thinned to a few hundred points, keeping the first and last epochs", () => {
  assert.deepEqual(chartedEpochs(3), [0, 1, 2]);
  const shown = chartedEpochs(1001);
  assert.ok(shown.length <= TRAINING_CHART_MAX_POINTS + 1);
  assert.equal(shown[0], 0);
  assert.equal(shown[shown.length - 1], 1000);
  const fig = trainingChart({ loss: Array.from({ length: 1001 }, (_, i) => 1 / (i + 1)), valLoss: Array.from({ length: 1001 }, () => 2) });
  assert.equal(fig.data[0].x![fig.data[0].x!.length - 1], 1001);
  assert.equal(fig.data[0].y.length, shown.length);
  assert.equal(fig.data[1].y.length, shown.length);
});

test("display helpers reject what they cannot show", async () => {
  const { displayBundle, showMarkdown, showHtml } = await import("../lib/src/display");
  assert.throws(() => displayBundle({}), /Expected `bundle` to be an object of MIME type → content/);
  assert.throws(() => showMarkdown(42 as never), /Expected `markdown` to be a string of Markdown, but got 42/);
  assert.throws(() => showHtml("<b>x</b>", undefined as never), /Expected `text` to be a plain-text alternative/);
});
