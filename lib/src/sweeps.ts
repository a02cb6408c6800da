/**
 * Hyperparameter sweeps: train one model per point of a grid, collect each
 * run's metrics and seconds in a danfo DataFrame, and chart a metric against
 * a parameter. Runs are sequential and seeded, so a sweep gives the same
 * metrics on every run on the same backend.
 *
 *     const results = await sweep(
 *       { learningRate: [0.001, 0.003, 0.01], units: [16, 32, 64] },
 *       async (point, run) => {
 *         const model = run.track(buildRecurrentModel({ ...point, lookBack: 10, numFeatures: 1, seed: run.seed }));
 *         await fit(model, trainX, trainY, { epochs: 30, seed: run.seed, progress: "none" });
 *         return { valRmse: rmse(valY, predict(model, valX)) };
 *       },
 *       { mode: "oneAtATime", base: { learningRate: 0.003, units: 32 } },
 *     );
 *     showDataFrame(results);
 *     showChart(sweepChart(results, { x: "learningRate", y: "valRmse", logX: true }));
 *
 * Introduced in notebook 06 (airline passengers).
 */
import type { DataFrame } from "danfojs-node";
import { lineChart, barChart, ChartOptions, NamedSeries, PlotlyFigure } from "./charts";
import type { DataFrameLike } from "./display";
import { assertKnownOptions, assertNonNegativeInteger, assertOneOf, described, describeValue, fail } from "./validate";
import { interruptible, interruptionPoint, InterruptedError } from "./interrupt";

/** A value a parameter can take in a sweep. */
export type SweepValue = number | string | boolean;

/** A grid: parameter name → the values to try, e.g. `{ learningRate: [0.001, 0.01], units: [16, 32] }`. */
export type SweepGrid = Record<string, readonly SweepValue[]>;

/** One point of a grid: one value per parameter (with `as const` grids, the literal types). */
export type SweepPoint<G extends SweepGrid> = { -readonly [K in keyof G]: G[K][number] };

/** What a training function returns: metric name → a finite number, e.g. `{ valRmse: 21.4 }`. */
export type SweepMetrics = Record<string, number>;

/** How {@link sweep} walks a grid. */
export const SWEEP_MODES = ["grid", "oneAtATime"] as const;
/**
 * One of {@link SWEEP_MODES}: `"grid"` runs every combination (the cartesian
 * product: 3 × 3 values are 9 runs); `"oneAtATime"` starts from a base point
 * and changes one parameter at a time, the others kept at their base values
 * (3 + 3 values are 1 + 2 + 2 = 5 runs).
 */
export type SweepMode = (typeof SWEEP_MODES)[number];

/** How {@link sweep} reports progress. */
export const SWEEP_PROGRESS = ["text", "none"] as const;
/** One of {@link SWEEP_PROGRESS}: `"text"` prints one line per finished run. */
export type SweepProgress = (typeof SWEEP_PROGRESS)[number];

/** Options of {@link sweep}. */
export interface SweepOptions<G extends SweepGrid = SweepGrid> {
  /** How to walk the grid: every combination, or one parameter at a time around `base`. Default: `"grid"`. */
  mode?: SweepMode;
  /**
   * The base point of a `"oneAtATime"` sweep: a value for some or all parameters
   * (it need not be in the parameter's list). Default: the first value of each list.
   * Only with `mode: "oneAtATime"`.
   */
  base?: { [K in keyof G]?: SweepValue };
  /**
   * The seed handed to every run as `run.seed`: use it for the initial weights and the
   * shuffling, so that runs differ only by their parameters. To repeat every point with
   * several seeds, put `seed` into the grid instead and use `point.seed`. Default: 42.
   */
  seed?: number;
  /** A name for the sweep, used in progress lines and error messages. Default: `"sweep"`. */
  title?: string;
  /** `"text"`: one line per run (point, metrics, seconds); `"none"`: silent. Default: `"text"`. */
  progress?: SweepProgress;
}

