/**
 * The main job: executes every notebook (or the ones named) headless with
 * `jupyter nbconvert --execute` on this checkout's tslab kernel, writes the
 * executed notebooks and their HTML pages under build/workbook, prints a table
 * (notebook · status · seconds · key metrics), writes it as JSON, and exits
 * non-zero when any notebook failed.
 *
 *   npm run workbook                      all notebooks
 *   npm run workbook -- 00 02             a subset, by number or name
 *   npm run workbook -- path/to/x.ipynb   any notebook file
 *   options: --out DIR (default build/workbook), --jobs N (default: the machine's cores, at most 4),
 *            --backend tensorflow|wasm|cpu, --timeout SECONDS per notebook (default 900)
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "fs";
import * as path from "path";
import { availableParallelism } from "os";
import { checkJupyter, jupyterEnv, NOTEBOOKS_DIR, REPO, run } from "./jupyter";
import { METRICS_MIME } from "../lib/src/checks";
import { formatMetric, writeSite } from "./site";
import { budgetProblems } from "./budget";
import { jupyterPython, trustNotebook } from "./trust";

/** The HTML template of the site's pages: nbconvert's lab template without scripts from elsewhere. */
const HTML_TEMPLATE = path.join(__dirname, "nbconvert", "workbook.html.j2");
/** Signs a notebook and writes its HTML page in one Python process (see {@link publish}). */
const PUBLISH_SCRIPT = path.join(__dirname, "nbconvert", "publish.py");


/** One notebook's outcome. */
export interface NotebookResult {
  name: string;
  source: string;
  status: "ok" | "failed";
  seconds: number;
  metrics: Record<string, number | string>;
  executed?: string;
  html?: string;
  log: string;
  error?: string;
  /** Whether the executed notebook was signed (trusted) in this Jupyter data folder. */
  signed?: boolean;
}

/** The whole run's outcome, also written as summary.json. */
export interface WorkbookSummary {
  started: string;
  backend: string;
  nbconvert: string;
  notebooks: NotebookResult[];
  ok: boolean;
}

interface Options {
  names: string[];
  out: string;
  jobs: number;
  backend?: string;
  timeout: number;
}

function usage(message: string): never {
  console.error(`workbook: ${message}\nUsage: npm run workbook -- [names or .ipynb paths...] [--out DIR] [--jobs N] [--backend tensorflow|wasm|cpu] [--timeout SECONDS]`);
  process.exit(2);
}

/**
 * Notebooks run side by side by default, one per core (at most 4): each kernel trains on one
 * thread (the wasm backend has no threads in Node), so a 2-core machine runs the workbook in
 * about half the time, with the same numbers (every notebook is seeded and runs alone in its
 * kernel). Kernels no longer die of a burst of output or a stray asynchronous error
 * (lib/src/kernel.ts, lib/src/backend.ts), which is what a kernel that died in CI pointed to.
 */
export const DEFAULT_JOBS = Math.max(1, Math.min(4, availableParallelism()));

function parseArgs(argv: string[]): Options {
  const options: Options = { names: [], out: path.join(REPO, "build", "workbook"), jobs: DEFAULT_JOBS, timeout: 900 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === "--out") options.out = path.resolve(value());
    else if (arg === "--jobs") options.jobs = Number(value());
    else if (arg === "--backend") options.backend = value();
    else if (arg === "--timeout") options.timeout = Number(value());
    else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  if (!Number.isInteger(options.jobs) || options.jobs < 1) usage(`--jobs must be a positive integer, got ${options.jobs}`);
  if (!(options.timeout > 0)) usage(`--timeout must be a positive number of seconds, got ${options.timeout}`);
  if (options.backend && !["tensorflow", "wasm", "cpu", "auto"].includes(options.backend)) {
    usage(`--backend must be tensorflow, wasm, cpu or auto, got ${options.backend}`);
  }
  return options;
}

/**
 * The order in which to start `notebooks` (indices into it): longest first, so that the longest
 * do not start last and run alone at the end while the other workers idle. The length is each
 * notebook's seconds in `previous` (the last summary in the output folder) when it lists every one;
 * otherwise the lessons in reverse, since later lessons train on more data (08 and 09 take longest).
 */
