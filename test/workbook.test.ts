// The main job, as an instructor's CI runs it: every notebook executes headless through
// `jupyter nbconvert --execute`; a broken lesson makes the run fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { EXERCISE_MIME } from "../lib/src/exercises";
import { METRICS_MIME } from "../lib/src/checks";
import * as path from "node:path";
import { editedCopy, jupyterSkip, notebookNames, REPO, runWorkbook } from "./helpers";

const skip = jupyterSkip();
const out = path.join(REPO, "build", "test-workbook");

test("npm run workbook executes every notebook, writes executed copies, HTML pages and a summary", { skip }, () => {
  rmSync(out, { recursive: true, force: true });
  const result = runWorkbook(["--out", out, "--jobs", "2"]);
  const summaryFile = path.join(out, "summary.json");
  assert.ok(existsSync(summaryFile), `summary.json written\n${result.stdout}\n${result.stderr}`);
  const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  const failed = summary.notebooks.filter((n: { status: string }) => n.status !== "ok");
  assert.deepEqual(failed.map((n: { name: string; error: string }) => `${n.name}: ${n.error}`), [], result.stdout);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.deepEqual(summary.notebooks.map((n: { name: string }) => `${n.name}.ipynb`), notebookNames());
  for (const n of summary.notebooks) {
    assert.ok(existsSync(n.executed), `${n.name} executed copy`);
    assert.ok(existsSync(n.html), `${n.name} HTML page`);
    assert.ok(Object.keys(n.metrics).length > 0, `${n.name} reports its key metrics`);
  }
  // The table names every notebook with its status and seconds.
  for (const n of summary.notebooks) assert.match(result.stdout, new RegExp(`^${n.name}\\s+ok\\s+\\d+\\.\\d`, "m"));
  assert.match(result.stdout, new RegExp(`^${summary.notebooks.length} passed, 0 failed$`, "m"));
  // Notebook 00 ran on the backend it reports, and its check passed with the true answer nearby.
  const first = summary.notebooks.find((n: { name: string }) => n.name === "00-getting-started");
  assert.ok(Math.abs(first.metrics["sum of [50, 51, 52]"] - 153) <= 10);
  // Executed notebooks are not written back into notebooks/.
  const source = JSON.parse(readFileSync(path.join(REPO, "notebooks", "00-getting-started.ipynb"), "utf8"));
  assert.ok(source.cells.every((c: { outputs?: unknown[] }) => !c.outputs || c.outputs.length === 0));
});

/** The outputs of type `mime` in an executed notebook, in order. */
function outputsOf(file: string, mime: string): unknown[] {
  const nb = JSON.parse(readFileSync(file, "utf8"));
  return nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) => (c.outputs ?? []).map((o) => o.data?.[mime]).filter((d) => d !== undefined));
}

/** A notebook's reported metrics, without timings. */
function lessonNumbers(file: string): [string, unknown][] {
  return outputsOf(file, METRICS_MIME).flatMap((m) => Object.entries(m as Record<string, unknown>)).filter(([k]) => !/seconds/i.test(k));
}

test("every exercise's check passes on the instructor's solutions", { skip }, () => {
  for (const name of notebookNames()) {
    const results = outputsOf(path.join(out, "executed", name), EXERCISE_MIME) as { id: string; status: string }[];
    assert.ok(results.length >= 2, `${name}: at least two exercises ran their checks`);
    assert.deepEqual(results.filter((r) => r.status !== "pass"), [], `${name}: every check passed`);
  }
});

test("the student edition of every notebook, graded headless: each exercise fails as not answered, every lesson cell runs, and the lesson prints the instructor run's numbers", { skip }, () => {
  // Also the determinism check: the same lessons run a second time, in another folder and
  // kernel, must print the same numbers (every random choice is seeded).
  const student = path.join(REPO, "build", "test-student");
  const grades = path.join(REPO, "build", "test-student-grades");
  rmSync(student, { recursive: true, force: true });
  rmSync(grades, { recursive: true, force: true });
  try {
    const edition = spawnSync("npm", ["run", "--silent", "student-edition", "--", "--out", student], { cwd: REPO, encoding: "utf8" });
    assert.equal(edition.status, 0, edition.stdout + edition.stderr);
    const submissions = notebookNames().map((name) => path.join(student, name));
    const graded = spawnSync("npm", ["run", "--silent", "grade", "--", ...submissions, "--out", grades, "--jobs", "2"], { cwd: REPO, encoding: "utf8" });
    assert.equal(graded.status, 0, graded.stdout + graded.stderr);
    const table = JSON.parse(readFileSync(path.join(grades, "grades.json"), "utf8"));
    assert.equal(table.submissions.length, submissions.length);
    for (const row of table.submissions) {
      const name = path.basename(row.submission);
      assert.equal(row.status, "graded", `${name}: ${JSON.stringify(row.notes)}`);
      assert.deepEqual(row.notes, [], `${name}: no lesson cell failed`);
      assert.ok(row.total >= 2, `${name}: has its exercises`);
      for (const exercise of row.exercises) {
        assert.equal(exercise.status, "fail", `${name} ${exercise.id}`);
        assert.equal(exercise.notAnswered, true, `${name} ${exercise.id}: fails as not answered, with the hint`);
        assert.match(exercise.hint, /write your answer in the answer cell above/);
      }
      const executed = path.join(grades, "executed", name);
      assert.deepEqual(lessonNumbers(executed), lessonNumbers(path.join(out, "executed", name)), `${name}: the lesson's numbers equal the instructor run's`);
    }
  } finally {
    rmSync(student, { recursive: true, force: true });
    rmSync(grades, { recursive: true, force: true });
  }
});

