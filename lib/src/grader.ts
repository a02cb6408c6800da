/**
 * `rnn-workbook student-edition` and `rnn-workbook grade`: the files and the
 * runs around the pure transforms of ./grading. Introduced with the exercises at
 * the end of every notebook (notebook 00 on).
 *
 * Grading executes each submission headless in its own kernel, in a fresh
 * temporary folder holding only the submission and a copy of the data sets,
 * with a time limit and a heap limit for the kernel's Node process, through
 * nbclient (Jupyter's own executor, driven by a small Python script written
 * next to that folder). It is not a sandbox: the code runs as the user who
 * grades, with their files and network (see README, "Exercises, student edition
 * and grading").
 *
 * Imports only Node's modules and tf-free lib modules: it runs from the
 * `rnn-workbook` command where TensorFlow.js is not needed.
 */
import { spawn, spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import {
  exerciseLayout,
  feedbackMarkdown,
  gradesCsv,
  gradesTable,
  identifyNotebook,
  InstructorNotebook,
  leakedLines,
  NotebookDocument,
  NotebookLayoutError,
  notebookText,
  parseNotebook,
  prepareSubmission,
  readGrades,
  studentEdition,
  SubmissionGrade,
  type CellRun,
} from "./grading";
import { writeAtomic } from "./course";
import { EXERCISE_MIME } from "./exercises";
import { described, fail } from "./validate";

/** The notebooks of a folder, sorted; a clear error when it has none. */
export function notebooksIn(dir: string, what = "--notebooks"): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(what, "a folder of notebooks", described(`${dir}, which is not a folder`), "Give the folder holding the instructor's .ipynb files.");
  return readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}

/** Options of {@link writeStudentEditions}. */
export interface StudentEditionOptions {
  /** The instructor's notebooks (files). Required. */
  notebooks: string[];
  /** The folder to write the student notebooks into (same file names). Required. */
  out: string;
}

/** One notebook written by {@link writeStudentEditions}. */
export interface StudentEditionReport {
  /** The instructor's notebook. */
  source: string;
  /** The student notebook written. */
  written: string;
  /** Its exercise ids. */
  exercises: string[];
}

/**
 * Writes the student edition of every notebook (see `studentEdition`) into
 * `out`, each atomically. Checks every notebook first, so a malformed one stops
 * the run before anything is written; the error lists each problem.
 */
export function writeStudentEditions(options: StudentEditionOptions): StudentEditionReport[] {
  if (!Array.isArray(options.notebooks) || options.notebooks.length === 0) fail("notebooks", "at least one .ipynb file", options.notebooks);
  const editions = options.notebooks.map((file) => {
    if (!existsSync(file)) fail("notebooks", "existing .ipynb files", described(`${file}, which does not exist`));
    const name = path.basename(file);
    const nb = parseNotebook(readFileSync(file, "utf8"), name);
    const edition = studentEdition(nb, name);
    const leaked = leakedLines(nb, edition, name);
    if (leaked.length > 0) throw new NotebookLayoutError(name, leaked.map((l) => `solution text would survive in the student edition: ${JSON.stringify(l)}`));
    return { file, name, exercises: exerciseLayout(nb, name).map((e) => e.id), edition };
  });
  const names = editions.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) fail("notebooks", "notebooks with different file names (they all go into one folder)", described(`${twice} twice`));
  return editions.map((e) => {
    const written = path.join(options.out, e.name);
    if (path.resolve(written) === path.resolve(e.file)) fail("--out", "a folder other than the instructor notebooks' own", options.out, "The student edition would overwrite the solutions.");
    writeAtomic(written, notebookText(e.edition));
    return { source: e.file, written, exercises: e.exercises };
  });
}

// ---------------------------------------------------------------- grading

/** Seconds a kernel may take to start (tried twice), not counted in a submission's time limit. */
export const KERNEL_STARTUP_SECONDS = 120;

/** Runs of one submission at most: a cell that runs out of time or kills the kernel is left out of the next run. */
export const MAX_PASSES = 3;

/** Output kept per cell of a submission (characters of the messages); the rest is dropped with a note. */
export const MAX_OUTPUT_CHARACTERS = 1_000_000;

