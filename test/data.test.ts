import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { datasetPath, loadCsv, loadCsvDataFrame, loadCsvSeries, loadDataFrame, loadSeries, loadTable, loadText, parseCsvTable } from "../lib/src/data";
import { throwsInput } from "./assertions";

test("car sales: CRLF line endings and no final newline read as 108 clean rows", () => {
  const sales = loadSeries("monthly-car-sales", "Sales");
  assert.equal(sales.values.length, 108);
  assert.equal(sales.index[0], "1960-01");
  assert.equal(sales.index[107], "1968-12");
  assert.deepEqual(sales.values.slice(0, 3), [6550, 8728, 12026]);
  assert.deepEqual(sales.values.slice(-3), [21342, 17180, 14577]);
});

test("airline passengers and ETTh1 load with their columns", () => {
  const air = loadTable("airline-passengers");
  assert.deepEqual(air.columns, ["Passengers"]);
  assert.equal(air.rows.length, 144);
  assert.equal(air.rows[0][0], 112);
  const ett = loadTable("ETTh1");
  assert.deepEqual(ett.columns, ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]);
  assert.equal(ett.rows.length, 17420);
  assert.equal(ett.indexColumn, "date");
  assert.ok(ett.rows.every((r) => r.length === 7 && r.every(Number.isFinite)));
});

test("a danfo DataFrame of the same data", () => {
  const df = loadDataFrame("monthly-car-sales");
  assert.deepEqual(df.shape, [108, 2]);
  assert.deepEqual(df.columns, ["Month", "Sales"]);
  assert.deepEqual((df["Sales"].values as number[]).slice(0, 2), [6550, 8728]);
});

test("the text corpus without its Project Gutenberg header", () => {
  const text = loadText("republic", { length: 200 });
  assert.equal(text.length, 200);
  assert.ok(!text.includes("Project Gutenberg"));
  assert.match(loadText("republic", { bookOnly: false, length: 60 }), /^The Project Gutenberg EBook of The Republic/);
  assert.throws(() => loadText("republic", { start: -1 }), /`options.start`/);
});

test("datasets are found from an explicit folder, and a missing one says where it looked", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-data-"));
  try {
    writeFileSync(path.join(dir, "airline-passengers.csv"), "Month,Passengers\n1949-01,1\n1949-02,2\n");
    assert.deepEqual(loadSeries("airline-passengers", "Passengers", { dir }).values, [1, 2]);
    assert.throws(() => datasetPath("ETTh1", { dir }), new RegExp(`ETTh1.csv is in none of: ${dir}.*Pass \\{ dir:`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("malformed CSV is an error naming the file, line and column", () => {
  assert.throws(() => parseCsvTable("Month,Sales\n1960-01,10\n1960-02\n", "sales.csv"), /Expected `sales.csv line 3` to be 2 fields like the header/);
  assert.throws(() => parseCsvTable("Month,Sales\n1960-01,ten\n", "sales.csv"), /Expected `sales.csv line 2, column Sales` to be a number, but got "ten"/);
  assert.throws(() => parseCsvTable("Month,Sales\n1960-01,\n", "s.csv"), /line 2, column Sales` to be a number, but got ""/);
  assert.throws(() => parseCsvTable("Month,Sales\n", "s.csv"), /at least one data row/);
  assert.throws(() => parseCsvTable("", "s.csv"), /header row of at least two columns/);
  assert.deepEqual(parseCsvTable("a,b\r\nx,1\r\ny,2", "crlf.csv").rows, [[1], [2]]);
});

test("unknown datasets and columns list the valid choices", () => {
  assert.throws(() => loadTable("sales" as never), /Expected `name` to be one of "monthly-car-sales", "airline-passengers", "ETTh1", "republic", but got "sales"/);
  assert.throws(() => loadSeries("monthly-car-sales", "sales"), /Expected `column` to be one of "Sales", but got "sales"/);
  assert.throws(() => loadTable("republic" as never), /Use loadText/);
});

test("loadCsv reads any CSV file by path; loadCsvSeries one column; loadCsvDataFrame a DataFrame", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-csv-"));
  try {
    const file = path.join(dir, "shop.csv");
    writeFileSync(file, "Day,Note,Visitors,Sales\r\n2024-01-01,quiet,10,100\r\n2024-01-02,busy,30,250");
    // every column after the first must then be numeric: "Note" is not
    throwsInput(() => loadCsv(file), `${file} line 2, column Note`, '"quiet"');
    const table = loadCsv(file, { columns: ["Sales", "Visitors"] });
    assert.deepEqual(table.columns, ["Sales", "Visitors"]);
    assert.deepEqual(table.rows, [[100, 10], [250, 30]]);
    assert.deepEqual(table.index, ["2024-01-01", "2024-01-02"]);
    assert.equal(table.indexColumn, "Day");
    assert.deepEqual(loadCsvSeries(file, "Sales"), { index: ["2024-01-01", "2024-01-02"], values: [100, 250] });
    const df = loadCsvDataFrame(file, { columns: ["Visitors"] });
    assert.deepEqual(df.columns, ["Day", "Visitors"]);
    assert.deepEqual(df["Visitors"].values, [10, 30]);
    // a relative path starts from the working directory
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assert.deepEqual(loadCsvSeries("shop.csv", "Visitors").values, [10, 30]);
    } finally {
      process.chdir(cwd);
    }
    // the shipped file read by path gives what loadSeries gives
    assert.deepEqual(loadCsvSeries(datasetPath("monthly-car-sales"), "Sales"), loadSeries("monthly-car-sales", "Sales"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadCsv: a missing file, a folder, a missing column and a bad cell are clear errors", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-csv-"));
  try {
    const file = path.join(dir, "sales.csv");
    writeFileSync(file, "Month,Sales\n1960-01,10\n1960-02,12\n1960-03,n/a\n");
    throwsInput(() => loadCsv(path.join(dir, "nope.csv")), "`file`", "an existing CSV file", `There is no file at ${path.join(dir, "nope.csv")}`);
    throwsInput(() => loadCsv(dir), "`file`", "which is a folder");
    throwsInput(() => loadCsv(""), "`file`", "path of a CSV file");
    throwsInput(() => loadCsvSeries(file, "sales"), "`options.columns[0]`", 'one of the numeric columns', '"Sales"', "case-sensitive");
    throwsInput(() => loadCsvSeries(file, "Month"), "`options.columns[0]`", "label column");
    throwsInput(() => loadCsvSeries(file, "Sales"), `${file} line 4, column Sales`, "a number", '"n/a"');
    throwsInput(() => loadCsv(file, { columns: [] }), "`options.columns`", "non-empty array");
    throwsInput(() => loadCsv(file, { column: ["Sales"] } as never), "unknown key `column`");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
