#!/usr/bin/env node
/**
 * The `rnn-workbook` command (the library package's `bin`):
 *
 *     rnn-workbook init <folder> [--user | --prefix <dir> | --system] [--kernel-name <name>] [--no-install]
 *     rnn-workbook kernel <folder> [--user | --prefix <dir> | --system] [--kernel-name <name>]
 *     rnn-workbook student-edition [notebooks…] [--out <dir>]
 *     rnn-workbook grade <submissions…> [--notebooks <dir>] [--out <dir>] [--timeout <s>] [--jobs <n>] [--memory <MB>] …
 *     rnn-workbook --help
 *
 * Imports only Node's modules and tf-free modules (course, grading, grader): it must start
 * where the library's own dependencies are not installed (`npx --package <repo>/lib`).
 */
import { existsSync } from "fs";
import * as path from "path";
import { formatReport, initCourse, KernelScope, registerKernel } from "./course";
import { gradeSubmissions, notebooksIn, writeStudentEditions } from "./grader";
import { described, fail, WorkbookInputError } from "./validate";

/** The commands, as `--help` lists them. */
export const COMMANDS = ["init", "kernel", "student-edition", "grade"] as const;

/** The help text. */
export const HELP = `Usage:
  rnn-workbook init <folder> [options]    create or update a course folder
  rnn-workbook kernel <folder> [options]  only register the folder's Jupyter kernel
                                          (e.g. in CI, or after cloning a course repository and npm ci)
  rnn-workbook student-edition [notebooks...] [--out <dir>]
                                          the student notebooks: solutions replaced by a stub, hidden tests
                                          removed, outputs cleared (default: every notebook in notebooks/,
                                          into build/student)
  rnn-workbook grade <submissions...> [--notebooks <dir>] [--out <dir>] [--timeout <seconds>] [--jobs <n>]
                     [--memory <MB>] [--kernel <name>] [--datasets <dir>] [--python <path>]
                                          run each submitted notebook with the instructor's checks (hidden
                                          cases included); a table of submissions x exercises in
                                          <out>/grades.csv and grades.json, feedback/<name>.md per submission
                                          (defaults: notebooks/, build/grades, 600 s, 1 job, 4096 MB,
                                          the notebook's own kernel)
  rnn-workbook --help

init writes into <folder> (created if missing):
  package.json                  the library (vendor/rnn-workbook-<version>.tgz, a copy), tslab, the danfo override
  vendor/rnn-workbook-*.tgz     the library, packed: the folder keeps working when the workbook checkout moves
  notebooks/00-starter.ipynb    a starter notebook: load data, train a small seeded LSTM, chart, check cell
  .github/workflows/notebooks.yml  CI: Jupyter from apt, npm ci, every notebook through jupyter nbconvert --execute
  .gitignore, .rnn-workbook.json   (the latter records what init wrote, so a re-run skips files you edited)
then runs npm install and registers a kernel that starts <folder>/node_modules/tslab with this Node.

Options:
  --user                 register the kernel for your user (default): $JUPYTER_DATA_DIR, else ~/.local/share/jupyter
  --prefix <dir>         register it in <dir>/share/jupyter/kernels (then JUPYTER_PATH=<dir>/share/jupyter)
  --system               register it for every user of this machine: /usr/local/share/jupyter/kernels (needs root)
  --kernel-name <name>   the kernel's name (default: the one init used before, else tslab-<folder name>)
  --no-install           init only: do not run npm install
  -h, --help             this text

Re-running init is safe: a file you changed since init wrote it is left alone and reported as skipped.`;

/** Parsed command line. */
export interface CliArguments {
  /** `init`, `kernel`, or `help`. */
  command: "init" | "kernel" | "help";
  /** The course folder. */
  folder?: string;
  /** Where the kernel goes. */
  scope: KernelScope;
  /** With scope "prefix". */
  prefix?: string;
  /** Explicit kernel name. */
  kernelName?: string;
  /** Run npm install (init). */
  install: boolean;
}

const HOW = "Run `rnn-workbook --help` for the usage.";