export function executionOrder(notebooks: string[], previous?: { notebooks: Pick<NotebookResult, "source" | "seconds">[] }): number[] {
  const indices = notebooks.map((_, i) => i);
  const recorded = new Map((previous?.notebooks ?? []).map((n) => [path.resolve(REPO, n.source), n.seconds])); // sources are relative to the repo
  const seconds = notebooks.map((n) => recorded.get(path.resolve(n)));
  if (seconds.every((t) => typeof t === "number")) return indices.sort((a, b) => seconds[b]! - seconds[a]! || a - b);
  return indices.sort((a, b) => path.basename(notebooks[b]).localeCompare(path.basename(notebooks[a])));
}

/** The last run's summary in `out`, if there is a readable one. */
function previousSummary(out: string): WorkbookSummary | undefined {
  try {
    return JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8")) as WorkbookSummary;
  } catch {
    return undefined;
  }
}

/** The notebooks to run: all of notebooks/, or those named (by number, name or path). */
function selectNotebooks(names: string[]): string[] {
  const all = readdirSync(NOTEBOOKS_DIR).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(NOTEBOOKS_DIR, f));
  if (names.length === 0) return all;
  return names.map((name) => {
    if (name.endsWith(".ipynb")) {
      const file = path.resolve(name);
      if (!existsSync(file)) usage(`no notebook at ${file}`);
      return file;
    }
    const matches = all.filter((f) => {
      const base = path.basename(f, ".ipynb");
      return base === name || base.startsWith(`${name}-`);
    });
    if (matches.length !== 1) {
      usage(`"${name}" matches ${matches.length} notebooks; choose from: ${all.map((f) => path.basename(f, ".ipynb")).join(", ")}`);
    }
    return matches[0];
  });
}

/** Metrics reported by the notebook's `reportMetrics` calls, in order. */
export function collectMetrics(executedNotebook: string): Record<string, number | string> {
  const notebook = JSON.parse(readFileSync(executedNotebook, "utf8"));
  const metrics: Record<string, number | string> = {};
  for (const cell of notebook.cells ?? []) {
    for (const output of cell.outputs ?? []) {
      const data = output.data?.[METRICS_MIME];
      if (data && typeof data === "object") Object.assign(metrics, data);
    }
  }
  return metrics;
}

/** nbconvert's own log lines and Python tracebacks, as opposed to what the kernel printed on stderr. */
const NBCONVERT_LINE = /^\[NbConvertApp\]|^Traceback \(most recent call last\)|^\s+File "|^\s{2,}(?!at )\S|^\w+(\.\w+)+(: |$)|^(RuntimeError|TimeoutError|DeadKernelError): Kernel|^During handling|^The above exception|^$/;

/**
 * When the kernel died, what it said before it went (its stderr reaches nbconvert's): the
 * kernel's own last lines, so a death never leaves only "DeadKernelError: Kernel died".
 */
export function kernelDeathReport(stderr: string): string[] {
  if (!/DeadKernelError|Kernel died/.test(stderr)) return [];
  const kernelLines = stderr.split("\n").filter((l) => !NBCONVERT_LINE.test(l) && !l.startsWith("[workbook] "));
  const said = kernelLines.slice(-25);
  return [
    "The kernel died. Its last lines on stderr:",
    ...(said.length > 0 ? said.map((l) => `  ${l}`) : ["  (none: it was killed without a word, e.g. by the system running out of memory)"]),
  ];
}

