// The workbook's kernel (lib/src/kernel.ts, registered by scripts/register-kernel.mjs) as
// Jupyter's own tools see it: failing cells reported with ename/evalue/traceback, an
// interrupt that stops training, `tf` usable from the first line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { jupyterSkip, REPO, runWorkbook } from "./helpers";
import { jupyterEnv } from "../scripts/jupyter";

const skip = jupyterSkip();
/** Test notebooks live inside the repository, where `rnn-workbook` resolves. */
const dir = path.join(REPO, "build", "test-kernel");
const PYTHON = "/usr/bin/python3";

/** A notebook (nbformat 4.5, the tslab kernel) from code cells; returns its path. */
function writeNotebook(name: string, cells: string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const nb = {
    cells: cells.map((source, i) => ({ cell_type: "code", id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

/** `jupyter nbconvert --execute` as an instructor types it (no config of the workbook's), plus `extra` options. */
function nbconvert(file: string, extra: string[] = []) {
  return spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", ...extra, "--ExecutePreprocessor.kernel_name=tslab", "--output", `${path.basename(file, ".ipynb")}-run`, file], {
    cwd: dir,
    encoding: "utf8",
    env: jupyterEnv(),
    timeout: 5 * 60 * 1000,
  });
}

/** One kind of failing cell, and what Jupyter must be told about it. */
interface Failure {
  kind: string;
  cell: string;
  ename: string;
  evalue: RegExp;
}

const IMPORT = `import { tf, expectTrue, buildRecurrentModel } from "rnn-workbook";`;
const failures: Failure[] = [
  { kind: "thrown", cell: `throw new TypeError("the answer is not a number");`, ename: "TypeError", evalue: /^the answer is not a number$/ },
  { kind: "rejected-await", cell: `await Promise.reject(new RangeError("the window is longer than the series"));`, ename: "RangeError", evalue: /^the window is longer than the series$/ },
  { kind: "check", cell: `expectTrue(1 + 1 === 3, "one plus one is three");`, ename: "CheckFailedError", evalue: /^Check failed: one plus one is three\.$/ },
  { kind: "input", cell: `buildRecurrentModel({ units: 4, lookBack: 0, numFeatures: 1 });`, ename: "WorkbookInputError", evalue: /^Expected `options\.lookBack` to be a positive integer, but got 0\./ },
  { kind: "compile", cell: `const label: string = tf.scalar(1).rank;`, ename: "CompileError", evalue: /^1:7 - Type 'number' is not assignable to type 'string'\.$/ },
];

/** Frames of the kernel's machinery, which a traceback must not show. */
const INTERNALS = /tslab[\\/]dist|commander|zeromq|node:internal|evalmachine|dist[\\/]kernel\.js/;

test("nbconvert --execute: every kind of failing cell exits non-zero with a log naming the error and its message", { skip, timeout: 15 * 60 * 1000 }, () => {
  for (const failure of failures) {
    const file = writeNotebook(`fail-${failure.kind}.ipynb`, [IMPORT, failure.cell, `console.log("after the failure");`]);
    const run = nbconvert(file);
    assert.notEqual(run.status, 0, `${failure.kind}: nbconvert must fail\n${run.stderr}`);
    const lines = run.stderr.split("\n");
    // nbclient ends its report with "ename: evalue" (the same as the traceback's first line).
    const named = lines.filter((l) => l.startsWith(`${failure.ename}: `)).map((l) => l.slice(failure.ename.length + 2));
    assert.ok(named.length > 0 && named.every((v) => failure.evalue.test(v)), `${failure.kind}: the log names ${failure.ename} and its message\n${run.stderr}`);
    const report = run.stderr.slice(run.stderr.indexOf("An error occurred while executing"));
    assert.doesNotMatch(report, INTERNALS, `${failure.kind}: no kernel internals in the traceback`);
    console.log(`${failure.kind}: ${lines.filter((l) => l.startsWith(`${failure.ename}: `)).at(-1)}`);
  }
});

test("nbclient with allow_errors records ename, evalue and a traceback for each failing cell, and runs the cells after it", { skip, timeout: 10 * 60 * 1000 }, () => {
  const file = writeNotebook("allow-errors.ipynb", [IMPORT, ...failures.map((f) => f.cell), `console.log("ran after", ${failures.length}, "failures");`]);
  const saved = path.join(dir, "allow-errors-run.ipynb");
  const script = `
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="tslab", allow_errors=True, timeout=600, resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, sys.argv[2])`;
  const run = spawnSync(PYTHON, ["-c", script, file, saved, dir], { encoding: "utf8", env: jupyterEnv(), timeout: 10 * 60 * 1000 });
  assert.equal(run.status, 0, run.stderr);
  const nb = JSON.parse(readFileSync(saved, "utf8"));
  failures.forEach((failure, i) => {
    const errors = nb.cells[i + 1].outputs.filter((o: { output_type: string }) => o.output_type === "error");
    assert.equal(errors.length, 1, `${failure.kind}: one error output`);
    assert.equal(errors[0].ename, failure.ename, failure.kind);
    assert.match(errors[0].evalue, failure.evalue, failure.kind);
    assert.ok(errors[0].traceback.length >= 1 && errors[0].traceback[0].startsWith(`${failure.ename}: `), `${failure.kind}: readable traceback`);
    assert.doesNotMatch(errors[0].traceback.join("\n"), INTERNALS, failure.kind);
    // The error is not printed a second time as stderr text.
    assert.ok(!nb.cells[i + 1].outputs.some((o: { name?: string }) => o.name === "stderr"), `${failure.kind}: no stderr copy`);
  });
  const last = nb.cells[nb.cells.length - 1].outputs.map((o: { text?: string }) => o.text ?? "").join("");
  assert.match(last, new RegExp(`ran after ${failures.length} failures`));
});

test("the main job reports a failing check by its name and message", { skip, timeout: 10 * 60 * 1000 }, () => {
  const file = writeNotebook("main-job-check.ipynb", [IMPORT, failures[2].cell]);
  const out = path.join(dir, "out");
  const result = runWorkbook([file, "--out", out]);
  assert.equal(result.status, 1, result.stdout);
  const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
  assert.match(summary.notebooks[0].error, /^CheckFailedError: Check failed: one plus one is three\.$/m);
});

test("a kernel asked to shut down exits at once: nbconvert never waits out its shutdown time, though the lesson left handles open", { skip, timeout: 5 * 60 * 1000 }, () => {
  // tslab closes its sockets and waits for the process to end by itself; a trained model and a
  // timer keep it alive, so Jupyter waited 5 s and sent SIGTERM after every notebook.
  const file = writeNotebook("shutdown.ipynb", [
    `${IMPORT}
const model = buildRecurrentModel({ cell: "lstm", units: 4, lookBack: 3, numFeatures: 1, seed: 1 });
setInterval(() => undefined, 1000); // a handle the lesson forgot
console.log("built", model.countParams());`,
  ]);
  const run = nbconvert(file, ["--log-level=DEBUG"]);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /taking too long to finish/, "the kernel exited on shutdown_request, before Jupyter's shutdown_wait_time");
  assert.doesNotMatch(run.stderr, /could not send a message/, "the reply and the last status were sent before the sockets closed");
});

test("a send that fails is reported on stderr's file descriptor, never through console (which may itself send)", async () => {
  const { serialiseSends } = await import("../lib/src/kernel");
  let attempts = 0;
  const closed = { send: async (_message: unknown) => { attempts++; throw new Error("Socket is closed"); } };
  const socket = serialiseSends(closed, "iopub");
  const original = console.error;
  const logged: unknown[] = [];
  console.error = (...args: unknown[]) => void logged.push(args); // tslab sends console output as messages
  try {
    await socket.send("first");
    await socket.send("second");
    await socket.flushed();
  } finally {
    console.error = original;
  }
  assert.equal(attempts, 2, "each message tried once");
  assert.deepEqual(logged, [], "a report through console would be sent, fail, and be reported again, forever");
});

test("tf works from the first line: no `await ready()` before building and training a model", { skip, timeout: 10 * 60 * 1000 }, () => {
  const file = writeNotebook("tf-first-line.ipynb", [
    `import { tf } from "rnn-workbook";
const model = tf.sequential();
model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
const history = await model.fit(tf.tensor2d([[1], [2], [3]]), tf.tensor2d([[2], [4], [6]]), { epochs: 3, verbose: 0 });
console.log("trained", history.history.loss.length, "epochs on", tf.getBackend());`,
    `import { ready } from "rnn-workbook";
const report = await ready();
console.log("ready says", report.name, "and tf uses", tf.getBackend());`,
  ]);
  const run = nbconvert(file);
  assert.equal(run.status, 0, run.stderr);
  const nb = JSON.parse(readFileSync(path.join(dir, "tf-first-line-run.ipynb"), "utf8"));
  const text = (i: number) => nb.cells[i].outputs.map((o: { text?: string }) => o.text ?? "").join("");
  const first = /trained 3 epochs on (\w+)/.exec(text(0));
  assert.ok(first, text(0));
  const second = /ready says (\w+) and tf uses (\w+)/.exec(text(1));
  assert.ok(second, text(1));
  // One backend from the first line on: the one ready() reports, never a switch mid-notebook.
  assert.equal(first![1], second![1]);
  assert.equal(second![2], second![1]);
});

test("Kernel → Interrupt during fit stops training at the next batch; the model keeps its weights and the next cell runs", { skip, timeout: 10 * 60 * 1000 }, () => {
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(PYTHON, [path.join(__dirname, "kernel_interrupt.py"), dir], { encoding: "utf8", env: jupyterEnv(), timeout: 8 * 60 * 1000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
  console.log(JSON.stringify(result));
  // The cell failed with one plain line saying where training stopped.
  assert.equal(result.reply.status, "error");
  assert.equal(result.reply.ename, "InterruptedError");
  const stopped = /^Training interrupted at epoch (\d+) of 5000; the model keeps its weights from that epoch\.$/.exec(result.reply.evalue);
  assert.ok(stopped, result.reply.evalue);
  assert.deepEqual(result.reply.traceback, [result.reply.evalue]);
  assert.deepEqual(result.iopubErrors, [{ ename: "InterruptedError", evalue: result.reply.evalue }]);
  // It stopped promptly, in the epoch it reports, and nothing kept running.
  assert.ok(result.replySeconds < 5, `the cell returned ${result.replySeconds} s after the interrupt`);
  // onEpochEnd runs for whole epochs: the counter shows the stopped epoch or the one before it.
  assert.ok(result.epochAtReply === Number(stopped![1]) || result.epochAtReply === Number(stopped![1]) - 1, `counter ${result.epochAtReply}`);
  assert.equal(result.epochLater, result.epochAtReply, "the epoch counter stopped moving");
  assert.ok(result.epochAtReply >= 1 && result.epochAtReply < 5000);
  assert.ok(result.idleCpuSeconds < 0.2, `the kernel used ${result.idleCpuSeconds} s of CPU in ${result.idleWindow} s while idle`);
  // The next cell runs, and the model predicts with the weights it had reached.
  assert.equal(result.next.status, "ok");
  assert.ok(result.weightsUnchanged, "the weights did not change after the interrupt");
  assert.match(result.next.text, /prediction \[1,1\]/);
  // Work that does not check for interrupts is abandoned at once, saying so.
  for (const name of ["timer", "busy"]) {
    assert.equal(result.others[name]?.status, "error", name);
    assert.equal(result.others[name].ename, "KeyboardInterrupt", name);
    assert.ok(result.others[name].seconds < 5, `${name}: ${result.others[name].seconds} s`);
  }
  assert.match(result.others.timer.evalue, /may still be running/);
  assert.equal(result.afterOthers.status, "ok");
});

test("the kernel survives many lines of output and stray asynchronous errors: no line lost, the next cell runs", { skip, timeout: 6 * 60 * 1000 }, () => {
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(PYTHON, [path.join(__dirname, "kernel_robust.py"), dir], { encoding: "utf8", env: jupyterEnv(), timeout: 5 * 60 * 1000 });
  const line = run.stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
  assert.ok(line, `kernel_robust.py printed no result\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(line!);
  assert.equal(result.setup, "ok", line);
  assert.equal(result.printed, "ok", `the printing cell must finish\n${line}\n${run.stderr.slice(-2000)}`);
  assert.equal(result.lines, result.expectedLines, `every printed line reaches the notebook\n${line}`);
  assert.equal(result.stray, "ok", line);
  assert.equal(result.after, "ok", `the kernel must still run cells\n${line}\n${run.stderr.slice(-2000)}`);
  assert.equal(result.afterText, "still here", line);
  assert.equal(result.alive, true, line);
  assert.equal(result.exited, true, line);
  assert.match(run.stderr, /The TypeScript kernel \(pid \d+\) is exiting with code 3\./, "a kernel that exits says so on stderr, even from a running cell");
});
