/**
 * Loading the workbook's data files: CSV series as typed columns or as danfo
 * DataFrames, and the text corpus. Introduced in notebook 05 (car sales).
 *
 * This is the module that reads files; compute modules never do. CSV text is
 * parsed with papaparse (the parser danfo itself uses) and validated here, so a
 * malformed file fails with the line that is wrong instead of turning into
 * NaN further on. CRLF line endings and a missing final newline are fine.
 */
import { existsSync, readFileSync, statSync } from "fs";
import * as path from "path";
import Papa from "papaparse";
import type { DataFrame } from "danfojs-node";
import { assertOneOf, described, fail, WorkbookInputError } from "./validate";

/** The data files that ship with the workbook, by name. */
export const DATASETS = {
  "monthly-car-sales": { file: "monthly-car-sales.csv", dateColumn: "Month" },
  "airline-passengers": { file: "airline-passengers.csv", dateColumn: "Month" },
  ETTh1: { file: "ETTh1.csv", dateColumn: "date" },
  republic: { file: "republic.txt", dateColumn: undefined },
} as const;
/** One of the keys of {@link DATASETS}. */
export type DatasetName = keyof typeof DATASETS;
/** Every dataset name. */
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];
/** The CSV datasets (all but the text corpus). */
export type CsvDatasetName = Exclude<DatasetName, "republic">;

/** Environment variable naming the folder that holds the data files. */
export const DATASETS_ENV = "RNN_WORKBOOK_DATASETS";

/** Where to look for data files. */
export interface DataLocationOptions {
  /**
   * Folder holding the data files. Default: the `RNN_WORKBOOK_DATASETS`
   * environment variable; else the nearest `datasets/` folder at or above the
   * working directory; else the data files packed into the installed library
   * (`node_modules/rnn-workbook/datasets`); else the workbook repository's `datasets/`.
   */
  dir?: string;
}

/** A CSV file parsed into a date (or label) column and numeric columns. */
export interface Table {
  /** The file read. */
  file: string;
  /** Names of the numeric columns, in file order. */
  columns: string[];
  /** The first column's text for every row (dates or labels). */
  index: string[];
  /** Name of that first column. */
  indexColumn: string;
  /** Numeric values, `[rows][columns]`. */
  rows: number[][];
}

/** A single numeric column with its dates. */
export interface Series {
  /** The first column's text for every row (e.g. "1960-01"). */
  index: string[];
  /** The values. */
  values: number[];
}

/** The folders searched for `file`, in order. */
function candidateDirs(options: DataLocationOptions): string[] {
  if (options.dir !== undefined) {
    if (typeof options.dir !== "string" || options.dir === "") fail("options.dir", "a folder path", options.dir);
    return [path.resolve(options.dir)];
  }
  const dirs: string[] = [];
  const fromEnv = process.env[DATASETS_ENV];
  if (fromEnv) dirs.push(path.resolve(fromEnv));
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    dirs.push(path.join(dir, "datasets"));
    if (path.dirname(dir) === dir) break;
  }
  dirs.push(path.resolve(__dirname, "..", "datasets")); // dist → the installed package's datasets (packed in by prepack)
  dirs.push(path.resolve(__dirname, "..", "..", "datasets")); // lib/dist → repo/datasets
  return dirs;
}

