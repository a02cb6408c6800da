/**
 * The files `rnn-workbook init` writes into a course folder: the starter notebook,
 * the GitHub Actions workflow and the .gitignore. Pure functions of their arguments,
 * so a re-run produces the very same bytes.
 */

/** The Debian/Ubuntu packages that give Jupyter with nbconvert and the classic Notebook. */
export const JUPYTER_APT_PACKAGES = ["jupyter-nbconvert", "jupyter-notebook", "jupyter-nbformat", "python3-ipykernel"] as const;

/** A notebook cell as nbformat 4.5 stores it (with an id). */
interface Cell {
  cell_type: "markdown" | "code";
  id: string;
  metadata: Record<string, never>;
  source: string;
  execution_count?: null;
  outputs?: [];
}

/** Markdown cell. */
function md(id: string, source: string): Cell {
  return { cell_type: "markdown", id, metadata: {}, source };
}

/** Code cell without outputs. */
function code(id: string, source: string): Cell {
  return { cell_type: "code", id, metadata: {}, execution_count: null, outputs: [], source };
}

/** The cells of the starter notebook. */
function starterCells(): Cell[] {
  return [
    md("starter-01", `# 00 · Starter: forecasting airline passengers

A first notebook of your own on the RNN workbook library. It loads a data set that ships with the library, trains a small LSTM to forecast next month's passengers, draws the forecast, and checks it against the truth and against the naive forecasts a practitioner would try first. Edit it freely: \`rnn-workbook init\` never overwrites a file you changed.

**What you will learn**

* how to import the library and pick a TensorFlow.js backend;
* how to turn a series into windows \`[samples, lookBack, numFeatures]\` of monthly changes;
* how to train a seeded LSTM, and how to judge it against the last-value and same-month-last-year forecasts.`),
    md("starter-02", `## Setup`),
    code("starter-03", `import {
  ready, loadSeries, datasetPath, StandardScaler, makeWindows, splitChronological, buildRecurrentModel, fit, predict,
  rmse, lastValueSeriesForecast, seasonalNaiveForecast, lineChart, predictionChart, showChart, expectTrue, reportMetrics,
} from "rnn-workbook";

const backend = await ready(); // native TensorFlow, else wasm, else cpu
console.log(backend.summary);`),
    md("starter-04", `## Data

Monthly totals of international airline passengers, 1949 to 1960 (144 months). The library looks for data files in \`RNN_WORKBOOK_DATASETS\`, then in the nearest \`datasets/\` folder at or above this notebook, then in the files that ship with the library: put a file of the same name into your course folder's \`datasets/\` to use your own.`),
    code("starter-05", `const passengers = loadSeries("airline-passengers", "Passengers");
console.log("file:", datasetPath("airline-passengers"));
console.log("months:", passengers.values.length, "from", passengers.index[0], "to", passengers.index[passengers.index.length - 1]);
showChart(lineChart([{ name: "passengers (thousands)", x: passengers.index, y: passengers.values }], { title: "Airline passengers per month", xTitle: "month", yTitle: "thousands" }));`),
    md("starter-06", `The series grows, and its seasonal swings grow with it. A network trained on the levels of 1949–1958 never saw the levels of 1959–1960, so we let it learn the **monthly change of the logarithm** instead (a change of 0.1 is about +10 %), which looks alike in every year. The scaler is fitted on the training months only.

Windowing on a small counted example: with \`lookBack: 3\`, the changes \`[a, b, c, d, e]\` give the windows \`[a, b, c] → d\` and \`[b, c, d] → e\`. Here \`lookBack: 12\`: a year of changes predicts the next one.`),
    code("starter-07", `const lookBack = 12;  // months of changes per window
const testCount = 24; // the last two years are the test set
const logs = passengers.values.map(Math.log);
const changes = logs.slice(1).map((v, i) => v - logs[i]); // changes[i]: from month i to month i + 1
const scaler = new StandardScaler().fit(changes.slice(0, changes.length - testCount));
const scaled = scaler.transform(changes) as number[];
const windows = makeWindows(scaled, { lookBack: lookBack });
const split = splitChronological(windows, { testCount: testCount });
console.log("x shape:", windows.xShape); // [samples, lookBack, numFeatures] = [131, 12, 1]
console.log("train:", split.train.xShape, "test:", split.test.xShape);`),
    md("starter-08", `## Model

One LSTM layer of 16 units and a dense output; \`seed\` fixes the initial weights, so every run prints the same numbers on the same backend.`),
    code("starter-09", `const model = buildRecurrentModel({ cell: "lstm", units: 16, lookBack: lookBack, numFeatures: 1, seed: 1, learningRate: 0.01 });
model.summary();`),
    md("starter-10", `## Training

The chart below updates while the model trains; \`seed\` fixes the shuffling.`),
    code("starter-11", `const history = await fit(model, split.train.x, split.train.y, { epochs: 60, batchSize: 16, seed: 1, title: "LSTM on monthly log changes" });
console.log("final training loss:", history.loss[history.loss.length - 1].toFixed(4), "after", history.epochs, "epochs");`),
    md("starter-12", `## Evaluation

Each predicted change is turned back into passengers from the month before it, then compared with the truth over the 24 test months, next to two naive forecasts: **last value** ("next month equals this month") and **seasonal naive** ("next month equals the same month last year").`),
    code("starter-13", `const n = passengers.values.length;
const truth = passengers.values.slice(n - testCount);
const previous = passengers.values.slice(n - testCount - 1, n - 1);
const predictedChanges = predict(model, split.test.x).map((row) => (scaler.inverseTransform([row[0]]) as number[])[0]);
const lstmForecast = predictedChanges.map((change, i) => previous[i] * Math.exp(change));
const lastValue = lastValueSeriesForecast(passengers.values, { startIndex: n - testCount });
const seasonal = seasonalNaiveForecast(passengers.values, { season: 12, startIndex: n - testCount });
const scores = { lstm: rmse(truth, lstmForecast), lastValue: rmse(truth, lastValue), seasonalNaive: rmse(truth, seasonal) };
console.log("test RMSE (thousands of passengers):", JSON.stringify(scores, (k, v) => (typeof v === "number" ? Number(v.toFixed(2)) : v)));
showChart(predictionChart(truth, { LSTM: lstmForecast, "last value": lastValue, "seasonal naive": seasonal }, { x: passengers.index.slice(n - testCount), title: "Test months: truth and forecasts", yTitle: "thousands" }));`),
    md("starter-14", `## Check

The notebook fails (and so does your CI) when the LSTM is not clearly better than the better of the two naive forecasts: an untrained or broken model lands near them.`),
    code("starter-15", `const bestNaive = Math.min(scores.lastValue, scores.seasonalNaive);
expectTrue(scores.lstm < 0.75 * bestNaive, \`the LSTM's test RMSE (\${scores.lstm.toFixed(2)}) is below 75 % of the best naive forecast's (\${bestNaive.toFixed(2)})\`);
reportMetrics({ backend: backend.name, lstmRmse: scores.lstm, lastValueRmse: scores.lastValue, seasonalNaiveRmse: scores.seasonalNaive });
console.log("starter check passed");`),
    md("starter-16", `## Summary

* \`import { … } from "rnn-workbook"\` gives typed helpers; \`await ready()\` picks the backend.
* Windows of monthly log changes let one small, seeded LSTM forecast a growing series.
* A forecast counts only when it beats the naive forecasts on months it never saw; the check cell makes that a test your CI runs on every push.`),
  ];
}

