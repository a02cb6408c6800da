/**
 * Plotly charts shown inline in a notebook, offline.
 * Introduced in notebook 00 (getting started).
 *
 * Every chart output carries three MIME types: `application/vnd.plotly.v1+json`
 * (rendered by JupyterLab's Plotly extension and VS Code, even untrusted),
 * `text/html` with a small drawing script (classic Notebook, trusted
 * JupyterLab, and nbconvert's HTML export) and `text/plain`. plotly.js itself
 * comes from the `plotly.js-dist-min` package and is sent in an output of its
 * own just before the first chart for each page of the front end (each
 * front-end session: a reload, a reopened tab and a second window are new
 * ones), and again when the cell that carried it is run again (its outputs are
 * replaced). Later charts reuse it, so an executed notebook, its HTML page and
 * a notebook saved after Run All twice each hold one copy.
 */
import { readFileSync } from "fs";
import { randomBytes } from "crypto";
import { currentExecuteRequest, displayBundle, ExecuteRequest, inNotebook, MimeBundle } from "./display";
import { assertSeries, assertSameLength, fail } from "./validate";

/** The MIME type of a Plotly figure. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** One Plotly trace (a subset of Plotly's trace attributes; others pass through). */
export interface PlotlyTrace {
  /** Trace type. Default: `"scatter"`. */
  type?: "scatter" | "bar";
  /** `"lines"`, `"markers"` or `"lines+markers"` for scatter traces. */
  mode?: string;
  /** Legend name. */
  name?: string;
  /** x values; default 0, 1, 2, … */
  x?: Array<number | string>;
  /** y values. */
  y: number[];
  [attribute: string]: unknown;
}

/** A Plotly figure: traces and layout. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
}

/** Options shared by every chart builder. */
export interface ChartOptions {
  /** Chart title. Default: none. */
  title?: string;
  /** x-axis title. Default: none. */
  xTitle?: string;
  /** y-axis title. Default: none. */
  yTitle?: string;
  /** Use a logarithmic y axis. Default: false. */
  logY?: boolean;
  /** Height in pixels. Default: 400. */
  height?: number;
}

/** One named line for {@link lineChart}. */
export interface NamedSeries {
  /** Legend name. */
  name: string;
  /** y values. */
  y: number[];
  /** x values (same length as `y`). Default: 0, 1, 2, … */
  x?: Array<number | string>;
  /** `"lines"`, `"markers"` or `"lines+markers"`. Default: `"lines"`. */
  mode?: "lines" | "markers" | "lines+markers";
  /** Line dash, e.g. `"dash"` or `"dot"`. Default: solid. */
  dash?: "solid" | "dash" | "dot" | "dashdot";
}

/** Builds the layout common to all charts. */
function layoutFor(options: ChartOptions): Record<string, unknown> {
  return {
    title: options.title ? { text: options.title } : undefined,
    xaxis: { title: options.xTitle ? { text: options.xTitle } : undefined },
    yaxis: { title: options.yTitle ? { text: options.yTitle } : undefined, type: options.logY ? "log" : undefined, exponentformat: "e" }, // 1e-4, not "100µ"
    height: options.height ?? 400,
    margin: { l: 60, r: 20, t: options.title ? 50 : 20, b: 50 },
  };
}

/** Validates one named series (finite values, x of matching length). */
function checkSeries(name: string, series: NamedSeries): void {
  if (series === null || typeof series !== "object") fail(name, "an object { name, y, x? }", series);
  assertSeries(`${name}.y`, series.y);
  if (series.x !== undefined) {
    if (!Array.isArray(series.x)) fail(`${name}.x`, "an array of numbers or strings", series.x);
    assertSameLength(`${name}.y`, series.y.length, `${name}.x`, series.x.length);
  }
}

