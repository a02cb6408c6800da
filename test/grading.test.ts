// The student edition and the grader's notebook transforms (lib/src/grading.ts), on the fixture
// notebook test/fixtures/grading/instructor/98-grading-fixture.ipynb and on every real notebook.
// Fast: nothing here starts a kernel (test/grading-run.test.ts does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  cellSource,
  exerciseLayout,
  gradesCsv,
  identifyNotebook,
  leakedLines,
  MARKERS,
  NotebookDocument,
  NotebookLayoutError,
  parseNotebook,
  prepareSubmission,
  readGrades,
  studentEdition,
  type CellRun,
  type InstructorNotebook,
} from "../lib/src/grading";
import { gradeSubmissions, writeStudentEditions } from "../lib/src/grader";
import { EXERCISE_MIME, exerciseStub } from "../lib/src/exercises";
import { parseArguments, parseGradingArguments } from "../lib/src/cli";

const REPO = path.resolve(__dirname, "..");
const FIXTURE = path.join(REPO, "test", "fixtures", "grading", "instructor", "98-grading-fixture.ipynb");
const STEM = "98-grading-fixture";

/** A fresh copy of the fixture notebook. */
function fixture(): NotebookDocument {
  return parseNotebook(readFileSync(FIXTURE, "utf8"), "98-grading-fixture.ipynb");
}

/** The cell with id `<stem>-<suffix>`. */
function cell(nb: NotebookDocument, suffix: string) {
  const found = nb.cells.find((c) => c.id === `${STEM}-${suffix}`);
  assert.ok(found, `cell ${suffix}`);
  return found!;
}

/** Sets a cell's text as lines. */
function setText(c: { source: string | string[] }, text: string): void {
  c.source = text.split(/(?<=\n)/);
}

/** The layout error of `nb`, or a failure when it is accepted. */
function layoutError(nb: NotebookDocument): NotebookLayoutError {
  try {
    studentEdition(nb, "98-grading-fixture.ipynb");
  } catch (error) {
    assert.ok(error instanceof NotebookLayoutError, String(error));
    return error as NotebookLayoutError;
  }
  assert.fail("the malformed notebook was accepted");
}

function instructor(): InstructorNotebook {
  const nb = fixture();
  return { name: STEM, notebook: nb, exercises: exerciseLayout(nb, STEM) };
}

test("the fixture's layout: three exercises, in order, with their cells and hidden cases", () => {
  const layout = exerciseLayout(fixture(), STEM);
  assert.deepEqual(layout.map((e) => [e.id, e.answerCell, e.checkCell]), [
    ["98.1", `${STEM}-ex1-answer`, `${STEM}-ex1-check`],
    ["98.2", `${STEM}-ex2-answer`, `${STEM}-ex2-check`],
    ["98.3", `${STEM}-ex3-answer`, `${STEM}-ex3-check`],
  ]);
  assert.equal(layout[0].solutionLines.length, 3);
  assert.equal(layout[1].hiddenLines.length, 2);
  assert.equal(layout[2].hiddenLines.length, 0);
});

