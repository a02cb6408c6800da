/**
 * Checks that make a lesson fail loudly: each throws a {@link CheckFailedError}
 * saying what was checked, what was expected, what was got and by how much it
 * missed, so `jupyter nbconvert --execute` stops on a lesson that no longer works.
 * Also the seed comparison table and the metrics the main job collects.
 * Introduced in notebook 00 (getting started).
 */
import { displayBundle } from "./display";
import { assertFiniteNumber, assertSeries, fail } from "./validate";

/** Thrown by a failed check: the lesson's result is wrong, not the call. */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailedError";
  }
}

/** A scalar or a vector result (e.g. a multi-output prediction). */
export type Value = number | number[];

/** Renders a value for messages and tables. */
export function formatValue(value: Value, digits = 2): string {
  const one = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(digits));
  return Array.isArray(value) ? `[${value.map(one).join(", ")}]` : one(value);
}

/** Validates a scalar or vector value and returns it as a list. */
function asList(name: string, value: Value): number[] {
  if (typeof value === "number") {
    assertFiniteNumber(name, value);
    return [value];
  }
  return assertSeries(name, value);
}

/**
 * The distance between a result and the truth: the largest absolute
 * difference over the components (just |a − b| for scalars).
 */
export function distance(actual: Value, expected: Value): number {
  const a = asList("actual", actual);
  const e = asList("expected", expected);
  if (a.length !== e.length) fail("actual", `${e.length} value(s), like \`expected\``, actual);
  return Math.max(...a.map((v, i) => Math.abs(v - e[i])));
}

/** Throws unless `actual` is within `tolerance` of `expected` (largest absolute difference). */
export function expectClose(what: string, actual: Value, expected: Value, tolerance: number): void {
  assertFiniteNumber("tolerance", tolerance);
  if (tolerance < 0) fail("tolerance", "a non-negative number", tolerance);
  const off = distance(actual, expected);
  if (!(off <= tolerance)) {
    throw new CheckFailedError(
      `Check failed: ${what}: expected ${formatValue(expected, 6)} ± ${tolerance}, got ${formatValue(actual, 6)} (off by ${off.toPrecision(4)}).`,
    );
  }
}

/** Throws unless `condition` holds; `message` says what should have been true. */
export function expectTrue(condition: boolean, message: string): void {
  if (condition !== true) throw new CheckFailedError(`Check failed: ${message}.`);
}

/** One problem of a lesson compared with the seed article's Keras results. */
export interface SeedComparison {
  /** The problem, e.g. "sum of three, predict [50, 51, 52]". */
  problem: string;
  /** The true answer. */
  truth: Value;
  /** The seed article's results by model name, e.g. `{ "simple LSTM": 145.96 }`. */
  seed: Record<string, Value>;
  /** This workbook's results by model name. */
  ours: Record<string, Value>;
}

/** The seed's result closest to the truth: its model name, value and distance. */
export function seedBest(comparison: SeedComparison): { model: string; value: Value; distance: number } {
  const entries = Object.entries(comparison.seed);
  if (entries.length === 0) fail("comparison.seed", "at least one seed result", comparison.seed);
  return entries
    .map(([model, value]) => ({ model, value, distance: distance(value, comparison.truth) }))
    .reduce((best, next) => (next.distance < best.distance ? next : best));
}

/** Shows the table "problem · true value · seed (Keras) · this workbook" for a lesson. */
export function showSeedComparison(comparisons: SeedComparison[]): void {
  const lines = ["| problem | true value | seed (Keras) | this workbook |", "|---|---|---|---|"];
  for (const c of comparisons) {
    const seed = Object.entries(c.seed).map(([m, v]) => `${m}: ${formatValue(v)}`).join("<br>");
    const ours = Object.entries(c.ours).map(([m, v]) => `${m}: ${formatValue(v)} (off by ${distance(v, c.truth).toFixed(2)})`).join("<br>");
    lines.push(`| ${c.problem} | ${formatValue(c.truth)} | ${seed} | ${ours} |`);
  }
  const markdown = lines.join("\n");
  const text = comparisons
    .map((c) => `${c.problem}: truth ${formatValue(c.truth)}; seed ${JSON.stringify(c.seed)}; ours ${Object.entries(c.ours).map(([m, v]) => `${m} ${formatValue(v)}`).join(", ")}`)
    .join("\n");
  displayBundle({ "text/markdown": markdown, "text/plain": text });
}

/**
 * Throws unless every one of this workbook's models named in `models`
 * (default: all of `ours`) is at least as close to the truth as the seed's
 * best result for that problem. Returns the margins for printing.
 */
export function expectAtLeastAsCloseAsSeed(comparison: SeedComparison, models?: string[]): Record<string, number> {
  const best = seedBest(comparison);
  const names = models ?? Object.keys(comparison.ours);
  const margins: Record<string, number> = {};
  for (const name of names) {
    if (!(name in comparison.ours)) fail("models", `names of results in \`ours\` (${Object.keys(comparison.ours).join(", ")})`, name);
    const ours = distance(comparison.ours[name], comparison.truth);
    margins[name] = best.distance - ours;
    if (!(ours <= best.distance)) {
      throw new CheckFailedError(
        `Check failed: ${comparison.problem}: ${name} predicted ${formatValue(comparison.ours[name])}, ` +
          `${ours.toFixed(3)} from the truth ${formatValue(comparison.truth)}; the seed's best (${best.model}, ` +
          `${formatValue(best.value)}) is ${best.distance.toFixed(3)} from it.`,
      );
    }
  }
  return margins;
}

/** The MIME type of the metrics a notebook reports to the main job. */
export const METRICS_MIME = "application/vnd.rnn-workbook.metrics+json";

/**
 * Reports a lesson's key numbers: shown as a small table, and collected by the
 * main job (`npm run workbook`) into its summary. Introduced in notebook 00.
 */
export function reportMetrics(metrics: Record<string, number | string>): void {
  if (metrics === null || typeof metrics !== "object" || Object.keys(metrics).length === 0) {
    fail("metrics", "an object of name → number or short text", metrics);
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === "number") assertFiniteNumber(`metrics["${name}"]`, value);
    else if (typeof value !== "string") fail(`metrics["${name}"]`, "a number or a string", value);
  }
  const show = (v: number | string) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : v);
  const markdown = ["| metric | value |", "|---|---|", ...Object.entries(metrics).map(([k, v]) => `| ${k} | ${show(v)} |`)].join("\n");
  const text = Object.entries(metrics).map(([k, v]) => `${k}: ${show(v)}`).join("\n");
  displayBundle({ [METRICS_MIME]: metrics, "text/markdown": markdown, "text/plain": text });
}