/** Parses `argv` (without node and the script), failing with a WorkbookInputError on anything unexpected. */
export function parseArguments(argv: string[]): CliArguments {
  if (argv.length === 0) fail("command", `one of ${COMMANDS.map((c) => `"${c}"`).join(", ")}`, described("no arguments"), `E.g. rnn-workbook init my-course. ${HOW}`);
  if (argv.includes("--help") || argv.includes("-h")) return { command: "help", scope: "user", install: true };
  const [command, ...rest] = argv;
  if (!["init", "kernel"].includes(command)) fail("command", `one of ${COMMANDS.map((c) => `"${c}"`).join(", ")}`, command, HOW);
  const parsed: CliArguments = { command: command as "init" | "kernel", scope: "user", install: true };
  const scopes: string[] = [];
  const valueOf = (flag: string, i: number): string => {
    const value = rest[i + 1];
    if (value === undefined || value.startsWith("--")) fail(flag, "a value after it", value === undefined ? described("nothing") : value, `E.g. ${flag === "--prefix" ? "--prefix /opt/jupyter" : "--kernel-name tslab-my-course"}.`);
    return value;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--user" || arg === "--system") scopes.push(arg);
    else if (arg === "--prefix") {
      scopes.push(arg);
      parsed.prefix = valueOf(arg, i++);
    } else if (arg === "--kernel-name") parsed.kernelName = valueOf(arg, i++);
    else if (arg === "--no-install" && command === "init") parsed.install = false;
    else if (arg.startsWith("-")) fail("option", `one of --user, --prefix <dir>, --system, --kernel-name <name>${command === "init" ? ", --no-install" : ""}`, arg, HOW);
    else if (parsed.folder === undefined) parsed.folder = arg;
    else fail("<folder>", "a single folder", described(`a second one, ${JSON.stringify(arg)}, after ${JSON.stringify(parsed.folder)}`), `Quote a path with spaces. ${HOW}`);
  }
  if (parsed.folder === undefined) fail("<folder>", "the course folder's path", described("none"), `E.g. rnn-workbook ${command} my-course.`);
  if (scopes.length > 1) fail("options", "at most one of --user, --prefix <dir>, --system", described(scopes.join(" and ")), "Pick where the kernel goes.");
  if (scopes[0]) parsed.scope = scopes[0].slice(2) as KernelScope;
  return parsed;
}

/** Parsed `student-edition` / `grade` command line. */
export interface GradingArguments {
  /** Which command. */
  command: "student-edition" | "grade";
  /** Notebooks (student-edition) or submissions (grade). */
  files: string[];
  /** --out. Default: build/student or build/grades. */
  out: string;
  /** --notebooks (grade). Default: notebooks. */
  notebooks: string;
  /** --timeout seconds (grade). Default: 600. */
  timeoutSeconds?: number;
  /** --jobs (grade). Default: 1. */
  jobs?: number;
  /** --memory MB (grade). Default: 4096. */
  memoryMb?: number;
  /** --kernel (grade). */
  kernel?: string;
  /** --datasets (grade). */
  datasets?: string;
  /** --python (grade). */
  python?: string;
}

/** Parses the arguments after `student-edition` or `grade`, failing with a WorkbookInputError on anything unexpected. */
export function parseGradingArguments(command: "student-edition" | "grade", rest: string[]): GradingArguments {
  const parsed: GradingArguments = { command, files: [], out: path.join("build", command === "grade" ? "grades" : "student"), notebooks: "notebooks" };
  const flags = command === "grade" ? ["--out", "--notebooks", "--timeout", "--jobs", "--memory", "--kernel", "--datasets", "--python"] : ["--out"];
  const number = (flag: string, text: string, integer: boolean): number => {
    const value = Number(text);
    if (!(value > 0) || (integer && !Number.isInteger(value))) fail(flag, integer ? "a positive integer" : "a positive number", text);
    return value;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith("--")) {
      parsed.files.push(arg);
      continue;
    }
    if (!flags.includes(arg)) fail("option", `one of ${flags.join(", ")}`, arg, HOW);
    const value = rest[++i];
    if (value === undefined || value.startsWith("--")) fail(arg, "a value after it", value === undefined ? described("nothing") : value, HOW);
    if (arg === "--out") parsed.out = value;
    else if (arg === "--notebooks") parsed.notebooks = value;
    else if (arg === "--timeout") parsed.timeoutSeconds = number(arg, value, false);
    else if (arg === "--jobs") parsed.jobs = number(arg, value, true);
    else if (arg === "--memory") parsed.memoryMb = number(arg, value, true);
    else if (arg === "--kernel") parsed.kernel = value;
    else if (arg === "--datasets") parsed.datasets = value;
    else if (arg === "--python") parsed.python = value;
  }
  if (command === "grade" && parsed.files.length === 0) fail("<submissions>", "at least one submitted .ipynb file", described("none"), "E.g. rnn-workbook grade submissions/*.ipynb.");
  return parsed;
}

