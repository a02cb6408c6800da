// An instructor's course folder: the README's commands run as written, `rnn-workbook init`
// re-runs without touching the instructor's edits, the CI workflow runs what it must,
// and bad arguments get clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { jupyterSkip, REPO } from "./helpers";
import { COURSE_ALLOW_SCRIPTS, COURSE_OVERRIDES, MANIFEST_FILE, STARTER_NOTEBOOK, TSLAB_VERSION, WORKFLOW_FILE } from "../lib/src/course";
import { JUPYTER_APT_PACKAGES, starterNotebook, workflowFile } from "../lib/src/course-templates";

const skip = jupyterSkip();
const README = readFileSync(path.join(REPO, "README.md"), "utf8");

/** The ```sh block right after `<!-- marker: ...-->` in the README, with the repository's path filled in. */
function readmeCommands(marker: string): string {
  const at = README.indexOf(`<!-- ${marker}:`);
  assert.ok(at >= 0, `README.md has a block marked <!-- ${marker}: -->`);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  assert.ok(block, `a sh block follows the ${marker} marker`);
  return block![1].split("<path to this repository>").join(REPO);
}

/** Runs a README block as one bash script (so `cd` carries over), stopping at the first failing line. */
function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 15 * 60 * 1000 });
}

/** Runs the `rnn-workbook` command from the library's source. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "lib", "src", "cli.ts"), ...args], {
    cwd: REPO, // where tsx resolves; every folder passed is absolute
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 5 * 60 * 1000,
  });
}

/** SHA-256 of every file under `dir` (recursively), by relative path. */
function hashTree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(full, base, out);
    else out[path.relative(base, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
  }
  return out;
}

/** Every output of an executed notebook, as text: stdout/stderr, and the metrics a cell reported. */
function notebookOutputs(file: string): { text: string; errors: unknown[]; metrics: Record<string, number | string>; mimes: string[] } {
  const nb = JSON.parse(readFileSync(file, "utf8"));
  let text = "";
  const errors: unknown[] = [];
  let metrics: Record<string, number | string> = {};
  const mimes: string[] = [];
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "stream") text += Array.isArray(output.text) ? output.text.join("") : output.text;
      if (output.output_type === "error") errors.push(output);
      if (output.data) mimes.push(...Object.keys(output.data));
      const reported = output.data?.["application/vnd.rnn-workbook.metrics+json"];
      if (reported) metrics = reported;
    }
  }
  return { text, errors, metrics, mimes };
}

/** The RMSE of two naive forecasts of the last 24 months of airline passengers, computed here from the CSV. */
function naiveRmse(): { lastValue: number; seasonalNaive: number } {
  const rows = readFileSync(path.join(REPO, "datasets", "airline-passengers.csv"), "utf8").trim().split(/\r?\n/).slice(1);
  const values = rows.map((line) => Number(line.split(",")[1]));
  const n = values.length;
  const rmse = (lag: number) => Math.sqrt(Array.from({ length: 24 }, (_, i) => (values[n - 24 + i] - values[n - 24 + i - lag]) ** 2).reduce((a, b) => a + b) / 24);
  return { lastValue: rmse(1), seasonalNaive: rmse(12) };
}

/** Checks the executed starter notebook against the truth: no error, the check passed, honest numbers. */
function checkStarterOutput(file: string): Record<string, number | string> {
  const { text, errors, metrics, mimes } = notebookOutputs(file);
  assert.deepEqual(errors, []);
  assert.match(text, /months: 144 from 1949-01 to 1960-12/);
  assert.match(text, /x shape: \[ 131, 12, 1 \]/);
  assert.match(text, /starter check passed/);
  assert.ok(mimes.includes("application/vnd.plotly.v1+json"), "the notebook drew a chart through the folder's own tslab");
  const naive = naiveRmse();
  assert.ok(Math.abs((metrics.lastValueRmse as number) - naive.lastValue) < 1e-9, `last-value RMSE ${metrics.lastValueRmse} vs ${naive.lastValue}`);
  assert.ok(Math.abs((metrics.seasonalNaiveRmse as number) - naive.seasonalNaive) < 1e-9, `seasonal RMSE ${metrics.seasonalNaiveRmse} vs ${naive.seasonalNaive}`);
  assert.ok((metrics.lstmRmse as number) < 0.75 * Math.min(naive.lastValue, naive.seasonalNaive), `the LSTM beats the naive forecasts: ${metrics.lstmRmse}`);
  return metrics;
}

