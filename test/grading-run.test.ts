// The student edition executed headless, and `npm run grade` on submissions made from the fixture
// notebook (test/fixtures/grading/instructor): correct, partly correct, tampered, mangled (cells
// deleted and moved), an endless loop, memory exhaustion, not JSON, no cells, another notebook.
// Each executed submission starts a kernel (≈ 10-30 s on a busy machine); they run two at a time,
// side by side with the student edition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { jupyterSkip, REPO } from "./helpers";
import { jupyterEnv } from "../scripts/jupyter";
import { cellSource, NotebookDocument, parseNotebook, studentEdition, type SubmissionGrade } from "../lib/src/grading";
import { writeStudentEditions } from "../lib/src/grader";
import { EXERCISE_MIME, exerciseStub } from "../lib/src/exercises";

const skip = jupyterSkip();
const INSTRUCTOR = path.join(REPO, "test", "fixtures", "grading", "instructor");
const FIXTURE = path.join(INSTRUCTOR, "98-grading-fixture.ipynb");
const STEM = "98-grading-fixture";
const TIMEOUT = 30; // seconds of cells per submission, once its kernel is ready: the fixture's cells need a few; the endless loop burns all of it
const MEMORY = 256; // MB of heap for each kernel

/** Runs a command asynchronously (so the runs overlap); its exit code, output and seconds. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The student edition of the fixture with exercise k's stub replaced by `body` (lines at the stub's indentation). */
function answered(nb: NotebookDocument, answers: Record<number, string>): NotebookDocument {
  const copy = JSON.parse(JSON.stringify(nb)) as NotebookDocument;
  for (const [k, body] of Object.entries(answers)) {
    const c = copy.cells.find((x) => x.id === `${STEM}-ex${k}-answer`)!;
    const stub = `  ${exerciseStub(`98.${k}`)}`;
    assert.ok(cellSource(c).includes(stub));
    c.source = cellSource(c).replace(stub, body.split("\n").map((l) => `  ${l}`).join("\n")).split(/(?<=\n)/);
  }
  return copy;
}

const CORRECT = {
  1: "return values.reduce((a, b) => a + b, 0) / values.length;",
  2: "return series.slice(0, series.length - lookBack + 1).map((_, i) => series.slice(i, i + lookBack));",
  3: "let n = 0;\nfor (const v of values) if (v > level) n++;\nreturn n;",
};

const dir = mkdtempSync(path.join(tmpdir(), "grading-run-test-"));
const subs = path.join(dir, "submissions");
const out = path.join(dir, "grades");
const studentDir = path.join(dir, "student edition");
mkdirSync(subs, { recursive: true });

// The student edition, written outside the repository, and executed where it is written.
const studentFile = writeStudentEditions({ notebooks: [FIXTURE], out: studentDir })[0].written;
const plainEnv = jupyterEnv();
delete plainEnv.RNN_WORKBOOK_DATASETS;
const studentRun = skip
  ? null
  : run("/usr/bin/python3", ["-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.timeout=300", "--output-dir", path.join(dir, "student-executed"), studentFile], { cwd: studentDir, env: plainEnv });