/** The starter notebook (nbformat 4.5, cell ids, kernelspec of the folder's kernel), as file text. */
export function starterNotebook(kernelName: string, folderName: string): string {
  const notebook = {
    cells: starterCells(),
    metadata: {
      kernelspec: { display_name: `TypeScript (${folderName})`, language: "typescript", name: kernelName },
      language_info: { codemirror_mode: { mode: "typescript", name: "javascript", typescript: true }, file_extension: ".ts", mimetype: "text/typescript", name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(notebook, null, 1) + "\n";
}

/**
 * The GitHub Actions workflow of the course repository: Jupyter from Ubuntu's packages,
 * `npm ci`, the folder's kernel, every committed notebook executed with
 * `jupyter nbconvert --execute`, executed notebooks and their HTML uploaded.
 */
export function workflowFile(kernelName: string): string {
  return `# Written by rnn-workbook init. Executes every notebook of this repository on each push;
# a notebook whose check cell fails fails the run. Edit freely: init will not overwrite it.
name: notebooks

on:
  push:
  pull_request:
  workflow_dispatch:

jobs:
  notebooks:
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Jupyter from Ubuntu's packages
        run: sudo apt-get update && sudo apt-get install -y ${JUPYTER_APT_PACKAGES.join(" ")}
      - name: Install (the library comes from vendor/, tslab from npm)
        run: npm ci
      - name: Register this folder's TypeScript kernel
        run: npx rnn-workbook kernel . --kernel-name ${kernelName}
      - name: Execute every notebook
        shell: bash
        run: |
          failed=0
          while IFS= read -r -d '' notebook; do
            out="build/executed/$(dirname "$notebook")"
            echo "::group::$notebook"
            if jupyter nbconvert --to notebook --execute --output-dir "$out" "$notebook"; then
              jupyter nbconvert --to html --output-dir "$out" "$out/$(basename "$notebook")"
            else
              echo "::error file=$notebook::$notebook failed"
              failed=1
            fi
            echo "::endgroup::"
          done < <(git ls-files -z -- '*.ipynb')
          exit $failed
      - name: Upload the executed notebooks and their HTML
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: executed-notebooks
          path: build/executed
          if-no-files-found: warn
`;
}

/** The course folder's .gitignore. */
export function gitignoreFile(): string {
  return `node_modules/\nbuild/\n.ipynb_checkpoints/\n`;
}