/** Options of {@link gradeSubmissions}. */
export interface GradeOptions {
  /** The submitted notebooks (files). Required. */
  submissions: string[];
  /** The folder of the instructor's notebooks. Required. */
  notebooks: string;
  /** Where the table, the feedback pages and the executed submissions go. Required. */
  out: string;
  /** Seconds each submission's cells may run in all, counted once its kernel is ready (the start has its own limit, {@link KERNEL_STARTUP_SECONDS}). Default: 600. */
  timeoutSeconds?: number;
  /** Submissions graded side by side. Default: 1. */
  jobs?: number;
  /** Heap limit of the kernel's Node process, MB (`--max-old-space-size`). Default: 4096. */
  memoryMb?: number;
  /** The folder of data sets copied next to each submission. Default: `RNN_WORKBOOK_DATASETS`, else the nearest `datasets/` at or above the instructor notebooks' folder, else the library's own. */
  datasets?: string;
  /** The Python with Jupyter's nbclient. Default: `RNN_WORKBOOK_PYTHON`, else the interpreter of the `jupyter` command, else `python3`. */
  python?: string;
  /** The kernel to run every submission on. Default: the instructor notebook's kernelspec. */
  kernel?: string;
  /** The environment of the runs (e.g. with JUPYTER_PATH). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines. Default: `console.log`. */
  log?: (line: string) => void;
}

/** What {@link gradeSubmissions} wrote. */
export interface GradeReport {
  /** One row per submission, in the order given. */
  rows: SubmissionGrade[];
  /** The CSV table. */
  csv: string;
  /** The JSON table. */
  json: string;
  /** The table as text. */
  table: string;
}

