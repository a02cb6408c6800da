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
