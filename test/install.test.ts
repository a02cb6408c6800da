// What a newcomer and an instructor do after cloning: the kernel is registered, the lib
// imports by name (with types) from a notebook anywhere in the repo, and the lib installs
// into a folder of one's own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { jupyterSkip, REPO, runWorkbook } from "./helpers";
import { ensureJupyterLab, missingLabServer } from "../scripts/jupyterlab";

const skip = jupyterSkip();

/** A minimal notebook (nbformat 4.5, tslab kernel) from code cells. */
function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: "code", id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** A student's scratch notebook: imports by name, uses the lib's types, trains a tiny model, shows a chart. */
const scratchCells = [
  `import { ready, sumOfThree, buildRecurrentModel, fit, predict, showChart, lineChart, SequenceData, expectTrue } from "rnn-workbook";
const backend = await ready();
console.log(backend.name);`,
  `const data: SequenceData = sumOfThree();
const shape: [number, number, number] = data.xShape; // typed: a wrong annotation here would fail to compile
const model = buildRecurrentModel({ cell: "gru", units: 4, lookBack: 3, numFeatures: 1, seed: 3 });
const history = await fit(model, data.x.map((s) => s.map((v) => [v[0] / 50])), data.y.map((t) => [t[0] / 150]), { epochs: 5, batchSize: 5 });
expectTrue(history.loss.length === 5, "trained five epochs");
showChart(lineChart([{ name: "loss", y: history.loss }]));
console.log("scratch ok", shape.join("x"), predict(model, [[[0.1], [0.2], [0.3]]])[0].length);`,
];