/** The data sets folder to copy next to each submission. */
export function defaultDatasets(notebooksDir: string): string | null {
  const env = process.env.RNN_WORKBOOK_DATASETS;
  if (env && existsSync(env)) return path.resolve(env);
  for (let dir = path.resolve(notebooksDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "datasets");
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  for (const candidate of [path.resolve(__dirname, "..", "datasets"), path.resolve(__dirname, "..", "..", "datasets")]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The Python that runs the `jupyter` command (its `#!` line), else `python3`. */
export function defaultPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RNN_WORKBOOK_PYTHON) return env.RNN_WORKBOOK_PYTHON;
  const which = spawnSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8", env });
  const jupyter = which.stdout?.trim();
  if (jupyter && existsSync(jupyter)) {
    const first = readFileSync(jupyter, "utf8").split("\n")[0];
    const match = first.match(/^#!\s*(\S+)(?:\s+(\S+))?/);
    if (match && !match[1].endsWith("/env") && existsSync(match[1])) return match[1];
    if (match?.[2]) return match[2];
  }
  return "python3";
}

/**
 * The runner: starts a fresh kernel (twice at most, each within its own start-up
 * limit), then executes the notebook's code cells in order with nbclient, errors
 * allowed, all within the time limit counted from then, keeping each cell's output
 * below a size. A cell that runs out of time or kills the kernel ends that pass;
 * when checks follow it, a new pass in a fresh kernel runs the notebook again
 * without it (at most {@link MAX_PASSES} passes), and its results count for the
 * cells after it. Writes the executed
 * notebook and a per-cell report. The kernel's pid goes to a file, so the
 * caller can kill it if the runner itself is killed.
 */
export const RUNNER_PY = String.raw`
import json, os, sys, time
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
import nbformat

spec = json.load(open(sys.argv[1]))
deadline = time.monotonic() + spec["startup"]  # until the kernel is ready; then the time limit for the cells
nb = nbformat.read(spec["notebook"], as_version=4)
env = dict(os.environ)
env.update(spec["env"])
runs = []
failure = None

def remaining():
    return deadline - time.monotonic()

def save():
    tmp = spec["result"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"runs": runs, "failure": failure}, f)
    os.replace(tmp, spec["result"])

class CappedClient(NotebookClient):
    """Keeps at most spec["maxOutput"] characters of output per cell, then one note; errors and exercise results always."""
    sizes = {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "error" or spec["exerciseMime"] in (content.get("data") or {}):
            return super().output(outs, msg, display_id, cell_index)
        size = self.sizes.get(cell_index, 0) + len(str(msg.get("content", "")))
        self.sizes[cell_index] = size
        if size > spec["maxOutput"]:
            if size - len(str(msg.get("content", ""))) <= spec["maxOutput"]:
                outs.append(nbformat.v4.new_output("stream", name="stderr", text="[grader: output cut off after %d characters]\n" % spec["maxOutput"]))
            return None
        return super().output(outs, msg, display_id, cell_index)

client = CappedClient(nb, kernel_name=spec["kernel"], allow_errors=True, shutdown_kernel="immediate",
                      record_timing=False, startup_timeout=spec["startup"], iopub_timeout=5)
cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
checks = set(spec["checks"])

def start_kernel():
    """Starts a fresh kernel, trying twice; None when it started, else why not."""
    why = None
    for attempt in range(2):
        try:
            client.km = client.create_kernel_manager()
            client.start_new_kernel(cwd=spec["cwd"], env=env)
            client.start_new_kernel_client()
            try:
                with open(spec["pidfile"], "w") as f:
                    f.write(str(client.km.provisioner.pid or ""))
            except Exception:
                pass
            return None
        except Exception as e:
            why = "the kernel did not start: %s: %s" % (type(e).__name__, e)
            stop_kernel()
    return why

def stop_kernel():
    try:
        client._cleanup_kernel()
    except Exception:
        pass

# Pass 1 runs every code cell. When a cell runs out of time or kills the kernel, and checks
# follow it, the next pass runs the notebook again in a fresh kernel without the cells that
# stopped a pass and without the checks already read; its results count from after that cell.
stops = []          # positions (in cells) of the cells that stopped a pass
results = {}        # cell id -> its run, from the pass that counts for it
for attempt in range(spec["passes"]):
    why = start_kernel()
    if why:
        if attempt == 0:
            failure = why
        break
    deadline = time.monotonic() + spec["timeout"]
    client.sizes = {}
    counts_from = stops[-1] + 1 if stops else 0
    stopped = None
    for pos, (index, cell) in enumerate(cells):
        cid = cell.get("id", "")
        if pos in stops or (pos < counts_from and cid in checks):
            continue
        left = remaining()
        reply = {}
        def keep(cell, cell_index, execute_reply):
            reply["content"] = execute_reply.get("content", {})
        client.on_cell_executed = keep
        if left <= 0:
            run = {"id": cid, "status": "time-out"}
        else:
            client.timeout = max(1, int(left))
            try:
                client.execute_cell(cell, index)
                content = reply.get("content", {})
                if content.get("status") == "error":
                    run = {"id": cid, "status": "error", "ename": content.get("ename") or "Error", "evalue": content.get("evalue") or ""}
                else:
                    run = {"id": cid, "status": "ok"}
            except CellTimeoutError:
                run = {"id": cid, "status": "time-out"}
            except DeadKernelError:
                run = {"id": cid, "status": "died"}
            except Exception as e:
                run = {"id": cid, "status": "died", "evalue": "%s: %s" % (type(e).__name__, e)}
        if pos >= counts_from:
            results[cid] = run
        if run["status"] in ("time-out", "died"):
            stopped = pos
            break
    stop_kernel()
    runs = [results.get(c.get("id", ""), {"id": c.get("id", ""), "status": "not run"}) for _, c in cells]
    save()
    if stopped is None:
        break
    stops.append(stopped)
    if not any(c.get("id", "") in checks for _, c in cells[stopped + 1:]):
        break

nbformat.write(nb, spec["output"] + ".tmp")
os.replace(spec["output"] + ".tmp", spec["output"])
save()
`;

/** Runs a command; resolves with its exit code and output; kills it (and the kernel in `pidfile`) after `seconds`. */
function runRunner(command: string, args: string[], env: NodeJS.ProcessEnv, seconds: number, pidfile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output = (output + d).slice(-20000)));
    const killKernel = () => {
      try {
        const pid = Number(readFileSync(pidfile, "utf8"));
        if (pid > 0) process.kill(pid, "SIGKILL");
      } catch {
        // no kernel, or already gone
      }
    };
    const timer = setTimeout(() => {
      output += `\n[killed after ${seconds} s]`;
      child.kill("SIGKILL");
      killKernel();
    }, seconds * 1000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}\n${error.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      killKernel(); // the runner shuts its kernel down; this only catches a kernel it left behind
      resolve({ code: code ?? 1, output });
    });
  });
}