/** The path of a dataset file, or a clear error listing where it was looked for. */
export function datasetPath(name: DatasetName, options: DataLocationOptions = {}): string {
  assertOneOf("name", name, DATASET_NAMES, "These are the files in the workbook's datasets/ folder.");
  const file = DATASETS[name].file;
  const dirs = candidateDirs(options);
  for (const dir of dirs) {
    const candidate = path.join(dir, file);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return fail(
    "name",
    `a dataset whose file ${file} exists`,
    described(`"${name}", but ${file} is in none of: ${[...new Set(dirs)].join(", ")}`),
    `Pass { dir: "<folder with ${file}>" } or set ${DATASETS_ENV}.`,
  );
}

/**
 * Parses CSV text whose first column is a label (e.g. a date) and whose other
 * columns are numbers. `source` names the file in errors.
 */
export function parseCsvTable(text: string, source = "csv"): Table {
  if (typeof text !== "string") fail("text", "the CSV file's text", text);
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const fatal = parsed.errors.find((e) => e.type !== "Delimiter");
  if (fatal) {
    throw new WorkbookInputError("text", `Could not read ${source} as CSV: ${fatal.message} (row ${fatal.row !== undefined ? fatal.row + 1 : "?"}).`);
  }
  const [header, ...body] = parsed.data;
  if (!header || header.length < 2) {
    fail(source, "a CSV file with a header row of at least two columns (a label and a value)", described(header ? `a header of ${header.length} column(s)` : "an empty file"));
  }
  if (body.length === 0) fail(source, "a CSV file with at least one data row", described("only a header"));
  const columns = header.slice(1).map((c) => c.trim());
  const index: string[] = [];
  const rows: number[][] = [];
  body.forEach((fields, r) => {
    const line = r + 2; // 1-based, after the header
    if (fields.length !== header.length) {
      fail(`${source} line ${line}`, `${header.length} fields like the header (${header.join(",")})`, described(`${fields.length} field(s): ${JSON.stringify(fields.join(","))}`), "Fix or remove that line.");
    }
    index.push(fields[0].trim());
    rows.push(
      fields.slice(1).map((field, c) => {
        const value = field.trim() === "" ? NaN : Number(field);
        if (!Number.isFinite(value)) {
          fail(`${source} line ${line}, column ${columns[c]}`, "a number", field, "Fix that value or remove the line.");
        }
        return value;
      }),
    );
  });
  return { file: source, columns, index, indexColumn: header[0].trim(), rows };
}

/** Reads one of the workbook's CSV datasets as a typed table. Introduced in notebook 05. */
export function loadTable(name: CsvDatasetName, options: DataLocationOptions = {}): Table {
  if (name === ("republic" as string)) fail("name", "a CSV dataset", name, "Use loadText for the text corpus.");
  const file = datasetPath(name, options);
  return parseCsvTable(readFileSync(file, "utf8"), file);
}

/** Reads one numeric column of a CSV dataset, e.g. `loadSeries("monthly-car-sales", "Sales")`. */
export function loadSeries(name: CsvDatasetName, column: string, options: DataLocationOptions = {}): Series {
  const table = loadTable(name, options);
  const c = table.columns.indexOf(column);
  if (c < 0) fail("column", `one of ${table.columns.map((n) => JSON.stringify(n)).join(", ")}`, column);
  return { index: table.index, values: table.rows.map((row) => row[c]) };
}

/**
 * Reads a CSV dataset as a danfo DataFrame (the label column as text, the
 * others as numbers), for `head()`, `describe()` and friends.
 */
export function loadDataFrame(name: CsvDatasetName, options: DataLocationOptions = {}): DataFrame {
  const table = loadTable(name, options);
  const dfd = require("danfojs-node") as typeof import("danfojs-node"); // loaded on first use: it is large
  const data: Record<string, Array<string | number>> = { [table.indexColumn]: table.index };
  table.columns.forEach((column, c) => {
    data[column] = table.rows.map((row) => row[c]);
  });
  return new dfd.DataFrame(data);
}

/** Options for {@link loadText}. */
export interface LoadTextOptions extends DataLocationOptions {
  /** Drop the Project Gutenberg header and licence, keeping the book. Default: true. */
  bookOnly?: boolean;
  /** Characters skipped at the start (after the header is dropped). Default: 0. */
  start?: number;
  /** Characters kept. Default: all. */
  length?: number;
}

/** Reads the text corpus (`republic`), optionally an excerpt. Introduced in notebook 09. */
export function loadText(name: "republic" = "republic", options: LoadTextOptions = {}): string {
  let text = readFileSync(datasetPath(name, options), "utf8").replace(/\r\n/g, "\n");
  if (options.bookOnly !== false) {
    const start = text.indexOf("*** START OF");
    const end = text.indexOf("*** END OF");
    if (start >= 0) text = text.slice(text.indexOf("\n", start) + 1, end > start ? end : undefined);
    text = text.trim();
  }
  const from = options.start ?? 0;
  if (!Number.isInteger(from) || from < 0 || from >= text.length) {
    fail("options.start", `an integer from 0 to ${text.length - 1}`, options.start);
  }
  const length = options.length ?? text.length - from;
  if (!Number.isInteger(length) || length < 1) fail("options.length", "a positive integer", options.length);
  return text.slice(from, from + length);
}