/** What a training function learns about its run, besides the point. */
export interface SweepRun {
  /** Position of this run in the sweep, from 0. */
  index: number;
  /** Number of runs in the sweep. */
  count: number;
  /** The seed to use for initial weights and shuffling (`options.seed`). */
  seed: number;
  /** The point as text, e.g. `learningRate=0.01, units=32`. */
  label: string;
  /**
   * Registers something with a `dispose()` method (a model, a tensor) to be
   * disposed when the run ends, also when it throws. Returns its argument.
   */
  track<T extends { dispose(): unknown }>(disposable: T): T;
}

/** A training function: trains one model at `point` and returns its metrics. */
export type SweepTrainer<G extends SweepGrid> = (point: SweepPoint<G>, run: SweepRun) => Promise<SweepMetrics> | SweepMetrics;

/** Thrown when a training function throws: says which point of which sweep failed; `cause` is the original error. */
export class SweepRunError extends Error {
  /** The point whose run failed. */
  readonly point: Record<string, SweepValue>;

  constructor(message: string, point: Record<string, SweepValue>, cause: unknown) {
    super(message, { cause });
    this.name = "SweepRunError";
    this.point = point;
  }
}

/** Names of the columns {@link sweep} adds besides the parameters and metrics. */
export const SWEEP_COLUMNS = { varied: "varied", seconds: "seconds" } as const;

/** The text of a point, e.g. `learningRate=0.01, optimizer=adam`. Introduced in notebook 06 (airline passengers). */
export function pointLabel(point: Record<string, SweepValue>): string {
  return Object.entries(point).map(([name, value]) => `${name}=${value}`).join(", ");
}

/**
 * The points a sweep runs, in order, each with the parameter it varies
 * (`"grid"` mode: none; `"oneAtATime"`: `"base"` for the base point, else the
 * parameter's name). Checks the grid and options as {@link sweep} does.
 * Introduced in notebook 06 (airline passengers).
 */
export function sweepPoints<const G extends SweepGrid>(
  grid: G,
  options: Pick<SweepOptions<G>, "mode" | "base"> = {},
): Array<{ point: SweepPoint<G>; varied: string | null }> {
  const names = checkGrid(grid);
  const mode = options.mode ?? "grid";
  assertOneOf("options.mode", mode, SWEEP_MODES);
  if (mode === "grid") {
    if (options.base !== undefined) {
      fail("options.base", "unset in grid mode", options.base, 'A base point belongs to mode: "oneAtATime"; a grid runs every combination.');
    }
    let points: Array<Record<string, SweepValue>> = [{}];
    for (const name of names) points = points.flatMap((p) => grid[name].map((v) => ({ ...p, [name]: v })));
    return points.map((point) => ({ point: point as SweepPoint<G>, varied: null }));
  }
  const base = readBase(grid, names, options.base);
  const points: Array<{ point: SweepPoint<G>; varied: string | null }> = [{ point: { ...base } as SweepPoint<G>, varied: "base" }];
  for (const name of names) {
    for (const value of grid[name]) {
      if (value !== base[name]) points.push({ point: { ...base, [name]: value } as SweepPoint<G>, varied: name });
    }
  }
  return points;
}

/**
 * Trains one model per point of `grid`, one after the other, and returns a danfo
 * DataFrame with one row per run: the column `varied` (only with
 * `mode: "oneAtATime"`), one column per parameter, one per metric the training
 * function returned, and `seconds` (wall-clock seconds of the run: unlike the
 * metrics, they change from run to run, so do not report them as results). `train`
 * receives the point and a {@link SweepRun} (the seed to use, `track` to have
 * models disposed after the run). A run that throws, or returns anything but
 * finite numbers, stops the sweep with an error naming the point.
 * Show the result with `showDataFrame`, chart it with {@link sweepChart}.
 * Kernel → Interrupt stops the sweep before its next run (or inside a run, when `train`
 * uses `fit`) with an `InterruptedError` saying how many runs finished.
 * Introduced in notebook 06 (airline passengers).
 */
export async function sweep<const G extends SweepGrid>(grid: G, train: SweepTrainer<G>, options: SweepOptions<G> = {}): Promise<DataFrame> {
  return interruptible(() => sweepLoop(grid, train, options));
}