test("the student edition: stubs at the region's indentation, no solution or hidden line left, outputs cleared, ids and metadata kept", () => {
  const nb = fixture();
  // Outputs of an instructor's run must not reach the students.
  for (const c of nb.cells) {
    if (c.cell_type === "code") {
      c.outputs = [{ output_type: "stream", name: "stdout", text: ["return total / values.length;\n"] }];
      c.execution_count = 7;
    }
  }
  const student = studentEdition(nb, STEM);
  const text = JSON.stringify(student);
  for (const ex of exerciseLayout(nb, STEM)) {
    const answer = cellSource(student.cells.find((c) => c.id === ex.answerCell)!);
    assert.ok(answer.includes(`\n  ${exerciseStub(ex.id)}\n`), `${ex.id}: the stub, indented like the region\n${answer}`);
    assert.match(answer, new RegExp(`^// Exercise ${ex.id.replace(".", "\\.")} · answer\\nfunction \\w+\\(`), "the signature stays");
    // Every solution and hidden line, searched for in the whole student notebook.
    for (const line of [...ex.solutionLines, ...ex.hiddenLines]) {
      assert.ok(!text.includes(JSON.stringify(line.trim()).slice(1, -1)), `${ex.id}: ${JSON.stringify(line)} survived`);
    }
  }
  for (const marker of Object.values(MARKERS)) assert.ok(!text.includes(marker.slice(3)), `${marker} removed`);
  assert.deepEqual(leakedLines(nb, student), []);
  assert.deepEqual(student.cells.map((c) => c.id), nb.cells.map((c) => c.id));
  assert.deepEqual(student.cells.map((c) => c.metadata), nb.cells.map((c) => c.metadata));
  assert.deepEqual(student.metadata, nb.metadata);
  for (const c of student.cells.filter((c) => c.cell_type === "code")) {
    assert.deepEqual(c.outputs, []);
    assert.equal(c.execution_count, null);
    assert.ok(Array.isArray(c.source), "sources stay lists of lines");
  }
  // The visible cases stay; lesson cells are unchanged.
  assert.match(cellSource(cell(student, "ex1-check")), /t\.close\("mean\(\[1, 2, 3, 4\]\)"/);
  assert.doesNotMatch(cellSource(cell(student, "ex1-check")), /mean\(\[5\]\)/);
  assert.equal(cellSource(cell(student, "02")), cellSource(cell(nb, "02")));
  // The instructor's notebook is not modified.
  assert.match(cellSource(cell(nb, "ex1-answer")), /BEGIN SOLUTION/);
});

test("a leak check that can fail: a solution line copied into a lesson cell is found", () => {
  const nb = fixture();
  const student = studentEdition(nb, STEM);
  setText(cell(student, "04"), "return total / values.length;\n");
  assert.deepEqual(leakedLines(nb, student), ["return total / values.length;"]);
});

test("malformed notebooks are rejected, naming the notebook, the cell and what to fix", () => {
  const cases: Array<[string, (nb: NotebookDocument) => void, RegExp]> = [
    ["BEGIN without END", (nb) => setText(cell(nb, "ex1-answer"), cellSource(cell(nb, "ex1-answer")).replace("  // END SOLUTION\n", "")),
      /cell 98-grading-fixture-ex1-answer \(cell 7\): `\/\/ BEGIN SOLUTION` at line 3 has no `\/\/ END SOLUTION` after it; add a line/],
    ["END without BEGIN", (nb) => setText(cell(nb, "ex2-answer"), cellSource(cell(nb, "ex2-answer")).replace("  // BEGIN SOLUTION\n", "")),
      /cell 98-grading-fixture-ex2-answer .*`\/\/ END SOLUTION` at line \d+ has no `\/\/ BEGIN SOLUTION` before it/],
    ["nested regions", (nb) => setText(cell(nb, "ex1-answer"), cellSource(cell(nb, "ex1-answer")).replace("  let total", "  // BEGIN SOLUTION\n  let total")),
      /regions cannot nest/],
    ["a solution outside an answer cell", (nb) => setText(cell(nb, "04"), "function f() {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\n"),
      /cell 98-grading-fixture-04 \(cell 4\): it holds a solution region but is not an answer cell; add the metadata/],
    ["hidden tests in an answer cell", (nb) => setText(cell(nb, "ex3-answer"), cellSource(cell(nb, "ex3-answer")) + "\n// BEGIN HIDDEN TESTS\n// END HIDDEN TESTS\n"),
      /hidden tests belong in the check cell of 98\.3/],
    ["an answer cell without its check", (nb) => nb.cells.splice(nb.cells.indexOf(cell(nb, "ex2-check")), 1),
      /exercise 98\.2: its answer cell \(cell 98-grading-fixture-ex2-answer \(cell 10\)\) has no check cell; add one with the metadata \{"exercise": \{"id": "98\.2", "role": "check"\}\}/],
    ["a check before its answer", (nb) => {
      const check = nb.cells.indexOf(cell(nb, "ex3-check"));
      const [moved] = nb.cells.splice(check, 1);
      nb.cells.splice(nb.cells.indexOf(cell(nb, "ex3-answer")), 0, moved);
    }, /exercise 98\.3: the check cell .* comes before the answer cell .*; move it below/],
    ["a duplicate exercise id", (nb) => {
      (cell(nb, "ex3-answer").metadata as { exercise: { id: string } }).exercise.id = "98.2";
      (cell(nb, "ex3-check").metadata as { exercise: { id: string } }).exercise.id = "98.2";
    }, /cell 98-grading-fixture-ex3-answer \(cell 13\): exercise 98\.2 already has an answer cell \(cell 10\)/],
    ["a duplicate cell id", (nb) => (cell(nb, "03").id = `${STEM}-01`), /cell 98-grading-fixture-01 \(cell 3\): its id is also the id of cell 1; give each cell its own id/],
    ["a missing cell id", (nb) => delete cell(nb, "03").id, /cell 3 \(no id\): every cell needs an id/],
    ["a marker not alone on its line", (nb) => setText(cell(nb, "ex3-answer"), cellSource(cell(nb, "ex3-answer")).replace("length;\n  // END SOLUTION", "length; // END SOLUTION")),
      /line 4 mentions "END SOLUTION" but is not a marker; a marker stands alone on its line/],
    ["a check of another exercise", (nb) => setText(cell(nb, "ex3-check"), cellSource(cell(nb, "ex3-check")).replace('"98.3"', '"98.2"')),
      /the check cell of 98\.3 should call checkExercise\("98\.3", …\)/],
    ["a region at the top level", (nb) => setText(cell(nb, "ex3-answer"), "// Exercise 98.3 · answer\n// BEGIN SOLUTION\nconst x = 1;\n// END SOLUTION\n"),
      /the solution region at line 2 is not indented; it must sit inside a function body/],
    ["an answer without a solution region", (nb) => setText(cell(nb, "ex3-answer"), "function countAbove(values: number[], level: number): number {\n  return 0;\n}\n"),
      /the answer cell of 98\.3 has no `\/\/ BEGIN SOLUTION` … `\/\/ END SOLUTION` region, so the student edition would give the answer away/],
    ["a marker in a markdown cell", (nb) => setText(cell(nb, "03"), "// BEGIN SOLUTION\n"), /a markdown cell holds the marker `\/\/ BEGIN SOLUTION`/],
    ["a bad exercise id", (nb) => ((cell(nb, "ex1-answer").metadata as { exercise: { id: string } }).exercise.id = "9.1"), /exercise id "9\.1" should be like "05\.1"/],
  ];
  for (const [what, edit, expected] of cases) {
    const nb = fixture();
    edit(nb);
    const error = layoutError(nb);
    assert.match(error.message, /^98-grading-fixture\.ipynb does not follow the exercise layout \(EXERCISES\.md\):\n  \* /, what);
    assert.match(error.message, expected, `${what}:\n${error.message}`);
  }
  assert.throws(() => parseNotebook("{oops", "a.ipynb"), /a\.ipynb does not follow the exercise layout.*\n  \* it is not valid JSON/);
  assert.throws(() => parseNotebook('{"cells": []}', "a.ipynb"), /it has no cells/);
  assert.throws(() => parseNotebook('{"metadata": {}}', "a.ipynb"), /it has no `cells` list/);
  assert.throws(() => parseNotebook('[1]', "a.ipynb"), /not a notebook/);
});

test("writeStudentEditions writes every notebook or none, and never over the instructor's", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "student-edition-test-"));
  try {
    const bad = path.join(dir, "97-bad.ipynb");
    const nb = fixture();
    setText(cell(nb, "ex1-answer"), cellSource(cell(nb, "ex1-answer")).replace("  // END SOLUTION\n", ""));
    writeFileSync(bad, JSON.stringify(nb));
    const out = path.join(dir, "out");
    assert.throws(() => writeStudentEditions({ notebooks: [FIXTURE, bad], out }), /97-bad\.ipynb does not follow the exercise layout/);
    assert.ok(!existsSync(out), "nothing written");
    assert.throws(() => writeStudentEditions({ notebooks: [FIXTURE], out: path.dirname(FIXTURE) }), /would overwrite the solutions/);
    const written = writeStudentEditions({ notebooks: [FIXTURE], out });
    assert.deepEqual(written.map((w) => [path.basename(w.written), w.exercises]), [["98-grading-fixture.ipynb", ["98.1", "98.2", "98.3"]]]);
    const text = readFileSync(written[0].written, "utf8");
    assert.ok(text.endsWith("}\n") && text.includes('\n "cells": [\n'), "stored like the workbook's notebooks");
    assert.deepEqual(readdirSync(out), ["98-grading-fixture.ipynb"], "no temporary file left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("grading refuses instructor notebooks that share an exercise id, before running anything", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "grade-dup-test-"));
  try {
    writeFileSync(path.join(dir, "98-a.ipynb"), readFileSync(FIXTURE));
    writeFileSync(path.join(dir, "98-b.ipynb"), readFileSync(FIXTURE));
    await assert.rejects(
      gradeSubmissions({ submissions: [FIXTURE], notebooks: dir, out: path.join(dir, "out"), log: () => undefined }),
      /Expected `--notebooks` to be notebooks whose exercise ids differ \(they are the columns of the table\), but got exercise 98\.1 in both 98-a and 98-b\./,
    );
    assert.ok(!existsSync(path.join(dir, "out")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a submission is identified by its cell ids, else its exercise metadata; another notebook is not", () => {
  const inst = instructor();
  const other: InstructorNotebook = { name: "97-other", notebook: { cells: [{ cell_type: "code", id: "97-x", source: "", metadata: {} }] }, exercises: [] };
  const student = studentEdition(fixture(), STEM);
  assert.equal(identifyNotebook(student, [other, inst]).match?.name, STEM);
  const withoutIds = JSON.parse(JSON.stringify(student)) as NotebookDocument;
  for (const c of withoutIds.cells) delete c.id;
  const byMetadata = identifyNotebook(withoutIds, [other, inst]);
  assert.equal(byMetadata.match?.name, STEM);
  assert.match(byMetadata.reason!, /identified by the exercise ids/);
  const stranger = parseNotebook(readFileSync(path.join(REPO, "notebooks", "00-getting-started.ipynb"), "utf8"), "x");
  const none = identifyNotebook(stranger, [other, inst]);
  assert.equal(none.match, null);
  assert.match(none.reason!, /made from none of the instructor's notebooks \(97-other, 98-grading-fixture\)/);
});

test("prepareSubmission puts the instructor's checks back, hidden cases included, and clears what the student pasted", () => {
  const inst = instructor();
  const sub = studentEdition(fixture(), STEM);
  // Tampered: an empty check with a pasted "pass" output, and another kernel.
  const check = cell(sub, "ex1-check");
  setText(check, '// Exercise 98.1 · check\nawait checkExercise("98.1", (t) => {});\n');
  check.outputs = [{ output_type: "display_data", data: { [EXERCISE_MIME]: { id: "98.1", status: "pass" } }, metadata: {} }];
  sub.metadata = { kernelspec: { name: "python3" } };
  // Deleted: the check of 98.2 and the answer of 98.3; a lesson cell; an added cell of the student's.
  sub.cells = sub.cells.filter((c) => ![`${STEM}-ex2-check`, `${STEM}-ex3-answer`, `${STEM}-04`].includes(String(c.id)));
  sub.cells.push({ cell_type: "code", id: "mine", metadata: {}, source: "console.log(1);", outputs: [], execution_count: null });
  const plan = prepareSubmission(sub, inst);
  const ids = plan.notebook.cells.map((c) => c.id);
  assert.equal(cellSource(cell(plan.notebook, "ex1-check")), 'import { checkExercise } from "rnn-workbook";\n' + cellSource(cell(inst.notebook, "ex1-check")), "the instructor's check, hidden cases included, checkExercise imported afresh");
  assert.match(cellSource(cell(plan.notebook, "ex1-check")), /mean\(\[5\]\)/);
  assert.deepEqual(cell(plan.notebook, "ex1-check").outputs, []);
  assert.equal(ids.indexOf(`${STEM}-ex2-check`), ids.indexOf(`${STEM}-ex2-answer`) + 1, "a deleted check goes back after its answer");
  assert.ok(!ids.includes(`${STEM}-ex3-check`), "no check without an answer");
  assert.deepEqual(plan.settled, [{ id: "98.3", status: "error", hint: `the answer cell of exercise 98.3 (id ${STEM}-ex3-answer) was deleted from the submission.` }]);
  assert.deepEqual((plan.notebook.metadata as { kernelspec: unknown }).kernelspec, inst.notebook.metadata!.kernelspec);
  assert.deepEqual(plan.notes, [
    "check cell of 98.1 edited; replaced by the instructor's",
    "check cell of 98.2 deleted; the instructor's put back after the answer",
    "answer cell of 98.3 deleted",
    `1 of the instructor's cells deleted (${STEM}-04)`,
    "1 cell(s) of the student's own",
  ]);
  // An untouched student edition: nothing to note.
  assert.deepEqual(prepareSubmission(studentEdition(fixture(), STEM), inst).notes, []);
  // Reordered cells are noted.
  const reordered = studentEdition(fixture(), STEM);
  reordered.cells.reverse();
  assert.match(prepareSubmission(reordered, inst).notes.join("\n"), /cells reordered \(first out of place: /);
});

test("readGrades: a pass needs a clean check cell showing pass; failures give the hint; a time-out or a dead kernel counts against its exercise", () => {
  const inst = instructor();
  const plan = prepareSubmission(studentEdition(fixture(), STEM), inst);
  const executed = JSON.parse(JSON.stringify(plan.notebook)) as NotebookDocument;
  const show = (suffix: string, result: object) => (cell(executed, suffix).outputs = [{ output_type: "display_data", data: { [EXERCISE_MIME]: result }, metadata: {} }]);
  const ok = (suffix: string): CellRun => ({ id: `${STEM}-${suffix}`, status: "ok" });
  const lesson = [ok("02"), ok("04"), ok("ex1-answer"), ok("ex2-answer"), ok("ex3-answer")];
  show("ex1-check", { id: "98.1", status: "pass" });
  show("ex2-check", { id: "98.2", status: "fail", hint: "windows([1, 2, 3], 3) should be [[1, 2, 3]]" });
  show("ex3-check", { id: "98.3", status: "fail", hint: "write your answer", notAnswered: true });
  const failed = (suffix: string, ename: string, evalue: string): CellRun => ({ id: `${STEM}-${suffix}`, status: "error", ename, evalue });
  assert.deepEqual(readGrades(plan, executed, [...lesson, ok("ex1-check"), failed("ex2-check", "ExerciseFailedError", "x"), failed("ex3-check", "ExerciseFailedError", "y")]), [
    { id: "98.1", status: "pass" },
    { id: "98.2", status: "fail", hint: "windows([1, 2, 3], 3) should be [[1, 2, 3]]" },
    { id: "98.3", status: "fail", hint: "write your answer", notAnswered: true },
  ]);
  // A "pass" shown by a cell that then failed is no pass; an error without a result gives the error.
  const grades = readGrades(plan, executed, [...lesson.slice(0, 4), failed("ex3-answer", "CompileError", "Cannot find name 'x'."), failed("ex1-check", "Error", "boom"), failed("ex2-check", "ExerciseFailedError", "x"), failed("ex3-check", "CompileError", "Cannot find name 'countAbove'.")]);
  assert.equal(grades[0].status, "error");
  assert.equal(grades[0].hint, "the check failed with Error: boom.");
  assert.equal(grades[2].status, "fail", "the check's own result counts when it showed one");
  show("ex3-check", { id: "98.2", status: "pass" }); // a result for another exercise does not count
  const other = readGrades(plan, executed, [...lesson.slice(0, 4), failed("ex3-answer", "CompileError", "Cannot find name 'x'."), ok("ex1-check"), ok("ex2-check"), failed("ex3-check", "CompileError", "Cannot find name 'countAbove'.")]);
  assert.deepEqual(other[2], { id: "98.3", status: "error", hint: "the check failed with CompileError: Cannot find name 'countAbove'.. The answer cell failed first: CompileError: Cannot find name 'x'." });
  // Time-out in the answer of 98.2 and no further pass: 98.1 graded, 98.2 time-out, 98.3 not run.
  const notRun = (suffix: string): CellRun => ({ id: `${STEM}-${suffix}`, status: "not run" });
  const timedOut = readGrades(plan, executed, [...lesson.slice(0, 3), ok("ex1-check"), { id: `${STEM}-ex2-answer`, status: "time-out" }, notRun("ex3-answer"), notRun("ex2-check"), notRun("ex3-check")], { timeoutSeconds: 30 });
  assert.deepEqual(timedOut.map((g) => g.status), ["pass", "time-out", "not run"]);
  assert.equal(timedOut[1].hint, "the time limit of 30 s ran out in the answer cell (an endless loop?).");
  assert.equal(timedOut[2].hint, "not run: the runs stopped at exercise 98.2.");
  // The kernel died in 98.1's check; the next pass ran 98.2 and 98.3 (results read as usual).
  show("ex3-check", { id: "98.3", status: "fail", hint: "write your answer", notAnswered: true });
  const died = readGrades(plan, executed, [...lesson, { id: `${STEM}-ex1-check`, status: "died" }, failed("ex2-check", "ExerciseFailedError", "x"), failed("ex3-check", "ExerciseFailedError", "y")], { memoryMb: 300 });
  assert.deepEqual(died.map((g) => g.status), ["error", "fail", "fail"]);
  assert.equal(died[0].hint, "the kernel died in this check: out of memory (the limit is 300 MB), or a crash.");
  // A lesson cell that ran out of time counts against the first exercise after it.
  const lessonLoop = readGrades(plan, executed, [ok("02"), { id: `${STEM}-04`, status: "time-out" }, ok("ex1-answer"), ok("ex1-check")]);
  assert.equal(lessonLoop[0].status, "time-out");
  assert.match(lessonLoop[0].hint!, new RegExp(`ran out in cell ${STEM}-04`));
});

test("the CSV table quotes hints and has a status and hint column per exercise", () => {
  const csv = gradesCsv([
    { submission: "a.ipynb", status: "graded", notebook: STEM, notes: ["x, y"], exercises: [{ id: "98.2", status: "fail", hint: 'said "no", twice' }, { id: "98.1", status: "pass" }], passed: 1, total: 2, seconds: 1 },
    { submission: "b.ipynb", status: "invalid", message: "not JSON", notes: [], exercises: [], passed: 0, total: 0, seconds: 0 },
  ]);
  assert.equal(csv, [
    "submission,notebook,status,passed,total,98.1,98.1 hint,98.2,98.2 hint,notes,message",
    `a.ipynb,${STEM},graded,1,2,pass,,fail,"said ""no"", twice","x, y",`,
    "b.ipynb,,invalid,0,0,,,,,,not JSON",
    "",
  ].join("\n"));
});

test("the command line: student-edition and grade options, and clear usage errors", () => {
  assert.deepEqual(parseGradingArguments("grade", ["s.ipynb", "--timeout", "30", "--jobs", "2", "--memory", "512", "--notebooks", "n"]), {
    command: "grade", files: ["s.ipynb"], out: path.join("build", "grades"), notebooks: "n", timeoutSeconds: 30, jobs: 2, memoryMb: 512,
  });
  assert.equal(parseGradingArguments("student-edition", []).out, path.join("build", "student"));
  assert.throws(() => parseGradingArguments("grade", []), /Expected `<submissions>` to be at least one submitted \.ipynb file/);
  assert.throws(() => parseGradingArguments("grade", ["s.ipynb", "--jobs", "0"]), /Expected `--jobs` to be a positive integer, but got "0"/);
  assert.throws(() => parseGradingArguments("student-edition", ["--timeout", "3"]), /Expected `option` to be one of --out, but got "--timeout"/);
  assert.throws(() => parseArguments(["grade-all"]), /one of "init", "kernel", "student-edition", "grade"/);
});

// The real notebooks: vacuous while they have no exercises; binding once they do.
const NOTEBOOKS = readdirSync(path.join(REPO, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();

test("every real notebook has a valid student edition following EXERCISES.md", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "student-edition-real-"));
  try {
    const written = writeStudentEditions({ notebooks: NOTEBOOKS.map((f) => path.join(REPO, "notebooks", f)), out: dir });
    assert.equal(written.length, NOTEBOOKS.length);
    for (const file of NOTEBOOKS) {
      const stem = path.basename(file, ".ipynb");
      const nb = parseNotebook(readFileSync(path.join(REPO, "notebooks", file), "utf8"), file);
      const student = parseNotebook(readFileSync(path.join(dir, file), "utf8"), file);
      const layout = exerciseLayout(nb, file);
      assert.deepEqual(leakedLines(nb, student), [], `${file}: solution text in the student edition`);
      assert.deepEqual(student.cells.map((c) => c.id), nb.cells.map((c) => c.id), `${file}: ids kept`);
      assert.ok(student.cells.every((c) => c.cell_type !== "code" || (c.outputs?.length === 0 && c.execution_count === null)), `${file}: outputs cleared`);
      const text = JSON.stringify(student);
      for (const marker of Object.values(MARKERS)) assert.ok(!text.includes(marker), `${file}: ${marker} left`);
      if (layout.length === 0) continue;
      assert.ok(layout.length >= 2 && layout.length <= 4, `${file}: 2-4 exercises, found ${layout.length}`);
      assert.ok(layout.some((e) => e.hiddenLines.some((l) => l.trim() !== "")), `${file}: at least one hidden case`);
      const summary = nb.cells.findIndex((c) => c.cell_type === "markdown" && /^## Summary/m.test(cellSource(c)));
      const heading = nb.cells.findIndex((c) => c.cell_type === "markdown" && /^## Exercises/m.test(cellSource(c)));
      assert.ok(summary >= 0 && heading > summary, `${file}: "## Exercises" after "## Summary"`);
      layout.forEach((e, k) => {
        assert.equal(e.id, `${stem.slice(0, 2)}.${k + 1}`, `${file}: exercises numbered NN.1, NN.2, …`);
        assert.ok(e.answerIndex > heading, `${file}: ${e.id} after "## Exercises"`);
        assert.equal(e.answerCell, `${stem}-ex${k + 1}-answer`);
        assert.equal(e.checkCell, `${stem}-ex${k + 1}-check`);
        const task = nb.cells[e.answerIndex - 1];
        assert.ok(task.cell_type === "markdown" && task.id === `${stem}-ex${k + 1}-task` && cellSource(task).startsWith(`### Exercise ${e.id} · `), `${file}: ${e.id} task cell`);
        assert.ok(cellSource(nb.cells[e.answerIndex]).startsWith(`// Exercise ${e.id} · answer\n`), `${file}: ${e.id} answer's first line`);
        assert.ok(cellSource(nb.cells[e.checkIndex]).startsWith(`// Exercise ${e.id} · check\n`), `${file}: ${e.id} check's first line`);
        const answer = cellSource(student.cells[e.answerIndex]);
        assert.ok(answer.includes(exerciseStub(e.id)), `${file}: ${e.id} stub`);
        assert.ok(!/reportMetrics\(/.test(cellSource(nb.cells[e.answerIndex]) + cellSource(nb.cells[e.checkIndex])), `${file}: ${e.id} never reports metrics`);
      });
      // Exercises come last: nothing but exercise cells after the heading.
      assert.ok(nb.cells.slice(heading + 1).every((c) => String(c.id).startsWith(`${stem}-ex`)), `${file}: only exercise cells after "## Exercises"`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