/** Runs `student-edition` or `grade`; the exit code (0 when it worked, whatever the scores). */
async function gradingMain(args: GradingArguments): Promise<number> {
  if (args.command === "student-edition") {
    const notebooks = args.files.length > 0 ? args.files : notebooksIn(args.notebooks, "notebooks");
    const written = writeStudentEditions({ notebooks, out: args.out });
    for (const w of written) console.log(`  ${w.written}  (${w.exercises.length} exercise(s)${w.exercises.length ? `: ${w.exercises.join(", ")}` : ""})`);
    console.log(`Student edition of ${written.length} notebook(s) in ${args.out}.`);
    return 0;
  }
  const report = await gradeSubmissions({
    submissions: args.files,
    notebooks: args.notebooks,
    out: args.out,
    timeoutSeconds: args.timeoutSeconds,
    jobs: args.jobs,
    memoryMb: args.memoryMb,
    kernel: args.kernel,
    datasets: args.datasets,
    python: args.python,
  });
  console.log(`\n${report.table}\n`);
  const graded = report.rows.filter((r) => r.status === "graded");
  console.log(`${graded.length} of ${report.rows.length} submission(s) graded; ${graded.reduce((n, r) => n + r.passed, 0)} of ${graded.reduce((n, r) => n + r.total, 0)} exercises passed.`);
  console.log(`Table: ${path.join(args.out, "grades.csv")} and grades.json; feedback: ${path.join(args.out, "feedback")}/`);
  return 0;
}

/** Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad arguments). */
export function main(argv: string[]): number | Promise<number> {
  if (argv[0] === "student-edition" || argv[0] === "grade") {
    const command = argv[0];
    const rest = argv.slice(1);
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(HELP);
      return 0;
    }
    const failed = (error: unknown): number => {
      if (error instanceof WorkbookInputError) {
        console.error(`rnn-workbook: ${error.message}`);
        return 2;
      }
      console.error(`rnn-workbook: ${(error as Error).stack ?? error}`);
      return 1;
    };
    try {
      return gradingMain(parseGradingArguments(command, rest)).catch(failed);
    } catch (error) {
      return failed(error);
    }
  }
  let args: CliArguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof WorkbookInputError)) throw error;
    console.error(`rnn-workbook: ${error.message}`);
    return 2;
  }
  if (args.command === "help") {
    console.log(HELP);
    return 0;
  }
  try {
    if (args.command === "kernel") {
      if (!existsSync(path.resolve(args.folder!))) fail("<folder>", "an existing course folder", args.folder, "Run rnn-workbook init <folder> first, or give the path of the folder holding package.json.");
      const { report, kernelName, kernelDir } = registerKernel({ folder: args.folder!, scope: args.scope, prefix: args.prefix, kernelName: args.kernelName });
      console.log(`  ${report.action.padEnd(9)} ${report.file}${report.reason ? ` — ${report.reason}` : ""}`);
      if (report.action === "skipped") return 1;
      console.log(`Kernel "${kernelName}" registered in ${kernelDir}.`);
      const tslab = path.join(path.resolve(args.folder!), "node_modules", "tslab", "bin", "tslab");
      if (!existsSync(tslab)) console.log(`Note: ${tslab} does not exist yet; run npm ci (or npm install) in the folder.`);
      return 0;
    }
    const report = initCourse({ folder: args.folder!, scope: args.scope, prefix: args.prefix, kernelName: args.kernelName, install: args.install });
    console.log(`Course folder ${report.folder}:`);
    for (const line of formatReport(report, args.scope, args.prefix)) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof WorkbookInputError) {
      console.error(`rnn-workbook: ${error.message}`);
      return 2;
    }
    console.error(`rnn-workbook: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) void Promise.resolve(main(process.argv.slice(2))).then((code) => (process.exitCode = code));