/** A line chart of one or more named series. Introduced in notebook 00. */
export function lineChart(series: NamedSeries[], options: ChartOptions = {}): PlotlyFigure {
  if (!Array.isArray(series) || series.length === 0) fail("series", "a non-empty array of { name, y }", series);
  series.forEach((s, i) => checkSeries(`series[${i}]`, s));
  return {
    data: series.map((s) => ({
      type: "scatter",
      mode: s.mode ?? "lines",
      name: s.name,
      x: s.x ?? s.y.map((_, i) => i),
      y: s.y,
      line: s.dash ? { dash: s.dash } : undefined,
    })),
    layout: layoutFor(options),
  };
}

/** Options for {@link predictionChart}. */
export interface PredictionChartOptions extends ChartOptions {
  /** x values shared by the truth and every prediction (e.g. months). Default: 0, 1, 2, … */
  x?: Array<number | string>;
}

/**
 * Truth against one or more models' predictions, aligned on the same x.
 * Introduced in notebook 05 (car sales).
 */
export function predictionChart(
  truth: number[],
  predictions: Record<string, number[]>,
  options: PredictionChartOptions = {},
): PlotlyFigure {
  assertSeries("truth", truth);
  if (predictions === null || typeof predictions !== "object" || Object.keys(predictions).length === 0) {
    fail("predictions", "an object mapping a model name to its predictions", predictions);
  }
  const lines: NamedSeries[] = [{ name: "truth", y: truth, x: options.x, mode: "lines+markers" }];
  for (const [name, values] of Object.entries(predictions)) {
    assertSeries(`predictions["${name}"]`, values);
    assertSameLength("truth", truth.length, `predictions["${name}"]`, values.length);
    lines.push({ name, y: values, x: options.x, dash: "dash" });
  }
  return lineChart(lines, options);
}

/** Loss curves by epoch: what {@link trainingChart} draws. */
export interface LossCurves {
  /** Training loss per epoch. */
  loss: number[];
  /** Validation loss per epoch, when validation data was used. */
  valLoss?: number[];
}

/** A loss as the chart shows it: 4 significant digits keep long trainings' charts small. */
function chartedLoss(value: number): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(4)) : value;
}

/** Most points a training chart draws per curve; longer trainings are thinned evenly. */
export const TRAINING_CHART_MAX_POINTS = 250;

/**
 * The epochs a training chart draws: all of them up to
 * {@link TRAINING_CHART_MAX_POINTS}, else every k-th one plus the last, so a
 * long training stays a small output (the history itself keeps every epoch).
 */
export function chartedEpochs(count: number): number[] {
  const step = Math.max(1, Math.ceil(count / TRAINING_CHART_MAX_POINTS));
  const shown: number[] = [];
  for (let i = 0; i < count; i += step) shown.push(i);
  if (count > 0 && shown[shown.length - 1] !== count - 1) shown.push(count - 1);
  return shown;
}

/**
 * Training (and validation) loss by epoch, log scale by default. The chart
 * carries each loss to 4 significant digits (the history keeps full precision).
 * Introduced in notebook 02 (one-to-one).
 */
export function trainingChart(history: LossCurves, options: ChartOptions = {}): PlotlyFigure {
  if (history === null || typeof history !== "object") fail("history", "a training history { loss, valLoss? }", history);
  if (!Array.isArray(history.loss)) fail("history.loss", "an array of losses, one per epoch", history.loss);
  if (history.valLoss !== undefined && !Array.isArray(history.valLoss)) fail("history.valLoss", "an array of validation losses, one per epoch", history.valLoss);
  const shown = chartedEpochs(history.loss.length); // 0-based epoch indices drawn
  const lines: NamedSeries[] = [{ name: "training loss", y: shown.map((i) => chartedLoss(history.loss[i])), x: shown.map((i) => i + 1) }];
  if (history.valLoss && history.valLoss.length > 0) {
    const valLoss = history.valLoss;
    const shownVal = shown.filter((i) => i < valLoss.length);
    lines.push({ name: "validation loss", y: shownVal.map((i) => chartedLoss(valLoss[i])), x: shownVal.map((i) => i + 1), dash: "dash" });
  }
  return lineChart(lines, { xTitle: "epoch", yTitle: "loss", logY: true, title: "Training", ...options });
}