/** The body of {@link sweep}, run as an interruptible loop. */
async function sweepLoop<const G extends SweepGrid>(grid: G, train: SweepTrainer<G>, options: SweepOptions<G>): Promise<DataFrame> {
  assertKnownOptions(options, ["mode", "base", "seed", "title", "progress"], '{ mode: "oneAtATime", base: { learningRate: 0.01 } }');
  if (typeof train !== "function") {
    fail("train", "a function (point, run) => Promise<metrics>", train, "It trains one model at the point and returns e.g. { valRmse: 21.4 }.");
  }
  const points = sweepPoints(grid, { mode: options.mode, base: options.base });
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const title = options.title ?? "sweep";
  if (typeof title !== "string") fail("options.title", "a string", title);
  const progress = options.progress ?? "text";
  assertOneOf("options.progress", progress, SWEEP_PROGRESS);
  const names = Object.keys(grid);

  const rows: Array<{ varied: string | null; point: Record<string, SweepValue>; metrics: SweepMetrics; seconds: number }> = [];
  let metricNames: string[] | undefined;
  for (let index = 0; index < points.length; index++) {
    const { point, varied } = points[index];
    const label = pointLabel(point);
    const where = `${title}, run ${index + 1} of ${points.length} (${label})`;
    if (await interruptionPoint()) {
      throw new InterruptedError(`Sweep interrupted before run ${index + 1} of ${points.length} (${label}); ${index} run(s) finished, their results are lost.`);
    }
    const tracked: Array<{ dispose(): unknown }> = [];
    const run: SweepRun = {
      index,
      count: points.length,
      seed,
      label,
      track: (disposable) => {
        if (disposable === null || typeof disposable !== "object" || typeof disposable.dispose !== "function") {
          fail("run.track(disposable)", "an object with a dispose() method, such as a model or a tensor", disposable);
        }
        tracked.push(disposable);
        return disposable;
      },
    };
    const started = Date.now();
    let metrics: unknown;
    try {
      metrics = await train({ ...point }, run);
    } catch (error) {
      if (error instanceof InterruptedError) {
        throw new InterruptedError(`Sweep interrupted during run ${index + 1} of ${points.length} (${label}); ${index} run(s) finished, their results are lost. ${error.message}`);
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new SweepRunError(`The training function failed at ${where}: ${message}`, point, error);
    } finally {
      for (const disposable of tracked) disposable.dispose();
    }
    const seconds = (Date.now() - started) / 1000;
    metricNames = checkMetrics(metrics, where, names, metricNames);
    rows.push({ varied, point, metrics: metrics as SweepMetrics, seconds });
    if (progress === "text") {
      const shown = metricNames.map((m) => `${m} ${formatMetric((metrics as SweepMetrics)[m])}`).join(", ");
      console.log(`${title} [${index + 1}/${points.length}] ${label} → ${shown} (${seconds.toFixed(1)} s)`);
    }
  }

  const columns: Record<string, SweepValue[]> = {};
  if (options.mode === "oneAtATime") columns[SWEEP_COLUMNS.varied] = rows.map((r) => r.varied as string);
  for (const name of names) columns[name] = rows.map((r) => r.point[name]);
  for (const metric of metricNames!) columns[metric] = rows.map((r) => r.metrics[metric]);
  columns[SWEEP_COLUMNS.seconds] = rows.map((r) => r.seconds);
  const dfd = require("danfojs-node") as typeof import("danfojs-node"); // loaded on first use: it is large
  return new dfd.DataFrame(columns);
}

/** Options of {@link sweepChart}. */
export interface SweepChartOptions extends ChartOptions {
  /** The parameter on the x axis: a column of the sweep's DataFrame. Required. */
  x: string;
  /** The metric(s) on the y axis: one column name, or several (one line each). Required. */
  y: string | string[];
  /** A column whose values split the runs into one line (or bar group) each, e.g. `"cell"`. Default: none. */
  groupBy?: string;
  /** A logarithmic x axis, e.g. for learning rates. Default: false. */
  logX?: boolean;
}

/**
 * A chart of metric(s) against one parameter of a sweep: lines with markers
 * when the parameter is numeric, grouped bars when it is text (e.g. an
 * optimizer). For a `"oneAtATime"` sweep it uses the runs that vary `x` plus
 * the base point. Runs that share an x value (and group) are averaged.
 * Introduced in notebook 06 (airline passengers).
 */
export function sweepChart(results: DataFrameLike, options: SweepChartOptions): PlotlyFigure {
  if (results === null || typeof results !== "object" || !Array.isArray(results.columns) || !Array.isArray(results.values)) {
    fail("results", "the DataFrame a sweep returned", results, "Pass what `await sweep(...)` gave.");
  }
  assertKnownOptions(options, ["x", "y", "groupBy", "logX", "title", "xTitle", "yTitle", "logY", "height"], '{ x: "learningRate", y: "valRmse" }');
  const columns = results.columns;
  const column = (name: string, option: string) => {
    if (typeof name !== "string" || !columns.includes(name)) fail(option, `a column of the results (${columns.join(", ")})`, name);
    return columns.indexOf(name);
  };
  const xc = column(options.x, "options.x");
  const ys = typeof options.y === "string" ? [options.y] : options.y;
  if (!Array.isArray(ys) || ys.length === 0) fail("options.y", "a metric column name or a non-empty array of them", options.y);
  const ycs = ys.map((name, i) => column(name, Array.isArray(options.y) ? `options.y[${i}]` : "options.y"));
  const gc = options.groupBy === undefined ? -1 : column(options.groupBy, "options.groupBy");
  let rows = results.values.map((row) => (Array.isArray(row) ? row : [row]));
  const vc = columns.indexOf(SWEEP_COLUMNS.varied);
  if (vc !== -1) rows = rows.filter((row) => row[vc] === "base" || row[vc] === options.x);
  if (rows.length === 0) fail("results", "at least one run", described("no rows"));
  ycs.forEach((c, i) => rows.forEach((row, r) => {
    if (typeof row[c] !== "number" || !Number.isFinite(row[c])) fail(`results[${r}].${ys[i]}`, "a finite number (a metric)", row[c]);
  }));

  const numericX = rows.every((row) => typeof row[xc] === "number");
  const xs = [...new Set(rows.map((row) => row[xc] as SweepValue))];
  if (numericX) (xs as number[]).sort((a, b) => a - b);
  const groups = gc === -1 ? [null] : [...new Set(rows.map((row) => row[gc] as SweepValue))];
  const series: Array<{ name: string; x: SweepValue[]; y: number[] }> = [];
  for (const group of groups) {
    const inGroup = rows.filter((row) => gc === -1 || row[gc] === group);
    for (let i = 0; i < ys.length; i++) {
      const at = xs.filter((x) => inGroup.some((row) => row[xc] === x));
      const y = at.map((x) => mean(inGroup.filter((row) => row[xc] === x).map((row) => row[ycs[i]] as number)));
      const parts = [...(group === null ? [] : [String(group)]), ...(ys.length > 1 || group === null ? [ys[i]] : [])];
      series.push({ name: parts.join(" · "), x: at, y });
    }
  }
  const chartOptions: ChartOptions = {
    title: options.title ?? `${ys.join(", ")} against ${options.x}`,
    xTitle: options.xTitle ?? options.x,
    yTitle: options.yTitle ?? ys.join(", "),
    logY: options.logY,
    height: options.height,
  };
  if (!numericX) {
    const categories = xs.map(String);
    const bars: Record<string, number[]> = {};
    for (const s of series) {
      const missing = categories.find((c) => !s.x.map(String).includes(c));
      if (missing !== undefined) {
        fail("results", `a run at every value of \`${options.x}\` for ${s.name}`, described(`no run at ${options.x}=${missing}`), "Sweep every combination (mode: \"grid\") or leave out groupBy.");
      }
      bars[s.name] = categories.map((c) => s.y[s.x.map(String).indexOf(c)]);
    }
    return barChart(categories, bars, chartOptions);
  }
  const lines: NamedSeries[] = series.map((s) => ({ name: s.name, x: s.x as number[], y: s.y, mode: "lines+markers" }));
  const figure = lineChart(lines, chartOptions);
  if (options.logX) (figure.layout.xaxis as Record<string, unknown>).type = "log";
  return figure;
}

/** Options of {@link sweepSummary}. */
export interface SweepSummaryOptions {
  /** The column whose values form the groups, e.g. `"cell"` when every cell ran with several seeds. Required. */
  by: string;
  /** The metric columns summarised. Required. */
  metrics: string[];
}

/**
 * Mean, standard deviation (sample, n − 1), smallest and largest value of each
 * metric per group of runs — e.g. one row per model when a sweep repeated every
 * model with several seeds. Returns a danfo DataFrame with the columns `by`,
 * `runs`, then `<metric> mean`, `<metric> std`, `<metric> min`, `<metric> max`.
 * Introduced in notebook 06 (airline passengers).
 */
export function sweepSummary(results: DataFrameLike, options: SweepSummaryOptions): DataFrame {
  if (results === null || typeof results !== "object" || !Array.isArray(results.columns) || !Array.isArray(results.values)) {
    fail("results", "the DataFrame a sweep returned", results);
  }
  assertKnownOptions(options, ["by", "metrics"], '{ by: "cell", metrics: ["testRmse"] }');
  const columns = results.columns;
  if (typeof options.by !== "string" || !columns.includes(options.by)) fail("options.by", `a column of the results (${columns.join(", ")})`, options.by);
  if (!Array.isArray(options.metrics) || options.metrics.length === 0) fail("options.metrics", "a non-empty array of metric column names", options.metrics);
  options.metrics.forEach((m, i) => {
    if (typeof m !== "string" || !columns.includes(m)) fail(`options.metrics[${i}]`, `a column of the results (${columns.join(", ")})`, m);
  });
  const rows = results.values.map((row) => (Array.isArray(row) ? row : [row]));
  const bc = columns.indexOf(options.by);
  const groups = [...new Set(rows.map((row) => row[bc] as SweepValue))];
  const out: Record<string, Array<SweepValue>> = { [options.by]: groups, runs: [] };
  for (const group of groups) out.runs.push(rows.filter((row) => row[bc] === group).length);
  for (const metric of options.metrics) {
    const mc = columns.indexOf(metric);
    rows.forEach((row, r) => {
      if (typeof row[mc] !== "number" || !Number.isFinite(row[mc])) fail(`results[${r}].${metric}`, "a finite number (a metric)", row[mc]);
    });
    const stats = groups.map((group) => {
      const values = rows.filter((row) => row[bc] === group).map((row) => row[mc] as number);
      const m = mean(values);
      const std = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1)) : 0;
      return { m, std, min: Math.min(...values), max: Math.max(...values) };
    });
    out[`${metric} mean`] = stats.map((s) => s.m);
    out[`${metric} std`] = stats.map((s) => s.std);
    out[`${metric} min`] = stats.map((s) => s.min);
    out[`${metric} max`] = stats.map((s) => s.max);
  }
  const dfd = require("danfojs-node") as typeof import("danfojs-node");
  return new dfd.DataFrame(out);
}

