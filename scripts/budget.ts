/**
 * The size budget of the workbook's outputs. plotly.js (the `plotly.js-dist-min`
 * package, ~4.8 MB minified) is the bulk of every notebook with a chart, so it
 * must be there once — never once per chart:
 *
 *   executed notebook (.ipynb)   ≤ plotly.js + 768 KiB   (JSON escaping of the library ≈ 130 KB
 *                                                           + every other output)
 *   HTML page of the site        ≤ plotly.js + 1280 KiB  (nbconvert's lab CSS ≈ 550 KB
 *                                                           + every other output)
 *
 * and each holds at most one copy of plotly.js. The main job (scripts/workbook.ts)
 * fails a notebook that breaks the budget; test/chart-outputs.test.ts and
 * test/browser.test.ts check it too.
 */
import { readFileSync, statSync } from "fs";

/** Bytes an executed notebook may hold beyond plotly.js itself. */
export const NOTEBOOK_EXTRA_BYTES = 768 * 1024;
/** Bytes an HTML page of the site may hold beyond plotly.js itself. */
export const PAGE_EXTRA_BYTES = 1280 * 1024;

/** The plotly.js bundle the charts inline. */
export function plotlyFile(): string {
  return require.resolve("plotly.js-dist-min");
}

/** Size of the plotly.js bundle in bytes. */
export function plotlyBytes(): number {
  return statSync(plotlyFile()).size;
}

/** A line of plotly.js's banner that occurs once per copy of the library (e.g. "plotly.js v4.1.2"). */
export function plotlyMarker(): string {
  const head = readFileSync(plotlyFile(), "utf8").slice(0, 400);
  const match = /plotly\.js v\d+\.\d+\.\d+/.exec(head);
  if (!match) throw new Error(`No "plotly.js vX.Y.Z" banner at the top of ${plotlyFile()}; update scripts/budget.ts.`);
  return match[0];
}

/** How many copies of plotly.js a text (a notebook, an HTML page) holds. */
export function plotlyCopies(text: string): number {
  return text.split(plotlyMarker()).length - 1;
}

/** What a file of the given kind may weigh at most, in bytes. */
export function budgetBytes(kind: "notebook" | "page"): number {
  return plotlyBytes() + (kind === "notebook" ? NOTEBOOK_EXTRA_BYTES : PAGE_EXTRA_BYTES);
}

/** Size and plotly.js copies of one output file. */
export interface OutputMeasure {
  bytes: number;
  budget: number;
  copies: number;
}

/** Measures an executed notebook or HTML page. */
export function measureOutput(file: string, kind: "notebook" | "page"): OutputMeasure {
  return { bytes: statSync(file).size, budget: budgetBytes(kind), copies: plotlyCopies(readFileSync(file, "utf8")) };
}

/** The ways a file breaks the budget (empty when within it). */
export function budgetProblems(file: string, kind: "notebook" | "page"): string[] {
  const m = measureOutput(file, kind);
  const problems: string[] = [];
  const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
  if (m.copies > 1) problems.push(`the ${kind} holds plotly.js ${m.copies} times (at most once: charts must reuse the first copy)`);
  if (m.bytes > m.budget) {
    problems.push(`the ${kind} is ${kb(m.bytes)}, over its budget of ${kb(m.budget)} (plotly.js + ${kb(m.budget - plotlyBytes())}); show fewer or smaller outputs`);
  }
  return problems;
}