/**
 * Grouped bars: one group per category, one bar per named value list
 * (e.g. absolute error per problem, for each model). Introduced in notebook 03.
 */
export function barChart(
  categories: string[],
  groups: Record<string, number[]>,
  options: ChartOptions = {},
): PlotlyFigure {
  if (!Array.isArray(categories) || categories.length === 0) fail("categories", "a non-empty array of names", categories);
  if (groups === null || typeof groups !== "object" || Object.keys(groups).length === 0) {
    fail("groups", "an object mapping a series name to one value per category", groups);
  }
  const data: PlotlyTrace[] = Object.entries(groups).map(([name, values]) => {
    assertSeries(`groups["${name}"]`, values);
    assertSameLength("categories", categories.length, `groups["${name}"]`, values.length);
    return { type: "bar", name, x: categories, y: values };
  });
  return { data, layout: { ...layoutFor(options), barmode: "group" } };
}

let plotlySource: string | undefined;

/** The plotly.js bundle from `plotly.js-dist-min`, read once. */
export function plotlyLibrarySource(): string {
  if (plotlySource === undefined) {
    plotlySource = readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
  }
  return plotlySource;
}

/** Serialises JSON safely for inclusion inside an HTML `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/** How long a chart waits for plotly.js to finish loading, in milliseconds. */
const PLOTLY_WAIT_MS = 20000;

/**
 * The HTML for a chart: a `<div>` and a script that draws it with
 * `window.Plotly`, waiting for the library if it is still loading. Until the
 * script runs (an untrusted notebook strips it) the `<div>` says how to see the chart.
 */
export function chartHtml(figure: PlotlyFigure, divId?: string): string {
  const id = divId ?? `rnn-workbook-chart-${randomBytes(6).toString("hex")}`;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 400;
  return (
    `<div id="${id}" class="rnn-workbook-chart" style="width:100%;min-height:${height}px">` +
    `<p class="rnn-workbook-chart-note" style="color:#666;font-style:italic">${escapeText(chartText(figure))} ` +
    `This interactive chart is drawn by a script: run the notebook, or trust it (File → Trust Notebook) to see it.</p></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var figure = ${scriptJson(figure)};\n` +
    `  var started = Date.now();\n` +
    `  function draw() {\n` +
    `    var div = document.getElementById(${JSON.stringify(id)});\n` +
    `    if (!div) return;\n` +
    `    if (window.Plotly) { var note = div.querySelector(".rnn-workbook-chart-note"); if (note) note.remove(); window.Plotly.react(div, figure.data, figure.layout, { responsive: true, displaylogo: false }); return; }\n` +
    `    if (Date.now() - started < ${PLOTLY_WAIT_MS}) { setTimeout(draw, 100); return; }\n` +
    `    div.textContent = "This chart needs plotly.js, which the notebook sends with its first chart, and it is not on this page. " +\n` +
    `      "Run this cell again: the kernel then sends plotly.js to this page.";\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`
  );
}

/** Escapes text for HTML element content. */
function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A plain-text stand-in for a chart, for terminals and text exports. */
function chartText(figure: PlotlyFigure): string {
  const title = (figure.layout.title as { text?: string } | undefined)?.text ?? "chart";
  const names = figure.data.map((t) => t.name ?? "trace").join(", ");
  return `[Plotly chart: ${title} — ${figure.data.length} trace(s): ${names}]`;
}

/** The MIME bundle of a chart: Plotly JSON, HTML and plain text. */
export function chartBundle(figure: PlotlyFigure): MimeBundle {
  return {
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout, config: { displaylogo: false } },
    "text/html": chartHtml(figure),
    "text/plain": chartText(figure),
  };
}