// The submissions.
const student = studentEdition(parseNotebook(readFileSync(FIXTURE, "utf8"), STEM), STEM);
const write = (name: string, nb: NotebookDocument | string) => {
  const file = path.join(subs, name);
  writeFileSync(file, typeof nb === "string" ? nb : JSON.stringify(nb, null, 1));
  return file;
};
const tampered = answered(student, {
  1: "return values[0];",
  2: "const out: number[][] = [];\nfor (let i = 0; i + lookBack < series.length; i++) out.push(series.slice(i, i + lookBack));\nreturn out;",
  // 2.4 MB of output in 24 lines (many more short lines crash tslab itself: "Socket is busy writing").
  3: 'for (let i = 0; i < 24; i++) console.log("spam ".repeat(20000));\nreturn -1;',
});
for (const k of [1, 2, 3]) {
  const check = tampered.cells.find((c) => c.id === `${STEM}-ex${k}-check`)!;
  check.source = `// Exercise 98.${k} · check\nawait checkExercise("98.${k}", (t) => { t.isTrue(true, "always"); });\n`;
  check.outputs = [{ output_type: "display_data", data: { [EXERCISE_MIME]: { id: `98.${k}`, status: "pass" }, "text/plain": `Exercise 98.${k}: correct ✓` }, metadata: {} }];
}
// A cell of the student's own that stands in for checkExercise (the grader re-imports the real one).
tampered.cells.splice(2, 0, {
  cell_type: "code", id: "my-own-check", metadata: {}, outputs: [], execution_count: null,
  source: 'import { EXERCISE_MIME, displayBundle } from "rnn-workbook";\nconst checkExercise = async (id: string, body: unknown) => displayBundle({ [EXERCISE_MIME]: { id, status: "pass" } });\n',
});
const mangled = answered(student, CORRECT);
{
  const ids = (suffix: string) => mangled.cells.findIndex((c) => c.id === `${STEM}-${suffix}`);
  mangled.cells.splice(ids("ex1-check"), 1); // deleted: the grader puts the instructor's back
  const [check2] = mangled.cells.splice(ids("ex2-check"), 1);
  mangled.cells.splice(ids("ex2-answer"), 0, check2); // moved above its answer
  mangled.cells.splice(ids("ex3-answer"), 1); // the answer deleted
  mangled.cells.splice(ids("04"), 1); // a lesson cell deleted
}
const files = [
  write("correct.ipynb", answered(student, CORRECT)),
  write("partly.ipynb", answered(student, { 1: CORRECT[1], 2: "return [[1, 2], [2, 3], [3, 4]];" })),
  write("tampered.ipynb", tampered),
  write("mangled.ipynb", mangled),
  write("loop.ipynb", answered(student, { 1: CORRECT[1], 2: "while (true) {}", 3: CORRECT[3] })),
  write("memory.ipynb", answered(student, { 1: CORRECT[1], 2: "const hoard: number[][] = [];\nwhile (true) hoard.push(new Array(1e6).fill(lookBack));", 3: CORRECT[3] })),
  write("not-json.ipynb", '{"cells": [ this is not JSON'),
  write("no-cells.ipynb", JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 })),
  path.join(REPO, "notebooks", "00-getting-started.ipynb"), // made from another notebook
];
const gradeRun = skip
  ? null
  : run(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "grading.ts"), "grade", ...files, "--notebooks", INSTRUCTOR, "--out", out, "--timeout", String(TIMEOUT), "--memory", String(MEMORY), "--jobs", "2"]);

test("the student edition, executed headless where it is written, fails exactly at each check with the hint; every other cell runs", { skip }, async () => {
  const result = await studentRun!;
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  const executed = JSON.parse(readFileSync(path.join(dir, "student-executed", "98-grading-fixture.ipynb"), "utf8")) as NotebookDocument;
  const failed: string[] = [];
  for (const c of executed.cells.filter((x) => x.cell_type === "code")) {
    const errors = (c.outputs ?? []).filter((o) => o.output_type === "error");
    const role = (c.metadata?.exercise as { role?: string } | undefined)?.role;
    if (role !== "check") {
      assert.deepEqual(errors, [], `${c.id} runs without error`);
      continue;
    }
    failed.push(String(c.id));
    assert.equal(errors.length, 1, `${c.id} fails`);
    assert.equal(errors[0].ename, "ExerciseFailedError");
    assert.match(String(errors[0].evalue), /^Exercise 98\.\d is not right yet: write your answer in the answer cell above \(replace the line that throws\), run it, then run this check again\.$/);
    const shown = (c.outputs ?? []).find((o) => (o.data as Record<string, unknown> | undefined)?.[EXERCISE_MIME]);
    assert.equal((shown!.data as Record<string, { notAnswered?: boolean }>)[EXERCISE_MIME].notAnswered, true);
  }
  assert.deepEqual(failed, [1, 2, 3].map((k) => `${STEM}-ex${k}-check`));
  // The data set was found from a folder outside the repository, without RNN_WORKBOOK_DATASETS.
  const setup = executed.cells.find((c) => c.id === `${STEM}-02`)!;
  assert.match(JSON.stringify(setup.outputs), /144 months, first 112/);
  console.log(`student edition executed in ${result.seconds.toFixed(1)} s`);
});