test("a subset runs by number, and an unknown name is a usage error", { skip }, () => {
  const bad = runWorkbook(["99", "--out", path.join(out, "subset")]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"99" matches 0 notebooks; choose from: 00-getting-started/);
});

test("a lesson whose model is broken fails the run, saying which check failed", { skip }, () => {
  const dir = path.join(REPO, "build", "test-broken-notebooks");
  rmSync(dir, { recursive: true, force: true });
  try {
    // Train for a single epoch instead of the lesson's count: every lesson's checks must catch it.
    const trained = notebookNames().filter((name) => /epochs:\s*\d+/.test(readFileSync(path.join(REPO, "notebooks", name), "utf8")));
    assert.ok(trained.length >= 1);
    const copies = trained.map((name) => editedCopy(name, dir, (s) => s.replace(/epochs:\s*\d+/g, "epochs: 1")));
    const result = runWorkbook([...copies, "--out", path.join(dir, "out"), "--jobs", "2"]);
    assert.equal(result.status, 1, result.stdout);
    const summary = JSON.parse(readFileSync(path.join(dir, "out", "summary.json"), "utf8"));
    for (const n of summary.notebooks) {
      assert.equal(n.status, "failed", `${n.name} must fail when its models are not trained`);
      assert.match(n.error, /CheckFailedError: Check failed: /, `${n.name}: ${n.error}`);
    }
    assert.match(result.stdout, new RegExp(`^0 passed, ${copies.length} failed$`, "m"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a kernel that died is reported with its own last lines, not only nbclient's DeadKernelError", async () => {
  const { kernelDeathReport } = await import("../scripts/workbook");
  const stderr = [
    "[NbConvertApp] Converting notebook x.ipynb to notebook",
    "/work/node_modules/x.js:8597",
    "Error: Socket is busy writing; only one send operation may be in progress at any time",
    "    at ZmqMessage.signAndSend (/work/node_modules/tslab/dist/jupyter.js:143:14)",
    "TypeError: a kernel's own error with a name Python also uses",
    "The TypeScript kernel (pid 12) is exiting with code 7.",
    "Traceback (most recent call last):",
    '  File "/usr/bin/jupyter-nbconvert", line 33, in <module>',
    "    sys.exit(load_entry_point())",
    "asyncio.exceptions.CancelledError",
    "nbclient.exceptions.DeadKernelError: Kernel died",
    "",
  ].join("\n");
  const report = kernelDeathReport(stderr);
  assert.equal(report[0], "The kernel died. Its last lines on stderr:");
  assert.ok(report.some((l) => l.includes("Socket is busy writing")), report.join("\n"));
  assert.ok(report.some((l) => l.includes("exiting with code 7")), report.join("\n"));
  assert.ok(report.some((l) => l.includes("at ZmqMessage.signAndSend")), "the kernel's stack frames stay");
  assert.ok(report.some((l) => l.includes("TypeError: a kernel's own error")), "the kernel's own errors stay");
  assert.ok(!report.some((l) => l.includes("sys.exit") || l.includes("DeadKernelError") || l.includes("CancelledError")), "Python's traceback goes");
  assert.ok(!report.some((l) => l.includes("Traceback") || l.includes("NbConvertApp")), report.join("\n"));
  assert.deepEqual(kernelDeathReport("[NbConvertApp] Writing 10 bytes"), [], "nothing when the kernel lived");
});

test("the main job starts the longest notebooks first: by the last run's seconds, else the later lessons first", async () => {
  const { executionOrder } = await import("../scripts/workbook");
  const names = ["00-getting-started", "05-car-sales", "08-etth1-many-to-one", "09-generating-text"].map((n) => path.join(REPO, "notebooks", `${n}.ipynb`));
  assert.deepEqual(executionOrder(names), [3, 2, 1, 0], "no earlier run: later lessons train on more data");
  const previous = { notebooks: [[13, 0], [31, 1], [66, 2], [61, 3]].map(([seconds, i]) => ({ source: path.relative(REPO, names[i]), seconds })) };
  assert.deepEqual(executionOrder(names, previous), [2, 3, 1, 0], "the last run's seconds, longest first");
  assert.deepEqual(executionOrder(names, { notebooks: previous.notebooks.slice(1) }), [3, 2, 1, 0], "a run that missed a notebook is not used");
});