/** The lines of nbconvert's error report that say what failed. */
function errorSummary(stderr: string): string {
  const death = kernelDeathReport(stderr);
  const lines = stderr.split("\n");
  const start = lines.findIndex((l) => l.startsWith("[workbook] cell "));
  const end = lines.findIndex((l) => l === "[workbook] end of error output");
  const errorOutput = start >= 0 && end > start ? lines.slice(start, end) : [];
  // nbconvert's own report: the failing cell's source.
  const at = lines.findIndex((l) => l.includes("An error occurred while executing"));
  const report = at >= 0 ? lines.slice(at, at + 25) : start < 0 ? lines.slice(-15) : [];
  // The kernel's ename and evalue (scripts/nbconvert_config.py), else lines that look like an error.
  const reported = errorOutput.filter((l) => l.startsWith("[workbook] error: ")).map((l) => l.slice("[workbook] error: ".length));
  const thrown = reported.length > 0 ? reported : errorOutput.filter((l) => /^\w*(Error|Exception)\b/.test(l.trim()));
  const summary = [...thrown.slice(0, 3), ...report, ...errorOutput.filter((l) => !l.startsWith("[workbook] error: ")).slice(0, 30)].filter((l) => l.trim() !== "").slice(0, 60);
  return [...summary, ...death].join("\n");
}

/** What {@link publish} did. */
interface Published {
  /** 0 when the HTML page was written. */
  code: number;
  stderr: string;
  /** Whether the notebook was signed. */
  signed: boolean;
}

/**
 * Signs an executed notebook and writes its HTML page: in one Python process
 * (scripts/nbconvert/publish.py, with the Python that runs `jupyter`), else, where `jupyter`
 * is not a Python script, with `jupyter trust` and `jupyter nbconvert --to html`.
 */
async function publish(notebook: string, html: string, env: NodeJS.ProcessEnv, log: string): Promise<Published> {
  const python = jupyterPython(env);
  if (python !== null) {
    const args = [...python.slice(1), PUBLISH_SCRIPT, notebook, HTML_TEMPLATE, html];
    const done = await run(python[0], args, { env, timeoutSeconds: 300 });
    writeFileSync(log, `\n$ ${python[0]} ${args.join(" ")}\n${done.stdout}${done.stderr}`, { flag: "a" });
    return { code: done.code, stderr: done.stderr, signed: done.stdout.split("\n").includes("signed") };
  }
  const trust = await trustNotebook(notebook, env);
  writeFileSync(log, `\n$ ${trust.command}\n${trust.output}`, { flag: "a" });
  const exported = await run(
    "jupyter",
    ["nbconvert", "--to", "html", "--template-file", HTML_TEMPLATE, "--output-dir", path.dirname(html), "--output", path.basename(html, ".html"), notebook],
    { env, timeoutSeconds: 300 },
  );
  writeFileSync(log, `\n$ jupyter nbconvert --to html\n${exported.stderr}`, { flag: "a" });
  return { code: exported.code, stderr: exported.stderr, signed: trust.ok };
}