test("npm run grade: a table of submissions × exercises with the right scores, a row for every broken one, exit 0", { skip }, async () => {
  try {
    const result = await gradeRun!;
    console.log(result.stdout);
    assert.equal(result.code, 0, result.stderr.slice(-3000));
    const rows = (JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: SubmissionGrade[] }).submissions;
    const row = (name: string) => rows.find((r) => path.basename(r.submission) === name)!;
    const statuses = (name: string) => row(name).exercises.map((e) => e.status).join(" ");
    assert.deepEqual(rows.map((r) => path.basename(r.submission)), files.map((f) => path.basename(f)), "one row per submission, in order");

    assert.equal(statuses("correct.ipynb"), "pass pass pass");
    assert.deepEqual(row("correct.ipynb").notes, []);

    assert.equal(statuses("partly.ipynb"), "pass fail fail");
    assert.equal(row("partly.ipynb").passed, 1);
    assert.match(row("partly.ipynb").exercises[1].hint!, /^windows\(\[1, 2, 3\], 3\) should have shape \[1, 3\], but it has shape \[3, 2\]\.$/, "a hidden case caught the hard-coded answer");
    assert.equal(row("partly.ipynb").exercises[2].notAnswered, true);

    assert.equal(statuses("tampered.ipynb"), "fail fail fail", "edited checks, pasted outputs and a checkExercise of one's own do not pass");
    assert.match(row("tampered.ipynb").exercises[0].hint!, /^mean\(\[1, 2, 3, 4\]\) should be 2\.5000 \(± 1e-9\), but it is 1/);
    assert.match(row("tampered.ipynb").exercises[1].hint!, /^windows\(\[1, 2, 3, 4\], 2\) should have shape \[3, 2\], but it has shape \[2, 2\]/);
    assert.deepEqual(row("tampered.ipynb").notes, [...[1, 2, 3].map((k) => `check cell of 98.${k} edited; replaced by the instructor's`), "1 cell(s) of the student's own"]);
    assert.match(row("tampered.ipynb").exercises[2].hint!, /^countAbove\(\[1, 5, 3, 2\], 2\) should be 2, but it is -1\.$/, "the result survives a flood of output");
    const flooded = readFileSync(path.join(out, "executed", "tampered.ipynb"), "utf8");
    assert.ok(flooded.length < 1_500_000, `output cut off: ${flooded.length} characters`);
    assert.match(flooded, /\[grader: output cut off after 1000000 characters\]/);

    assert.equal(statuses("mangled.ipynb"), "pass error error");
    assert.match(row("mangled.ipynb").exercises[1].hint!, /CompileError: .*windows/);
    assert.match(row("mangled.ipynb").exercises[2].hint!, /the answer cell of exercise 98\.3 .* was deleted/);
    assert.match(row("mangled.ipynb").notes.join("\n"), /check cell of 98\.1 deleted; the instructor's put back after the answer/);
    assert.match(row("mangled.ipynb").notes.join("\n"), /check cell of 98\.2 moved above its answer cell/);
    assert.match(row("mangled.ipynb").notes.join("\n"), /1 of the instructor's cells deleted \(98-grading-fixture-04\)/);

    // The endless loop costs its own exercise only: the notebook runs again without that cell.
    assert.equal(statuses("loop.ipynb"), "pass time-out pass");
    assert.equal(row("loop.ipynb").exercises[1].hint, `the time limit of ${TIMEOUT} s ran out in this check (an endless loop?).`);
    assert.deepEqual(row("loop.ipynb").notes, [`time limit of ${TIMEOUT} s reached in cell ${STEM}-ex2-check; the notebook ran again in a fresh kernel without it, for the cells after it`]);

    assert.equal(statuses("memory.ipynb"), "pass error pass");
    assert.match(row("memory.ipynb").exercises[1].hint!, new RegExp(`the kernel died in this check: out of memory \\(the limit is ${MEMORY} MB\\)`));

    assert.equal(row("not-json.ipynb").status, "invalid");
    assert.match(row("not-json.ipynb").message!, /it is not valid JSON/);
    assert.equal(row("no-cells.ipynb").status, "invalid");
    assert.match(row("no-cells.ipynb").message!, /it has no cells/);
    assert.equal(row("00-getting-started.ipynb").status, "unrecognised");
    assert.match(row("00-getting-started.ipynb").message!, /made from none of the instructor's notebooks \(98-grading-fixture\)/);

    // The CSV says the same; a feedback page per submission; the table and summary printed.
    const csv = readFileSync(path.join(out, "grades.csv"), "utf8").split("\n");
    assert.equal(csv[0], "submission,notebook,status,passed,total,98.1,98.1 hint,98.2,98.2 hint,98.3,98.3 hint,notes,message");
    assert.match(csv.find((l) => l.includes("loop.ipynb"))!, /,98-grading-fixture,graded,2,3,pass,,time-out,/);
    for (const r of rows) assert.ok(readFileSync(path.join(out, r.feedback!), "utf8").startsWith(`# Feedback: ${r.submission}`));
    assert.match(readFileSync(path.join(out, row("partly.ipynb").feedback!), "utf8"), /\| 98\.3 \| not right yet ✗ \| not answered yet/);
    assert.match(result.stdout, /^\S*correct\.ipynb\s+98-grading-fixture\s+3\/3\s+pass\s+pass\s+pass$/m);
    assert.match(result.stdout, /^6 of 9 submission\(s\) graded; 9 of 18 exercises passed\.$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a usage error is the only non-zero exit", { skip }, async () => {
  const result = await run(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "grading.ts"), "grade", "--timeout", "0"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Expected `--timeout` to be a positive number, but got "0"/);
});
