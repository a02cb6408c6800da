import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const repo = path.resolve(__dirname, "..");

/** Runs a snippet in a fresh Node process (the backend is chosen once per process). */
function runSnippet(code: string, env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return result;
}

const report = `
  const { ready, tf } = require("./lib/src/index.ts");
  ready().then((r) => { console.log(JSON.stringify({ report: r, active: tf.getBackend() })); })
         .catch((e) => { console.log(JSON.stringify({ error: e.message, name: e.name })); });
`;

function nativeInstalled(): boolean {
  try {
    require.resolve("tfjs-node-native");
    return true;
  } catch {
    return false;
  }
}

test("auto picks the fastest backend that is really there, and says why in one line", () => {
  const out = runSnippet(report, { RNN_WORKBOOK_BACKEND: undefined });
  assert.equal(out.status, 0, out.stderr);
  const { report: r, active } = JSON.parse(out.stdout.trim().split("\n").pop()!);
  const expected = nativeInstalled() ? "tensorflow" : "wasm";
  assert.equal(r.name, expected);
  assert.equal(active, expected);
  assert.equal(r.forced, false);
  assert.ok(!r.summary.includes("\n"));
  assert.match(r.summary, new RegExp(`^TensorFlow.js backend: ${expected} \\(`));
  if (!nativeInstalled()) {
    assert.equal(r.attempts[0].name, "tensorflow");
    assert.equal(r.attempts[0].ok, false);
    assert.match(r.summary, /not used: tensorflow: tfjs-node is not installed/);
  }
});

test("RNN_WORKBOOK_BACKEND forces a backend", () => {
  const out = runSnippet(report, { RNN_WORKBOOK_BACKEND: "cpu" });
  assert.equal(out.status, 0, out.stderr);
  const { report: r, active } = JSON.parse(out.stdout.trim().split("\n").pop()!);
  assert.equal(r.name, "cpu");
  assert.equal(active, "cpu");
  assert.equal(r.forced, true);
  assert.match(r.summary, /forced by the RNN_WORKBOOK_BACKEND environment variable/);
});

test("an unknown RNN_WORKBOOK_BACKEND is a clear error from ready()", () => {
  const out = runSnippet(report, { RNN_WORKBOOK_BACKEND: "gpu" });
  assert.equal(out.status, 0, out.stderr);
  const { error, name } = JSON.parse(out.stdout.trim().split("\n").pop()!);
  assert.equal(name, "WorkbookInputError");
  assert.match(error, /Expected `RNN_WORKBOOK_BACKEND` to be one of "tensorflow", "wasm", "cpu", "auto", but got "gpu"/);
});

test("the backend option switches backends and rejects unknown names", () => {
  const code = `
    const { ready, selectBackend, tf } = require("./lib/src/index.ts");
    (async () => {
      const first = await ready();
      const second = await selectBackend({ backend: "cpu" });
      let error = "";
      try { await selectBackend({ backend: "webgl" }); } catch (e) { error = e.message; }
      console.log(JSON.stringify({ first: first.name, second: second.name, active: tf.getBackend(), error }));
    })();
  `;
  const out = runSnippet(code, { RNN_WORKBOOK_BACKEND: undefined });
  assert.equal(out.status, 0, out.stderr);
  const r = JSON.parse(out.stdout.trim().split("\n").pop()!);
  assert.equal(r.second, "cpu");
  assert.equal(r.active, "cpu");
  assert.match(r.error, /Expected `options.backend` to be one of .*but got "webgl"/);
});

test("forcing tensorflow where tfjs-node is missing says why and what to use instead", { skip: nativeInstalled() && "tfjs-node is installed here" }, () => {
  const out = runSnippet(report, { RNN_WORKBOOK_BACKEND: "tensorflow" });
  const { error } = JSON.parse(out.stdout.trim().split("\n").pop()!);
  assert.match(error, /tfjs-node is not installed/);
  assert.match(error, /Use "wasm" or "cpu" or "auto"/);
});

test("the wasm backend leaves no process handlers of its own: a stray timer error reaches the program's handler instead of ending the process", () => {
  // Emscripten's glue in the wasm backend adds `uncaughtException` and `unhandledRejection` handlers that
  // rethrow, which made every stray asynchronous error fatal, even with handlers of the program's own.
  const code = `
    const { ready, tf } = require("./lib/src/index.ts");
    const count = () => process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length;
    const before = count();
    const caught = [];
    ready().then(async (r) => {
      const added = count() - before;
      process.on("uncaughtException", (e) => caught.push(e.message));
      process.on("unhandledRejection", (e) => caught.push(e.message));
      setTimeout(() => { throw new Error("from a timer"); }, 1);
      void Promise.reject(new Error("never awaited"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      console.log(JSON.stringify({ backend: tf.getBackend(), added, caught }));
    });
  `;
  const run = runSnippet(code, { RNN_WORKBOOK_BACKEND: "wasm" });
  assert.equal(run.status, 0, `the process must survive\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
  assert.equal(result.backend, "wasm");
  assert.equal(result.added, 0, "handlers the backend added were removed");
  assert.deepEqual([...result.caught].sort(), ["from a timer", "never awaited"]);
});
