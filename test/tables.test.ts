// Result tables (danfo DataFrames of metrics) and their HTML/text display.
import { test } from "node:test";
import assert from "node:assert/strict";
import { metricsTable } from "../lib/src/tables";
import { dataFrameHtml, dataFrameText, formatCell, showDataFrame } from "../lib/src/display";
import { throwsInput } from "./assertions";

const truth = [10, 20, 30, 40];
const forecasts = { LSTM: [11, 19, 31, 39], "last value": [8, 10, 20, 30], "seasonal naive": [10, 24, 30, 36] };

test("metricsTable scores every forecast on the same rows, baselines marked", () => {
  const df = metricsTable(truth, forecasts, { baselines: ["last value", "seasonal naive"] });
  assert.deepEqual(df.columns, ["forecast", "kind", "MSE", "RMSE", "MAE"]);
  const rows = df.values as Array<Array<string | number>>;
  assert.deepEqual(rows.map((r) => r[0]), ["LSTM", "last value", "seasonal naive"]);
  assert.deepEqual(rows.map((r) => r[1]), ["model", "baseline", "baseline"]);
  // LSTM: errors ±1 → MSE 1, MAE 1; last value: 2, 10, 10, 10 → MSE 76, MAE 8; seasonal: 0, 4, 0, 4 → MSE 8, MAE 2
  assert.deepEqual(rows.map((r) => r[2]), [1, 76, 8]);
  assert.deepEqual(rows.map((r) => r[4]), [1, 8, 2]);
  assert.ok(Math.abs((rows[1][3] as number) - Math.sqrt(76)) < 1e-12);
});

test("metricsTable sorts by a metric and picks its columns", () => {
  const df = metricsTable(truth, forecasts, { metrics: ["mae", "mape"], sortBy: "mse" });
  assert.deepEqual(df.columns, ["forecast", "kind", "MAE", "MAPE %"]);
  assert.deepEqual((df.values as unknown[][]).map((r) => r[0]), ["LSTM", "seasonal naive", "last value"]);
});

test("metricsTable rejects bad input, naming the argument", () => {
  throwsInput(() => metricsTable(truth, {}), "`forecasts`", "at least one entry");
  throwsInput(() => metricsTable(truth, forecasts, { baselines: ["naive"] }), "`options.baselines[0]`", '"naive"');
  throwsInput(() => metricsTable(truth, forecasts, { metrics: ["r2" as "mse"] }), "`options.metrics[0]`");
  throwsInput(() => metricsTable(truth, { short: [1, 2] }), '`forecasts["short"]`', "shape of yTrue");
  throwsInput(() => metricsTable(truth, forecasts, { sort: "mse" } as object), "sort");
});

test("a DataFrame shows as an HTML table and as aligned text", () => {
  const df = metricsTable(truth, forecasts, { baselines: ["last value"] });
  const html = dataFrameHtml(df, { caption: "Test months <12>" });
  assert.match(html, /^<table class="rnn-workbook-table"><caption[^>]*>Test months &lt;12&gt;<\/caption><thead><tr><th style="text-align:left">forecast<\/th>/);
  assert.match(html, /<td style="text-align:left">last value<\/td><td style="text-align:left">baseline<\/td><td style="text-align:right">76<\/td><td style="text-align:right">8.7178<\/td>/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 4, "a header row and three rows");
  const text = dataFrameText(df).split("\n");
  assert.equal(text[0], "forecast        kind      MSE    RMSE  MAE");
  assert.equal(text[4], "seasonal naive  model       8  2.8284    2");
  const many = { columns: ["x"], values: Array.from({ length: 7 }, (_, i) => [i]), index: [0, 1, 2, 3, 4, 5, 6] };
  assert.match(dataFrameText(many, { maxRows: 5 }), /… 2 more rows$/);
  assert.match(dataFrameHtml(many, { maxRows: 6, showIndex: true }), /<th style="text-align:left"><\/th><th style="text-align:right">x<\/th>.*… 1 more row<\/p>$/);
  showDataFrame(df); // outside a notebook it prints the text table and does not throw
});

test("numbers are shown to significant digits; bad tables and options are rejected", () => {
  assert.equal(formatCell(2585.3512), "2585.4");
  assert.equal(formatCell(9514635.2), "9514635");
  assert.equal(formatCell(0.083333333), "0.083333");
  assert.equal(formatCell(12), "12");
  assert.equal(formatCell("text"), "text");
  throwsInput(() => dataFrameHtml([[1, 2]] as never), "`df`", "danfo DataFrame");
  throwsInput(() => dataFrameHtml({ columns: ["a"], values: [[1]], index: [0] }, { digits: 0 }), "`options.digits`");
  throwsInput(() => dataFrameHtml({ columns: ["a"], values: [[1]], index: [0] }, { maxRows: 0 }), "`options.maxRows`");
});
