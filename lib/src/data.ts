/**
 * Loading data files — the workbook's own and any CSV file of a student's —
 * as typed columns or as danfo DataFrames, and the text corpus.
 * Introduced in notebook 05 (car sales).
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
import { assertKnownOptions, assertOneOf, described, fail, WorkbookInputError } from "./validate";

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
  /** Names of the numeric columns read: in file order, or in the order `options.columns` asked for. */
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

/** Options of {@link parseCsvTable} and {@link loadCsv}. */
export interface CsvColumnsOptions {
  /**
   * The numeric columns to read, by header name, in the order wanted; other
   * columns (text, or not needed) are skipped unchecked. Default: every column
   * after the first.
   */
  columns?: string[];
}

/**
 * Parses CSV text whose first column is a label (e.g. a date) and whose other
 * columns (or the `columns` asked for) are numbers. `source` names the file in errors.
 * Introduced in notebook 05 (car sales); `options.columns` too.
 */
export function parseCsvTable(text: string, source = "csv", options: CsvColumnsOptions = {}): Table {
  if (typeof text !== "string") fail("text", "the CSV file's text", text);
  assertKnownOptions(options, ["columns"], '{ columns: ["Sales"] }');
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
  const names = header.map((c) => c.trim());
  const columns = readColumnNames(options.columns, names, source);
  const positions = columns.map((c) => names.indexOf(c, 1));
  const index: string[] = [];
  const rows: number[][] = [];
  body.forEach((fields, r) => {
    const line = r + 2; // 1-based, after the header
    if (fields.length !== header.length) {
      fail(`${source} line ${line}`, `${header.length} fields like the header (${header.join(",")})`, described(`${fields.length} field(s): ${JSON.stringify(fields.join(","))}`), "Fix or remove that line.");
    }
    index.push(fields[0].trim());
    rows.push(
      positions.map((position, c) => {
        const field = fields[position];
        const value = field.trim() === "" ? NaN : Number(field);
        if (!Number.isFinite(value)) {
          fail(`${source} line ${line}, column ${columns[c]}`, "a number", field, "Fix that value or remove the line.");
        }
        return value;
      }),
    );
  });
  return { file: source, columns, index, indexColumn: names[0], rows };
}

/** The numeric columns asked for, checked against the header (never the label column). */
function readColumnNames(asked: string[] | undefined, names: string[], source: string): string[] {
  const available = names.slice(1);
  if (asked === undefined) return available;
  const list = available.map((n) => JSON.stringify(n)).join(", ");
  if (!Array.isArray(asked) || asked.length === 0) fail("options.columns", `a non-empty array of column names of ${source} (${list})`, asked);
  asked.forEach((name, i) => {
    if (typeof name !== "string" || !available.includes(name)) {
      const hint = typeof name === "string" && name === names[0] ? ` ${JSON.stringify(name)} is the label column, read as the table's index.` : "";
      fail(`options.columns[${i}]`, `one of the numeric columns of ${source}: ${list}`, name, `Column names are case-sensitive.${hint}`);
    }
  });
  return asked;
}

/** Reads one of the workbook's CSV datasets as a typed table. Introduced in notebook 05. */
export function loadTable(name: CsvDatasetName, options: DataLocationOptions = {}): Table {
  if (name === ("republic" as string)) fail("name", "a CSV dataset", name, "Use loadText for the text corpus.");
  const file = datasetPath(name, options);
  return parseCsvTable(readFileSync(file, "utf8"), file);
}

/** Reads one numeric column of a CSV dataset, e.g. `loadSeries("monthly-car-sales", "Sales")`. */
export function loadSeries(name: CsvDatasetName, column: string, options: DataLocationOptions = {}): Series {
  return seriesOf(loadTable(name, options), column);
}

/**
 * Reads a CSV dataset as a danfo DataFrame (the label column as text, the
 * others as numbers), for `head()`, `describe()` and friends.
 */
export function loadDataFrame(name: CsvDatasetName, options: DataLocationOptions = {}): DataFrame {
  return tableToDataFrame(loadTable(name, options));
}

/**
 * Reads any CSV file — a student's own, not only the workbook's — whose first
 * column is a label (a date such as "1960-01") and whose other columns, or
 * `options.columns`, are numbers. `file` is a path, relative to the working
 * directory (a notebook's own folder) or absolute. A missing file, a missing
 * column or a cell that is not a number is an error naming the file, line and column.
 * Introduced in notebook 05 (car sales).
 */
export function loadCsv(file: string, options: CsvColumnsOptions = {}): Table {
  const resolved = csvFilePath(file);
  return parseCsvTable(readFileSync(resolved, "utf8"), resolved, options);
}

/**
 * Reads one numeric column of any CSV file with its labels, e.g.
 * `loadCsvSeries("my-sales.csv", "Sales")`. Only that column must be numeric.
 * Introduced in notebook 05 (car sales).
 */
export function loadCsvSeries(file: string, column: string): Series {
  if (typeof column !== "string" || column === "") fail("column", "the name of a numeric column in the header", column);
  return seriesOf(loadCsv(file, { columns: [column] }), column);
}

/**
 * Reads any CSV file as a danfo DataFrame (the label column as text, the
 * numeric columns as numbers), for `head()`, `describe()` and friends.
 * Introduced in notebook 05 (car sales).
 */
export function loadCsvDataFrame(file: string, options: CsvColumnsOptions = {}): DataFrame {
  return tableToDataFrame(loadCsv(file, options));
}

/** The absolute path of an existing file, or a clear error saying where it was looked for. */
function csvFilePath(file: string): string {
  if (typeof file !== "string" || file.trim() === "") fail("file", "the path of a CSV file, e.g. \"data/my-sales.csv\"", file);
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) {
    fail("file", "the path of an existing CSV file", file, `There is no file at ${resolved} (relative paths start from the working directory, ${process.cwd()}).`);
  }
  if (!statSync(resolved).isFile()) fail("file", "the path of a file", described(`${JSON.stringify(file)}, which is a folder (${resolved})`));
  return resolved;
}

/** One numeric column of a table with its labels. */
function seriesOf(table: Table, column: string): Series {
  const c = table.columns.indexOf(column);
  if (c < 0) fail("column", `one of ${table.columns.map((n) => JSON.stringify(n)).join(", ")}`, column);
  return { index: table.index, values: table.rows.map((row) => row[c]) };
}

/** A table as a danfo DataFrame: the label column as text, then the numeric columns. */
function tableToDataFrame(table: Table): DataFrame {
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
