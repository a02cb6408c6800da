#!/usr/bin/env node
/**
 * The `rnn-workbook` command (the library package's `bin`):
 *
 *     rnn-workbook init <folder> [--user | --prefix <dir> | --system] [--kernel-name <name>] [--no-install]
 *     rnn-workbook kernel <folder> [--user | --prefix <dir> | --system] [--kernel-name <name>]
 *     rnn-workbook --help
 *
 * Imports only Node's modules and the course module: it must start where the library's
 * own dependencies are not installed (`npx --package <repo>/lib`).
 */
import { existsSync } from "fs";
import * as path from "path";
import { formatReport, initCourse, KernelScope, registerKernel } from "./course";
import { described, fail, WorkbookInputError } from "./validate";

/** The commands, as `--help` lists them. */
export const COMMANDS = ["init", "kernel"] as const;

/** The help text. */
export const HELP = `Usage:
  rnn-workbook init <folder> [options]    create or update a course folder
  rnn-workbook kernel <folder> [options]  only register the folder's Jupyter kernel
                                          (e.g. in CI, or after cloning a course repository and npm ci)
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
  if (!(COMMANDS as readonly string[]).includes(command)) fail("command", `one of ${COMMANDS.map((c) => `"${c}"`).join(", ")}`, command, HOW);
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

/** Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad arguments). */
export function main(argv: string[]): number {
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