test("npm install registered this checkout's tslab kernel, for the project and for the user", () => {
  const home = mkdtempSync(path.join(tmpdir(), "rnn-home-"));
  try {
    const { XDG_DATA_HOME, JUPYTER_DATA_DIR, ...rest } = process.env; // the kernel goes to $HOME/.local/share
    const env = { ...rest, HOME: home };
    const run = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs")], { env, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    for (const dir of [path.join(REPO, ".jupyter", "kernels", "tslab"), path.join(home, ".local", "share", "jupyter", "kernels", "tslab")]) {
      const spec = JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8"));
      assert.equal(spec.language, "typescript");
      assert.equal(spec.argv[1], path.join(REPO, "lib", "dist", "kernel.js"), "the workbook's kernel entry point (tslab with its fixes)");
      assert.ok(existsSync(spec.argv[0]) && existsSync(spec.argv[1]), "absolute paths that exist");
      assert.deepEqual(spec.argv.slice(2), ["--config-path", "{connection_file}"]);
    }
    // Another installation's tslab kernel is left alone.
    const user = path.join(home, ".local", "share", "jupyter", "kernels", "tslab", "kernel.json");
    const foreign = { argv: [process.execPath, __filename, "kernel"], display_name: "TypeScript", language: "typescript" };
    writeFileSync(user, JSON.stringify(foreign));
    const again = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs")], { env, encoding: "utf8" });
    assert.equal(again.status, 0);
    assert.match(again.stdout, /left as it is/);
    assert.deepEqual(JSON.parse(readFileSync(user, "utf8")), foreign);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("npm install builds the `rnn-workbook` command executable, so npx runs it even when its cache already links lib/", () => {
  // npx marks a package's bin executable only when it installs the package; a cache entry that
  // already links this folder (an earlier run from the same path) skips that, so the build must.
  const bin = JSON.parse(readFileSync(path.join(REPO, "lib", "package.json"), "utf8")).bin["rnn-workbook"];
  const mode = statSync(path.join(REPO, "lib", bin)).mode;
  assert.equal(mode & 0o111, 0o111, `lib/${bin} has mode ${(mode & 0o777).toString(8)}: run npm run build`);
  assert.match(readFileSync(path.join(REPO, "lib", bin), "utf8"), /^#!\/usr\/bin\/env node\n/, "and starts with a node shebang");
});

test("without Jupyter, registering the kernel still succeeds and prints how to install Jupyter", () => {
  const home = mkdtempSync(path.join(tmpdir(), "rnn-home-"));
  try {
    // A PATH with node but without jupyter.
    const run = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs")], {
      env: { PATH: path.dirname(process.execPath) === "/usr/bin" ? "/nonexistent" : path.dirname(process.execPath), HOME: home, RNN_WORKBOOK_USER_KERNEL: "0" },
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Jupyter was not found/);
    assert.match(run.stdout, /apt-get install -y jupyter-nbconvert jupyter-notebook jupyter-nbformat python3-ipykernel/);
    assert.match(run.stdout, /pip install jupyterlab/);
    assert.ok(!existsSync(path.join(home, ".local")), "RNN_WORKBOOK_USER_KERNEL=0 leaves the user's folder alone");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("register-kernel --prefix registers the kernel for every user: a notebook in any user's folder finds the kernel and the lib", { skip, timeout: 10 * 60 * 1000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), "rnn-shared-"));
  try {
    const prefix = path.join(root, "usr-local");
    const register = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs"), "--prefix", prefix], { encoding: "utf8" });
    assert.equal(register.status, 0, register.stderr);
    const specFile = path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json");
    const spec = JSON.parse(readFileSync(specFile, "utf8"));
    assert.equal(spec.argv[1], path.join(REPO, "lib", "dist", "kernel.js"));
    assert.equal(spec.env.NODE_PATH, path.join(REPO, "node_modules"));
    assert.ok(!existsSync(path.join(root, ".local")), "only the prefix is written");

    // --sys-prefix asks Jupyter's python for sys.prefix.
    const fakePython = path.join(root, "python3");
    writeFileSync(fakePython, `#!/bin/sh\necho ${path.join(root, "venv")}\n`, { mode: 0o755 });
    const sys = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs"), "--sys-prefix", "--python", fakePython], { encoding: "utf8" });
    assert.equal(sys.status, 0, sys.stderr);
    assert.ok(existsSync(path.join(root, "venv", "share", "jupyter", "kernels", "tslab", "kernel.json")));

    // Another user: an empty home, no kernel of their own, a notebook outside the repository.
    // A system-wide data folder is found through the same search as JUPYTER_PATH.
    const home = path.join(root, "home", "student");
    const course = path.join(home, "course");
    mkdirSync(course, { recursive: true });
    const { XDG_DATA_HOME, JUPYTER_DATA_DIR, JUPYTER_PATH, NODE_PATH, ...rest } = process.env;
    const env = { ...rest, HOME: home, JUPYTER_PATH: path.join(prefix, "share", "jupyter") };
    const list = spawnSync("/usr/bin/python3", ["-c", "import json; from jupyter_client.kernelspec import KernelSpecManager; print(json.dumps(KernelSpecManager().find_kernel_specs()))"], { env, encoding: "utf8" });
    assert.equal(JSON.parse(list.stdout).tslab, path.dirname(specFile), list.stderr);
    // A value whose type comes from a package the lib depends on (danfo's DataFrame): tslab must
    // be able to name that type from a folder outside the repository, or the cell fails to compile.
    const frameCell = `import { loadDataFrame } from "rnn-workbook";\nconst frame = loadDataFrame("airline-passengers");\nconsole.log("frame", frame.shape.join("x"));`;
    writeFileSync(path.join(course, "lesson.ipynb"), notebook([...scratchCells, frameCell]));
    const exec = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--output", "lesson-run", "lesson.ipynb"], { cwd: course, env, encoding: "utf8" });
    assert.equal(exec.status, 0, exec.stderr);
    const lesson = readFileSync(path.join(course, "lesson-run.ipynb"), "utf8");
    assert.match(lesson, /scratch ok 15x3x1 1/);
    assert.match(lesson, /frame 144x2/);
    assert.match(lesson, /application\/vnd.plotly.v1\+json/, "charts display through the kernel's own tslab");
    assert.ok(!existsSync(path.join(course, "node_modules")), "nothing installed into the user's folder");
    // Types come from the shared lib too: a wrong annotation fails to compile, by name.
    writeFileSync(path.join(course, "typed.ipynb"), notebook([`import { sumOfThree } from "rnn-workbook";\nconst n: string = sumOfThree().xShape;`]));
    const typed = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--output", "typed-run", "typed.ipynb"], { cwd: course, env, encoding: "utf8" });
    assert.notEqual(typed.status, 0);
    assert.match(typed.stderr, /CompileError: 2:7 - Type '\[number, number, number\]' is not assignable to type 'string'/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Starts `npm start` (scripts/start.ts) with `args` and waits until its server answers; returns what it served. */
async function startServer(args: string[], waitSeconds: number): Promise<{ stop: () => void; get: (p: string) => Promise<Response> }> {
  const { spawn } = await import("node:child_process");
  const port = 18000 + ((process.pid + args.length * 7) % 1000);
  const token = `t${process.pid}`;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "start.ts"), ...args, "--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, `--ServerApp.token=${token}`], {
    cwd: REPO,
    detached: true,
    stdio: "ignore",
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { Authorization: `token ${token}` } });
  for (let i = 0; i < waitSeconds * 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      if ((await get("/api/status")).ok) return { stop, get };
    } catch {
      // not up yet
    }
  }
  stop();
  throw new Error(`npm start ${args.join(" ")} did not answer within ${waitSeconds} s`);
}

/** Asserts that the server offers this checkout's kernel and serves notebooks/. */
async function assertServesWorkbook(get: (p: string) => Promise<Response>): Promise<void> {
  const specs = (await (await get("/api/kernelspecs")).json()) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
  const contents = (await (await get("/api/contents")).json()) as { content: { name: string }[] };
  assert.equal(specs.kernelspecs.tslab.spec.argv[1], path.join(REPO, "lib", "dist", "kernel.js"));
  assert.ok(contents.content.some((f) => f.name === "00-getting-started.ipynb"), "it serves notebooks/");
}

test("npm start -- --classic serves notebooks/ in the classic Notebook with this checkout's TypeScript kernel", { skip }, async () => {
  const server = await startServer(["--classic"], 30);
  try {
    await assertServesWorkbook(server.get);
    assert.match(await (await server.get("/tree")).text(), /<title>Home Page - Select or create a notebook<\/title>|Jupyter Notebook/);
  } finally {
    server.stop();
  }
});

const labSkip = skip || (missingLabServer().length > 0 && !(Boolean(process.env.CI) && process.env.CI !== "false") ? `missing ${missingLabServer().join("; ")}` : false);
test("npm start, where no JupyterLab is installed, serves JupyterLab built from npm with the Plotly renderer (--no-plotly: without)", { skip: labSkip, timeout: 20 * 60_000 }, async () => {
  if (spawnSync("jupyter", ["lab", "--version"]).status === 0) return; // a JupyterLab is installed: npm start uses it
  assert.deepEqual(missingLabServer(), [], "CI must install the JupyterLab server packages");
  await ensureJupyterLab(); // built once per lockfile (or waits for the build another process runs)
  for (const plotly of [true, false]) {
    const server = await startServer(plotly ? [] : ["--no-plotly"], 60);
    try {
      await assertServesWorkbook(server.get);
      const page = await (await server.get("/lab")).text();
      const config = JSON.parse(/<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page)![1]);
      assert.equal(config.appVersion, "4.5.10", "JupyterLab from jupyterlab/package.json");
      assert.deepEqual(config.disabledExtensions, plotly ? [] : ["jupyterlab-plotly"]);
      assert.ok((await server.get(`${config.fullStaticUrl}/bundle.js`)).ok, "the built front end is served");
      assert.ok((await server.get("/api/me")).ok, "/api/me answers");
    } finally {
      server.stop();
    }
  }
});

test("a scratch notebook in another folder of the repo imports the lib by name, with types, and trains", { skip }, () => {
  const dir = mkdtempSync(path.join(REPO, "build-scratch-"));
  try {
    mkdirSync(path.join(dir, "deeper"));
    const file = path.join(dir, "deeper", "my-experiment.ipynb");
    writeFileSync(file, notebook(scratchCells));
    const result = runWorkbook([file, "--out", path.join(dir, "out")]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const executed = readFileSync(path.join(dir, "out", "executed", "my-experiment.ipynb"), "utf8");
    assert.match(executed, /scratch ok 15x3x1 1/);
    // A type error in a cell fails the notebook: types really are checked against the lib's .d.ts.
    writeFileSync(file, notebook([`import { sumOfThree } from "rnn-workbook";\nconst n: string = sumOfThree().xShape;`]));
    const typed = runWorkbook([file, "--out", path.join(dir, "out2")]);
    assert.equal(typed.status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// An instructor's own folder (the packed lib, tslab, the kernel, a notebook there): test/course.test.ts,
// which runs the README's commands as written.