/**
 * The run with the smallest value of `metric` (e.g. the validation error): its
 * point (the parameter columns) and metrics, as one plain object of the row.
 * Introduced in notebook 06 (airline passengers).
 */
export function bestRun(results: DataFrameLike, metric: string): Record<string, SweepValue> {
  if (results === null || typeof results !== "object" || !Array.isArray(results.columns) || !Array.isArray(results.values)) {
    fail("results", "the DataFrame a sweep returned", results);
  }
  const columns = results.columns;
  if (typeof metric !== "string" || !columns.includes(metric)) fail("metric", `a column of the results (${columns.join(", ")})`, metric);
  const mc = columns.indexOf(metric);
  const rows = results.values.map((row) => (Array.isArray(row) ? row : [row]));
  if (rows.length === 0) fail("results", "at least one run", described("no rows"));
  rows.forEach((row, r) => {
    if (typeof row[mc] !== "number" || !Number.isFinite(row[mc])) fail(`results[${r}].${metric}`, "a finite number (a metric)", row[mc]);
  });
  const best = rows.reduce((a, b) => ((b[mc] as number) < (a[mc] as number) ? b : a));
  return Object.fromEntries(columns.map((c, i) => [c, best[i] as SweepValue]));
}

/** Checks a grid and returns its parameter names. */
function checkGrid(grid: unknown): string[] {
  const example = "{ learningRate: [0.001, 0.01], units: [16, 32] }";
  if (grid === null || typeof grid !== "object" || Array.isArray(grid)) fail("grid", `an object of parameter name → values to try, such as ${example}`, grid);
  const names = Object.keys(grid);
  if (names.length === 0) fail("grid", "at least one parameter", described("an empty object"), `E.g. ${example}.`);
  for (const name of names) {
    if ((Object.values(SWEEP_COLUMNS) as string[]).includes(name)) {
      fail(`grid.${name}`, `a parameter name other than ${Object.values(SWEEP_COLUMNS).map((c) => `"${c}"`).join(" and ")}`, name, "The results use those names for columns of their own: rename the parameter.");
    }
    const values = (grid as Record<string, unknown>)[name];
    if (!Array.isArray(values)) fail(`grid.${name}`, "an array of values to try", values, `Wrap a single value in an array: { ${name}: [${describeValue(values)}] }.`);
    if (values.length === 0) fail(`grid.${name}`, "a non-empty array of values to try", described("an empty array"));
    values.forEach((v, i) => checkValue(`grid.${name}[${i}]`, v));
    values.forEach((v, i) => {
      if (values.indexOf(v) !== i) fail(`grid.${name}[${i}]`, "a value not listed before", v, "List each value once.");
    });
  }
  return names;
}

