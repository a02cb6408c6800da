/**
 * Result tables as danfo DataFrames: every forecast of a lesson — the models and
 * the naive baselines — scored on the same rows, in one table. Show one with
 * `showDataFrame`. Introduced in notebook 05 (car sales).
 */
import type { DataFrame } from "danfojs-node";
import { mae, mape, MetricValues, mse, rmse } from "./metrics";
import { assertKnownOptions, assertOneOf, fail, WorkbookInputError } from "./validate";

/** The metrics a table can hold. */
export const METRIC_NAMES = ["mse", "rmse", "mae", "mape"] as const;
/** One of {@link METRIC_NAMES}. */
export type MetricName = (typeof METRIC_NAMES)[number];

const METRIC_FUNCTIONS: Record<MetricName, (yTrue: MetricValues, yPred: MetricValues) => number> = { mse, rmse, mae, mape };
const METRIC_TITLES: Record<MetricName, string> = { mse: "MSE", rmse: "RMSE", mae: "MAE", mape: "MAPE %" };

/** Options of {@link metricsTable}. */
export interface MetricsTableOptions {
  /** Names of the forecasts that are naive baselines (kind "baseline"); the others are "model". Default: none. */
  baselines?: string[];
  /** The metric columns, in order. Default: `["mse", "rmse", "mae"]`. */
  metrics?: MetricName[];
  /** Sort the rows by this metric, best (smallest) first. Default: the order of `forecasts`. */
  sortBy?: MetricName;
}

/**
 * Scores every forecast against the same true values and returns a danfo
 * DataFrame with columns `forecast`, `kind` and one column per metric
 * ("MSE", "RMSE", "MAE", "MAPE %"). Values are in the units of `truth`: pass
 * inverse-scaled numbers so the table speaks the data's language.
 * Introduced in notebook 05 (car sales).
 */
export function metricsTable(truth: MetricValues, forecasts: Record<string, MetricValues>, options: MetricsTableOptions = {}): DataFrame {
  assertKnownOptions(options, ["baselines", "metrics", "sortBy"], '{ baselines: ["last value"], metrics: ["rmse", "mae"] }');
  if (forecasts === null || typeof forecasts !== "object" || Array.isArray(forecasts) || Object.keys(forecasts).length === 0) {
    fail("forecasts", "an object of forecast name → predicted values, with at least one entry", forecasts, 'E.g. { "LSTM": predictions, "last value": naive }.');
  }
  const names = Object.keys(forecasts);
  const baselines = options.baselines ?? [];
  if (!Array.isArray(baselines)) fail("options.baselines", "an array of forecast names", baselines);
  baselines.forEach((name, i) => assertOneOf(`options.baselines[${i}]`, name, names));
  const metrics = options.metrics ?? ["mse", "rmse", "mae"];
  if (!Array.isArray(metrics) || metrics.length === 0) fail("options.metrics", `a non-empty array of metric names (${METRIC_NAMES.join(", ")})`, metrics);
  metrics.forEach((metric, i) => assertOneOf(`options.metrics[${i}]`, metric, METRIC_NAMES));
  if (options.sortBy !== undefined) assertOneOf("options.sortBy", options.sortBy, METRIC_NAMES);

  const rows = names.map((name) => {
    const scores: Record<string, number> = {};
    for (const metric of new Set([...metrics, ...(options.sortBy ? [options.sortBy] : [])])) {
      try {
        scores[metric] = METRIC_FUNCTIONS[metric](truth, forecasts[name]);
      } catch (error) {
        if (!(error instanceof WorkbookInputError) || error.argument !== "yPred") throw error;
        const argument = `forecasts["${name}"]`; // name the forecast that is wrong, not the metric's parameter
        throw new WorkbookInputError(argument, error.message.replace("`yPred`", `\`${argument}\``));
      }
    }
    return { name, kind: baselines.includes(name) ? "baseline" : "model", scores };
  });
  if (options.sortBy !== undefined) rows.sort((a, b) => a.scores[options.sortBy!] - b.scores[options.sortBy!]);

  const columns: Record<string, Array<string | number>> = { forecast: rows.map((r) => r.name), kind: rows.map((r) => r.kind) };
  for (const metric of metrics) columns[METRIC_TITLES[metric]] = rows.map((r) => r.scores[metric]);
  const dfd = require("danfojs-node") as typeof import("danfojs-node"); // loaded on first use: it is large
  return new dfd.DataFrame(columns);
}