/** A file name for a submission's outputs, unique within the run. */
function outputName(submission: string, taken: Set<string>): string {
  const base = path.basename(submission, ".ipynb").replace(/[^a-zA-Z0-9._-]+/g, "_") || "submission";
  const parent = path.basename(path.dirname(path.resolve(submission))).replace(/[^a-zA-Z0-9._-]+/g, "_");
  let name = taken.has(base) && parent ? `${parent}__${base}` : base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** Grades one submission; never throws (a problem becomes the row). */
async function gradeOne(
  submission: string,
  name: string,
  instructors: InstructorNotebook[],
  options: Required<Pick<GradeOptions, "out" | "timeoutSeconds" | "memoryMb" | "python">> & GradeOptions & { datasetsDir: string | null },
): Promise<SubmissionGrade> {
  const row: SubmissionGrade = { submission, status: "invalid", notes: [], exercises: [], passed: 0, total: 0, seconds: 0 };
  const started = Date.now();
  let nb: NotebookDocument;
  try {
    nb = parseNotebook(readFileSync(submission, "utf8"), path.basename(submission));
  } catch (error) {
    row.message = error instanceof NotebookLayoutError ? error.problems.join(" ") : `could not read it: ${(error as Error).message}`;
    return row;
  }
  const found = identifyNotebook(nb, instructors);
  if (!found.match) {
    row.status = "unrecognised";
    row.message = found.reason;
    return row;
  }
  if (found.reason) row.notes.push(found.reason);
  row.notebook = found.match.name;
  row.total = found.match.exercises.length;
  const plan = prepareSubmission(nb, found.match);
  row.notes.push(...plan.notes);
  const root = mkdtempSync(path.join(tmpdir(), "rnn-workbook-grade-"));
  try {
    const work = path.join(root, "work");
    mkdirSync(work);
    const notebookFile = path.join(work, `${found.match.name}.ipynb`);
    writeFileSync(notebookFile, notebookText(plan.notebook));
    if (options.datasetsDir) cpSync(options.datasetsDir, path.join(work, "datasets"), { recursive: true });
    const spec = {
      notebook: notebookFile,
      output: path.join(root, "executed.ipynb"),
      result: path.join(root, "result.json"),
      pidfile: path.join(root, "kernel.pid"),
      cwd: work,
      timeout: options.timeoutSeconds,
      startup: KERNEL_STARTUP_SECONDS,
      passes: MAX_PASSES,
      checks: found.match.exercises.map((e) => e.checkCell),
      maxOutput: MAX_OUTPUT_CHARACTERS,
      exerciseMime: EXERCISE_MIME,
      kernel: options.kernel ?? String((found.match.notebook.metadata?.kernelspec as { name?: string } | undefined)?.name ?? "tslab"),
      env: {
        NODE_OPTIONS: `--max-old-space-size=${options.memoryMb}`,
        ...(options.datasetsDir ? { RNN_WORKBOOK_DATASETS: path.join(work, "datasets") } : {}),
      },
    };
    writeFileSync(path.join(root, "spec.json"), JSON.stringify(spec));
    writeFileSync(path.join(root, "runner.py"), RUNNER_PY);
    const env = { ...(options.env ?? process.env) };
    delete env.NODE_OPTIONS;
    const hardLimit = MAX_PASSES * (options.timeoutSeconds + 2 * KERNEL_STARTUP_SECONDS) + 60; // the runner keeps the limits; this only stops a runner that hangs
    const result = await runRunner(options.python, [path.join(root, "runner.py"), path.join(root, "spec.json")], env, hardLimit, spec.pidfile);
    let runs: CellRun[] = [];
    let failure: string | null = null;
    if (existsSync(spec.result)) ({ runs, failure } = JSON.parse(readFileSync(spec.result, "utf8")) as { runs: CellRun[]; failure: string | null });
    if (failure || (runs.length === 0 && result.code !== 0)) {
      row.status = "failed";
      row.message = failure ?? `the runner failed (exit ${result.code}): ${result.output.trim().split("\n").slice(-5).join(" ")}`;
      if (/No module named/.test(result.output)) row.message += ` — ${options.python} lacks Jupyter's nbclient: install it (Debian: python3-nbclient) or pass --python.`;
      row.exercises = found.match.exercises.map((e) => ({ id: e.id, status: "not run" as const, hint: "the submission could not be run." }));
      return row;
    }
    const executed = existsSync(spec.output) ? (JSON.parse(readFileSync(spec.output, "utf8")) as NotebookDocument) : null;
    if (!executed) row.notes.push("the runner was stopped before it saved the executed notebook");
    row.exercises = readGrades(plan, executed, runs, { timeoutSeconds: options.timeoutSeconds, memoryMb: options.memoryMb });
    for (const stop of runs.filter((r) => r.status === "time-out" || r.status === "died")) {
      const what = stop.status === "time-out" ? `time limit of ${options.timeoutSeconds} s reached in cell ${stop.id}` : `the kernel died in cell ${stop.id}`;
      const resumed = runs.slice(runs.indexOf(stop) + 1).some((r) => r.status !== "not run");
      row.notes.push(resumed ? `${what}; the notebook ran again in a fresh kernel without it, for the cells after it` : what);
    }
    const lessonErrors = runs.filter((r) => r.status === "error" && !found.match!.exercises.some((e) => e.checkCell === r.id || e.answerCell === r.id));
    if (lessonErrors.length > 0) row.notes.push(`${lessonErrors.length} other cell(s) failed, first ${lessonErrors[0].id}: ${lessonErrors[0].ename}: ${(lessonErrors[0].evalue ?? "").split("\n")[0].slice(0, 200)}`);
    if (executed) writeAtomic(path.join(options.out, "executed", `${name}.ipynb`), notebookText(executed));
    row.status = "graded";
    row.passed = row.exercises.filter((e) => e.status === "pass").length;
    return row;
  } catch (error) {
    row.status = "failed";
    row.message = `grading failed: ${(error as Error).message}`;
    return row;
  } finally {
    row.seconds = Math.round((Date.now() - started) / 100) / 10;
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Grades every submission against the instructor's notebooks and writes
 * `grades.csv`, `grades.json`, `feedback/<name>.md` and `executed/<name>.ipynb`
 * under `out`. A submission that cannot be read, recognised or run gets a row
 * saying so; the others are graded all the same.
 */
export async function gradeSubmissions(options: GradeOptions): Promise<GradeReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!Array.isArray(options.submissions) || options.submissions.length === 0) fail("submissions", "at least one submitted .ipynb file", options.submissions, "E.g. rnn-workbook grade submissions/*.ipynb.");
  const timeoutSeconds = options.timeoutSeconds ?? 600;
  if (!(typeof timeoutSeconds === "number" && timeoutSeconds > 0)) fail("--timeout", "a positive number of seconds", timeoutSeconds);
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) fail("--jobs", "a positive integer", jobs);
  const memoryMb = options.memoryMb ?? 4096;
  if (!Number.isInteger(memoryMb) || memoryMb < 64) fail("--memory", "a whole number of MB, at least 64", memoryMb);
  for (const s of options.submissions) if (!existsSync(s)) fail("submissions", "existing files", described(`${s}, which does not exist`));
  const instructors: InstructorNotebook[] = notebooksIn(options.notebooks).map((file) => {
    const name = path.basename(file, ".ipynb");
    const notebook = parseNotebook(readFileSync(file, "utf8"), path.basename(file));
    return { name, notebook, exercises: exerciseLayout(notebook, path.basename(file)) };
  });
  if (instructors.length === 0) fail("--notebooks", "a folder holding the instructor's notebooks", described(`${options.notebooks}, which holds no .ipynb file`));
  const owner = new Map<string, string>();
  for (const inst of instructors) {
    for (const e of inst.exercises) {
      if (owner.has(e.id)) fail("--notebooks", "notebooks whose exercise ids differ (they are the columns of the table)", described(`exercise ${e.id} in both ${owner.get(e.id)} and ${inst.name}`), "Renumber one of them (NN.k, NN = the notebook's number).");
      owner.set(e.id, inst.name);
    }
  }
  const datasetsDir = options.datasets !== undefined ? path.resolve(options.datasets) : defaultDatasets(options.notebooks);
  if (options.datasets !== undefined && !existsSync(datasetsDir!)) fail("--datasets", "an existing folder", options.datasets);
  const python = options.python ?? defaultPython(options.env ?? process.env);
  const settings = { ...options, timeoutSeconds, memoryMb, python, datasetsDir };
  const taken = new Set<string>();
  const names = options.submissions.map((s) => outputName(s, taken));
  const rows: SubmissionGrade[] = new Array(options.submissions.length);
  log(`Grading ${options.submissions.length} submission(s) against ${instructors.length} notebook(s) in ${options.notebooks}; ${timeoutSeconds} s and ${memoryMb} MB each, ${jobs} at a time.`);
  let next = 0;
  const worker = async () => {
    while (next < options.submissions.length) {
      const i = next++;
      const row = await gradeOne(options.submissions[i], names[i], instructors, settings);
      row.feedback = path.join("feedback", `${names[i]}.md`);
      writeAtomic(path.join(options.out, row.feedback), feedbackMarkdown(row));
      rows[i] = row;
      log(`  ${row.submission}: ${row.status === "graded" ? `${row.passed}/${row.total} (${row.notebook})` : `${row.status} — ${row.message}`} [${row.seconds} s]`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, options.submissions.length) }, worker));
  const csv = gradesCsv(rows);
  const json = JSON.stringify({ graded: new Date().toISOString(), timeoutSeconds, memoryMb, notebooks: path.resolve(options.notebooks), submissions: rows }, null, 2) + "\n";
  writeAtomic(path.join(options.out, "grades.csv"), csv);
  writeAtomic(path.join(options.out, "grades.json"), json);
  return { rows, csv, json, table: gradesTable(rows) };
}