/** Checks one parameter value: a finite number, a string or a boolean. */
function checkValue(name: string, value: unknown): void {
  const ok = typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
  if (!ok) fail(name, "a finite number, a string or a boolean", value);
}

/** The base point of a one-at-a-time sweep: the given values, else each list's first value. */
function readBase(grid: SweepGrid, names: string[], base: unknown): Record<string, SweepValue> {
  if (base === undefined) return Object.fromEntries(names.map((n) => [n, grid[n][0]]));
  if (base === null || typeof base !== "object" || Array.isArray(base)) fail("options.base", "an object of parameter name → base value", base);
  for (const key of Object.keys(base)) {
    if (!names.includes(key)) fail("options.base", `an object with only the grid's parameters (${names.join(", ")})`, described(`the unknown key \`${key}\``));
    checkValue(`options.base.${key}`, (base as Record<string, unknown>)[key]);
  }
  return Object.fromEntries(names.map((n) => [n, key(base as Record<string, SweepValue>, n) ?? grid[n][0]]));
}

function key(object: Record<string, SweepValue>, name: string): SweepValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, name) ? object[name] : undefined;
}

/** Checks what a training function returned: an object of finite numbers with the same names at every point. */
function checkMetrics(metrics: unknown, where: string, parameters: string[], previous: string[] | undefined): string[] {
  const fix = "The training function must return (a promise of) an object of metric name → number, e.g. { valRmse: 21.4 }.";
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) fail(`the metrics of ${where}`, "an object of metric name → finite number", metrics, fix);
  const names = Object.keys(metrics);
  if (names.length === 0) fail(`the metrics of ${where}`, "at least one metric", described("an empty object"), fix);
  for (const name of names) {
    const value = (metrics as Record<string, unknown>)[name];
    if (typeof value !== "number" || !Number.isFinite(value)) fail(`metrics.${name} of ${where}`, "a finite number", value, fix);
    if (parameters.includes(name) || (Object.values(SWEEP_COLUMNS) as string[]).includes(name)) {
      fail(`the metrics of ${where}`, "metric names that differ from the parameters and from \"varied\" and \"seconds\"", described(`the metric \`${name}\``), "Rename the metric, e.g. valRmse.");
    }
  }
  if (previous !== undefined && (previous.length !== names.length || previous.some((n) => !names.includes(n)))) {
    fail(`the metrics of ${where}`, `the same metric names as the runs before (${previous.join(", ")})`, described(names.join(", ")), "Return the same metrics at every point.");
  }
  return previous ?? names;
}

/** A metric for a progress line: 4 significant digits. */
function formatMetric(value: number): string {
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(4))) : value.toExponential(3);
}

/** Arithmetic mean of a non-empty list. */
function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