/** The `run: |` script of the workflow step named `name`. */
function workflowStep(workflow: string, name: string): string {
  const at = workflow.indexOf(`- name: ${name}`);
  assert.ok(at >= 0, `the workflow has a step "${name}"`);
  const lines = workflow.slice(at).split("\n");
  const runAt = lines.findIndex((l) => l.trim() === "run: |");
  const indent = lines[runAt + 1].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(runAt + 1)) {
    if (line.trim() !== "" && line.search(/\S/) < indent) break;
    body.push(line.slice(indent));
  }
  return body.join("\n");
}

test("the README's one command makes a course folder whose starter notebook runs with plain jupyter nbconvert", { skip, timeout: 20 * 60 * 1000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-course-"));
  const jupyterData = path.join(dir, "jupyter-data"); // where --user registers: not the real user's folder
  try {
    const commands = readmeCommands("instructor-commands");
    assert.match(commands, /^npx --yes --package \S+\/lib rnn-workbook init my-course$/m, "the one command comes first");
    const run = runScript(commands, dir, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const course = path.join(dir, "my-course");
    for (const file of ["package.json", ".gitignore", STARTER_NOTEBOOK, WORKFLOW_FILE, "vendor/rnn-workbook-0.1.0.tgz"]) {
      assert.match(run.stdout, new RegExp(`created +${file.replace(/[.*/]/g, "\\$&")}`), file);
    }

    // The library is a copy from the tarball, not a link to this checkout.
    assert.ok(!lstatSync(path.join(course, "node_modules", "rnn-workbook")).isSymbolicLink(), "installed, not linked");
    assert.ok(existsSync(path.join(course, "node_modules", "rnn-workbook", "datasets", "airline-passengers.csv")), "the data travel in the tarball");

    // The kernel: registered per user, by absolute paths into this folder.
    const spec = JSON.parse(readFileSync(path.join(jupyterData, "kernels", "tslab-my-course", "kernel.json"), "utf8"));
    assert.ok(path.isAbsolute(spec.argv[0]) && existsSync(spec.argv[0]), "an absolute node");
    assert.equal(spec.argv[1], path.join(course, "node_modules", "rnn-workbook", "dist", "kernel.js"), "the workbook's kernel, from the folder's own copy of the library");
    assert.deepEqual(spec.argv.slice(2), ["--config-path", "{connection_file}"]);

    const executed = path.join(course, "build", "executed", "00-starter.ipynb");
    const metrics = checkStarterOutput(executed);
    assert.equal(JSON.parse(readFileSync(executed, "utf8")).metadata.kernelspec.name, "tslab-my-course");
    console.log("starter notebook metrics:", JSON.stringify(metrics));

    // The CI workflow's own steps, run here: the kernel step, then the notebook step over the committed notebooks.
    const workflow = readFileSync(path.join(course, WORKFLOW_FILE), "utf8");
    const kernelStep = /run: (npx rnn-workbook kernel .*)/.exec(workflow)![1];
    const kernel = runScript(kernelStep, course, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(kernel.status, 0, kernel.stdout + kernel.stderr);
    assert.match(kernel.stdout, /unchanged .*tslab-my-course/);
    const git = runScript("git init -q && git add -A", course, {});
    assert.equal(git.status, 0, git.stderr);
    rmSync(path.join(course, "build"), { recursive: true });
    const ci = runScript(workflowStep(workflow, "Execute every notebook"), course, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(ci.status, 0, ci.stdout + ci.stderr);
    checkStarterOutput(path.join(course, "build", "executed", "notebooks", "00-starter.ipynb"));
    assert.ok(existsSync(path.join(course, "build", "executed", "notebooks", "00-starter.html")), "the HTML for the artifact");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's manual steps, as written, give a working kernel and notebook", { skip, timeout: 20 * 60 * 1000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-manual-"));
  const jupyterData = path.join(dir, "jupyter-data");
  try {
    const run = runScript(readmeCommands("instructor-manual-commands"), dir, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const course = path.join(dir, "my-course");
    const listing = spawnSync("tar", ["-tzf", path.join(course, "vendor", "rnn-workbook-0.1.0.tgz")], { encoding: "utf8" }).stdout;
    for (const file of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/cli.js", "package/datasets/airline-passengers.csv"]) assert.ok(listing.includes(file), file);
    const spec = JSON.parse(readFileSync(path.join(jupyterData, "kernels", "tslab", "kernel.json"), "utf8"));
    assert.equal(spec.argv[0], path.join(course, "node_modules", "tslab", "bin", "tslab"), "registered by absolute path, not a bare tslab");

    mkdirSync(path.join(course, "notebooks"));
    writeFileSync(path.join(course, "notebooks", "lesson.ipynb"), starterNotebook("tslab", "my-course"));
    const exec = runScript("jupyter nbconvert --to notebook --execute --output-dir build notebooks/lesson.ipynb", course, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(exec.status, 0, exec.stderr);
    checkStarterOutput(path.join(course, "build", "lesson.ipynb"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's tarball form runs init from the packed library alone", { timeout: 20 * 60 * 1000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-tarball-"));
  const jupyterData = path.join(dir, "jupyter-data");
  try {
    const run = runScript(readmeCommands("instructor-tarball-commands"), dir, { JUPYTER_DATA_DIR: jupyterData });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`Packing the library from ${path.join(dir, "package")}`), "the command ran from the tarball, not from the checkout");
    const course = path.join(dir, "my-course");
    assert.deepEqual(readFileSync(path.join(course, "vendor", "rnn-workbook-0.1.0.tgz")), readFileSync(path.join(dir, "rnn-workbook-0.1.0.tgz")), "it vendors the same bytes");
    assert.ok(existsSync(path.join(course, "node_modules", "rnn-workbook", "dist", "index.js")) && existsSync(path.join(course, "node_modules", "tslab", "bin", "tslab")), "installed");
    const spec = JSON.parse(readFileSync(path.join(jupyterData, "kernels", "tslab-my-course", "kernel.json"), "utf8"));
    assert.equal(spec.argv[1], path.join(course, "node_modules", "rnn-workbook", "dist", "kernel.js"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("init run twice changes nothing; an instructor's edits survive a re-run and are reported", { timeout: 10 * 60 * 1000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-reinit-"));
  const course = path.join(dir, "course");
  const prefix = path.join(dir, "prefix");
  const init = () => cli(["init", course, "--no-install", "--prefix", prefix]);
  const tree = () => ({ ...hashTree(course), ...Object.fromEntries(Object.entries(hashTree(prefix)).map(([k, v]) => [`prefix/${k}`, v])) });
  try {
    // A file of the instructor's before init: left alone from the start.
    mkdirSync(course);
    writeFileSync(path.join(course, ".gitignore"), "mine/\n");
    const first = init();
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /skipped +\.gitignore — it existed before and was not written by init/);
    assert.equal(readFileSync(path.join(course, ".gitignore"), "utf8"), "mine/\n");
    const kernelJson = path.join(prefix, "share", "jupyter", "kernels", "tslab-course", "kernel.json");
    assert.ok(existsSync(kernelJson), "--prefix puts the kernel under <prefix>/share/jupyter/kernels");
    assert.match(first.stdout, new RegExp(`JUPYTER_PATH=${path.join(prefix, "share", "jupyter")}`));

    const before = tree();
    const second = init();
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.deepEqual(tree(), before, "the second run changed no file");
    for (const file of ["vendor/rnn-workbook-0.1.0.tgz", "package.json", STARTER_NOTEBOOK, WORKFLOW_FILE]) assert.match(second.stdout, new RegExp(`unchanged +${file.replace(/[.*/]/g, "\\$&")}`));
    assert.match(second.stdout, /skipped +\.gitignore/);

    // The instructor edits the notebook and package.json (their own dependency, and tslab pinned differently).
    const notebookFile = path.join(course, STARTER_NOTEBOOK);
    const edited = readFileSync(notebookFile, "utf8").replace("# 00 · Starter", "# 00 · My first lesson");
    writeFileSync(notebookFile, edited);
    const pkg = JSON.parse(readFileSync(path.join(course, "package.json"), "utf8"));
    pkg.dependencies["left-pad"] = "1.3.0";
    pkg.dependencies.tslab = "1.0.21";
    delete pkg.overrides; // lost by accident: init puts it back
    writeFileSync(path.join(course, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
    // The workflow is as an older init wrote it: init updates it.
    const manifestFile = path.join(course, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    const older = "# an older init's workflow\n";
    writeFileSync(path.join(course, WORKFLOW_FILE), older);
    manifest.files[WORKFLOW_FILE] = createHash("sha256").update(older).digest("hex");
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");

    const third = init();
    assert.equal(third.status, 0, third.stdout + third.stderr);
    assert.equal(readFileSync(notebookFile, "utf8"), edited, "the edited notebook survived");
    assert.match(third.stdout, /skipped +notebooks\/00-starter\.ipynb — edited since init wrote it/);
    const after = JSON.parse(readFileSync(path.join(course, "package.json"), "utf8"));
    assert.equal(after.dependencies["left-pad"], "1.3.0");
    assert.equal(after.dependencies.tslab, "1.0.21", "the instructor's tslab pin is kept");
    assert.deepEqual(after.overrides, COURSE_OVERRIDES, "a missing override is added back");
    assert.match(third.stdout, /skipped +package\.json — kept your values of dependencies\.tslab \(yours: "1\.0\.21"; init would write "1\.0\.22"\)/);
    assert.equal(readFileSync(path.join(course, WORKFLOW_FILE), "utf8"), workflowFile("tslab-course"), "an untouched older file is updated");
    assert.match(third.stdout, /updated +\.github\/workflows\/notebooks\.yml/);
    assert.match(third.stdout, /Skipped 3 file\(s\) you changed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("init's package.json entries are the repository's own: tslab version, danfo override, allowScripts", () => {
  const root = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
  assert.equal(TSLAB_VERSION, root.dependencies.tslab);
  assert.deepEqual(COURSE_OVERRIDES, root.overrides);
  assert.deepEqual(COURSE_ALLOW_SCRIPTS, root.allowScripts);
  const lib = JSON.parse(readFileSync(path.join(REPO, "lib", "package.json"), "utf8"));
  assert.equal(lib.bin["rnn-workbook"], "dist/cli.js");
  assert.ok(lib.files.includes("dist") && lib.files.includes("datasets"), "the tarball carries the bin and the data");
  assert.match(README, new RegExp(`rnn-workbook-${lib.version.replace(/\./g, "\\.")}\\.tgz`), "the README names the tarball of this version");
});

test("the CI workflow installs Jupyter from apt, runs npm ci, registers the kernel, executes every notebook and uploads them", () => {
  const workflow = workflowFile("tslab-my-course");
  const steps = [
    `sudo apt-get update && sudo apt-get install -y ${JUPYTER_APT_PACKAGES.join(" ")}`,
    "run: npm ci",
    "run: npx rnn-workbook kernel . --kernel-name tslab-my-course",
    'jupyter nbconvert --to notebook --execute --output-dir "$out" "$notebook"',
    'jupyter nbconvert --to html --output-dir "$out"',
    "done < <(git ls-files -z -- '*.ipynb')",
    "uses: actions/upload-artifact@v4",
  ];
  let last = -1;
  for (const step of steps) {
    const at = workflow.indexOf(step);
    assert.ok(at > last, `"${step}" appears, after the step before it`);
    last = at;
  }
  assert.deepEqual([...JUPYTER_APT_PACKAGES], ["jupyter-nbconvert", "jupyter-notebook", "jupyter-nbformat", "python3-ipykernel"]);
  assert.match(workflow, /if: always\(\)\n\s+uses: actions\/upload-artifact@v4\n\s+with:\n\s+name: executed-notebooks\n\s+path: build\/executed/);
  assert.match(workflowStep(workflow, "Execute every notebook"), /exit \$failed$/m, "a failed notebook fails the run");
  assert.doesNotMatch(workflow, /\t/, "YAML: no tabs");
});

test("the starter notebook is nbformat 4.5 with cell ids, the folder's kernel, and no outputs", () => {
  const nb = JSON.parse(starterNotebook("tslab-x", "x"));
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.deepEqual(nb.metadata.kernelspec, { display_name: "TypeScript (x)", language: "typescript", name: "tslab-x" });
  const ids = nb.cells.map((c: { id: string }) => c.id);
  assert.ok(ids.every((id: string) => /^[a-zA-Z0-9_-]{1,64}$/.test(id)) && new Set(ids).size === ids.length, "unique valid ids");
  for (const cell of nb.cells) if (cell.cell_type === "code") assert.deepEqual(cell.outputs, []);
  const source = nb.cells.map((c: { source: string }) => c.source).join("\n");
  for (const piece of ['from "rnn-workbook"', 'loadSeries("airline-passengers"', "seed: 1", "showChart(", "expectTrue("]) assert.ok(source.includes(piece), piece);
});

test("bad arguments get an error naming what was expected, what was received, and how to fix it", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rnn-badargs-"));
  try {
    const aFile = path.join(dir, "a-file");
    writeFileSync(aFile, "x");
    const cases: Array<[string[], RegExp]> = [
      [[], /Expected `command` to be one of "init", "kernel", "student-edition", "grade", but got no arguments\. E\.g\. rnn-workbook init my-course/],
      [["inti", "x"], /Expected `command` to be one of "init", "kernel", "student-edition", "grade", but got "inti"\. Run `rnn-workbook --help`/],
      [["init"], /Expected `<folder>` to be the course folder's path, but got none\. E\.g\. rnn-workbook init my-course/],
      [["init", "a", "b"], /Expected `<folder>` to be a single folder, but got a second one, "b", after "a"/],
      [["init", "x", "--sytem"], /Expected `option` to be one of --user, --prefix <dir>, --system, --kernel-name <name>, --no-install, but got "--sytem"/],
      [["init", "x", "--prefix"], /Expected `--prefix` to be a value after it, but got nothing\. E\.g\. --prefix \/opt\/jupyter/],
      [["init", "x", "--user", "--system"], /Expected `options` to be at most one of --user, --prefix <dir>, --system, but got --user and --system\. Pick where the kernel goes/],
      [["kernel", "x", "--no-install"], /Expected `option` to be one of --user, --prefix <dir>, --system, --kernel-name <name>, but got "--no-install"/],
      [["init", aFile, "--no-install"], /Expected `<folder>` to be a folder \(or a path that does not exist yet\), but got .*a-file, which is a file\. Pick another path/],
      [["init", path.join(dir, "c"), "--kernel-name", "my course"], /Expected `--kernel-name` to be a Jupyter kernel name made of letters, digits, '\.', '_' and '-', but got "my course"/],
    ];
    for (const [args, message] of cases) {
      const run = cli(args);
      assert.equal(run.status, 2, `${args.join(" ")}: exit 2\n${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, args.join(" "));
    }
    assert.ok(!existsSync(path.join(dir, "c")), "a bad kernel name is caught before anything is written");
    const missing = cli(["kernel", path.join(dir, "nowhere")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /Expected `<folder>` to be an existing course folder, but got ".*nowhere"\. Run rnn-workbook init <folder> first/);

    // A kernel name taken by another course folder is not overwritten.
    const prefix = path.join(dir, "prefix");
    mkdirSync(path.join(dir, "one"));
    mkdirSync(path.join(dir, "two"));
    assert.equal(cli(["kernel", path.join(dir, "one"), "--prefix", prefix, "--kernel-name", "tslab-shared"]).status, 0);
    const kernelJson = path.join(prefix, "share", "jupyter", "kernels", "tslab-shared", "kernel.json");
    const taken = readFileSync(kernelJson, "utf8");
    const clash = cli(["kernel", path.join(dir, "two"), "--prefix", prefix, "--kernel-name", "tslab-shared"]);
    assert.equal(clash.status, 1);
    assert.match(clash.stdout, /skipped .*a kernel named tslab-shared of the course folder .*one is registered there; pass --kernel-name <another name>/);
    assert.equal(readFileSync(kernelJson, "utf8"), taken);
    const help = cli(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /rnn-workbook init <folder> \[options\][\s\S]*--prefix <dir>[\s\S]*--system/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