/**
 * The HTML output that loads plotly.js into the page (a script, nothing visible).
 * The library runs with `define`, `module` and `exports` hidden, so that it
 * always sets `window.Plotly` — also under require.js (classic Notebook) or a
 * CommonJS-like page, where a UMD bundle would otherwise register itself as a
 * module and leave the charts waiting for `window.Plotly` forever.
 */
export function plotlyLibraryHtml(): string {
  const source = plotlyLibrarySource().replace(/<\/script/gi, "<\\/script");
  return (
    `<script type="text/javascript">/* plotly.js from the plotly.js-dist-min package, for the workbook's charts */\n` +
    `(function (define, module, exports) {\n${source}\n}).call(window);\n</script>`
  );
}

/** How {@link PlotlyDelivery} recognises a cell: its id when the front end sends one, else its code. */
function cellKey(request: ExecuteRequest): string {
  return request.cellId !== null ? `id:${request.cellId}` : `code:${request.code}`;
}

/**
 * Decides when plotly.js must be sent again. A kernel session outlives the
 * browser page: a reload, a reopened tab or a second window is a new front-end
 * session whose page has no `window.Plotly`, so each front-end session gets a
 * copy of its own, with its first chart. Within one front-end session the copy
 * lives in one cell's outputs (the carrier); running that cell again replaces
 * those outputs, so the copy is sent again there (JupyterLab names the cell by
 * id; classic Notebook and nbconvert send no id, so the carrier is recognised
 * by its code). A cell JupyterLab reports deleted loses the copy too.
 * A request that cannot be identified (no tracking: see
 * {@link currentExecuteRequest}) gets a copy once per kernel session.
 * Introduced in notebook 00 (getting started).
 */
export class PlotlyDelivery {
  private readonly carriers = new Map<string, string>(); // front-end session → carrier cell key
  private lastRequest: ExecuteRequest | null = null; // the request during which a copy was last sent
  private sentUnidentified = false;

  /** Whether the cell run by `request` must send plotly.js before its chart. */
  needsCopy(request: ExecuteRequest | null): boolean {
    if (request === null) return !this.sentUnidentified;
    if (request === this.lastRequest) return false; // this cell's outputs hold it already
    const carrier = this.carriers.get(request.session);
    if (carrier === undefined) return true; // a page that has not had it
    if (carrier === cellKey(request)) return true; // the carrier runs again: its outputs are replaced
    return request.deletedCells.some((id) => carrier === `id:${id}`); // the carrier was deleted
  }

  /** Notes that plotly.js was sent during `request`. */
  sent(request: ExecuteRequest | null): void {
    if (request === null) {
      this.sentUnidentified = true;
      return;
    }
    this.carriers.set(request.session, cellKey(request));
    this.lastRequest = request;
  }
}

const delivery = new PlotlyDelivery();

/**
 * In a notebook, sends plotly.js in an output of its own when this page needs
 * it (see {@link PlotlyDelivery}), so that this chart, later charts and the
 * HTML export find `window.Plotly`. Does nothing outside a notebook.
 */
export function ensurePlotlyLoaded(): void {
  if (!inNotebook()) return;
  const request = currentExecuteRequest();
  if (!delivery.needsCopy(request)) return;
  displayBundle({ "text/html": plotlyLibraryHtml(), "text/plain": "(plotly.js loaded for the charts of this notebook)" });
  delivery.sent(request);
}

/** Shows a chart inline (or a one-line description outside a notebook). Introduced in notebook 00. */
export function showChart(figure: PlotlyFigure): void {
  if (figure === null || typeof figure !== "object" || !Array.isArray(figure.data)) {
    fail("figure", "a Plotly figure { data, layout } from one of the chart builders", figure);
  }
  ensurePlotlyLoaded();
  displayBundle(chartBundle(figure));
}