/** Executes one notebook and exports its HTML page. */
async function runNotebook(source: string, options: Options, env: NodeJS.ProcessEnv): Promise<NotebookResult> {
  const name = path.basename(source, ".ipynb");
  const executedDir = path.join(options.out, "executed");
  const siteDir = path.join(options.out, "site");
  const logDir = path.join(options.out, "logs");
  const tmpDir = path.join(options.out, "tmp", name);
  for (const dir of [executedDir, siteDir, logDir]) mkdirSync(dir, { recursive: true });
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const log = path.join(logDir, `${name}.log`);
  const result: NotebookResult = { name, source: path.relative(REPO, source), status: "failed", seconds: 0, metrics: {}, log: path.relative(REPO, log) };

  const execute = await run(
    "jupyter",
    [
      "nbconvert", "--to", "notebook", "--execute",
      "--config", path.join(REPO, "scripts", "nbconvert_config.py"),
      "--ExecutePreprocessor.kernel_name=tslab",
      `--ExecutePreprocessor.timeout=${Math.ceil(options.timeout)}`,
      "--output-dir", tmpDir, "--output", name, source,
    ],
    { env, timeoutSeconds: options.timeout + 60 },
  );
  result.seconds = execute.seconds;
  writeFileSync(log, `$ jupyter nbconvert --execute ${source}\n${execute.stdout}\n${execute.stderr}`);
  const tmpNotebook = path.join(tmpDir, `${name}.ipynb`);
  if (execute.code !== 0 || !existsSync(tmpNotebook)) {
    result.error = errorSummary(execute.stderr) || `nbconvert exited with code ${execute.code}`;
    rmSync(tmpDir, { recursive: true, force: true });
    return result;
  }
  result.metrics = collectMetrics(tmpNotebook);
  // Signed, so a notebook server shows its HTML charts without re-running it; and its HTML page.
  const html = await publish(tmpNotebook, path.join(tmpDir, `${name}.html`), env, log);
  result.signed = html.signed;
  if (html.code !== 0) {
    result.error = `HTML export failed: ${errorSummary(html.stderr)}`;
    rmSync(tmpDir, { recursive: true, force: true });
    return result;
  }
  // plotly.js once, and the size budget (scripts/budget.ts).
  const oversize = [...budgetProblems(tmpNotebook, "notebook"), ...budgetProblems(path.join(tmpDir, `${name}.html`), "page")];
  if (oversize.length > 0) {
    result.error = `Size budget: ${oversize.join("; ")}`;
    rmSync(tmpDir, { recursive: true, force: true });
    return result;
  }
  // Move into place only when both files are complete.
  result.executed = path.join(executedDir, `${name}.ipynb`);
  result.html = path.join(siteDir, `${name}.html`);
  renameSync(tmpNotebook, result.executed);
  renameSync(path.join(tmpDir, `${name}.html`), result.html);
  rmSync(tmpDir, { recursive: true, force: true });
  result.status = "ok";
  return result;
}


/** Prints the summary table. */
function printTable(results: NotebookResult[]): void {
  const rows = results.map((r) => [
    r.name,
    r.status,
    r.seconds.toFixed(1),
    Object.entries(r.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(", "),
  ]);
  const header = ["notebook", "status", "seconds", "key metrics"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 3 ? r[i].length : 0))));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  rows.forEach((r) => console.log(line(r)));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const notebooks = selectNotebooks(options.names);
  let nbconvert: string;
  try {
    nbconvert = checkJupyter();
  } catch (error) {
    console.error(`workbook: ${(error as Error).message}`);
    process.exit(1);
  }
  const env = jupyterEnv(options.backend ? { RNN_WORKBOOK_BACKEND: options.backend } : {});
  mkdirSync(options.out, { recursive: true });
  console.log(`Executing ${notebooks.length} notebook(s) with nbconvert ${nbconvert} into ${path.relative(process.cwd(), options.out) || "."}`);

  const results: NotebookResult[] = new Array(notebooks.length); // in the notebooks' own order
  const order = executionOrder(notebooks, previousSummary(options.out));
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const i = order[next++];
      const result = await runNotebook(notebooks[i], options, env);
      results[i] = result;
      console.log(`  ${result.status === "ok" ? "ok    " : "FAILED"} ${result.name} (${result.seconds.toFixed(1)} s)`);
      if (result.error) console.log(result.error.split("\n").map((l) => `      ${l}`).join("\n"));
      if (result.signed === false) console.log(`      warning: could not sign the executed notebook (see ${result.log}); its charts show once it is trusted`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, notebooks.length) }, worker));

  const summary: WorkbookSummary = {
    started: new Date().toISOString(),
    backend: options.backend ?? process.env.RNN_WORKBOOK_BACKEND ?? "auto",
    nbconvert,
    notebooks: results,
    ok: results.every((r) => r.status === "ok"),
  };
  const summaryFile = path.join(options.out, "summary.json");
  writeFileSync(`${summaryFile}.tmp`, JSON.stringify(summary, null, 2) + "\n");
  renameSync(`${summaryFile}.tmp`, summaryFile);
  writeSite(options.out, summary);
  rmSync(path.join(options.out, "tmp"), { recursive: true, force: true });

  console.log("");
  printTable(results);
  console.log(`\nSummary: ${path.relative(process.cwd(), summaryFile)}; site: ${path.relative(process.cwd(), path.join(options.out, "site", "index.html"))}`);
  const failed = results.filter((r) => r.status !== "ok").length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
