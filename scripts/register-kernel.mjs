#!/usr/bin/env node
// Registers the tslab TypeScript kernel of this checkout so that Jupyter finds it.
// Runs after `npm install` / `npm ci` (root "postinstall"); needs no root and no Python:
// a kernelspec is a folder holding kernel.json, which is written here directly.
//
// * Always: <repo>/.jupyter/kernels/tslab — used by `npm start` and `npm run workbook`,
//   which put <repo>/.jupyter first on JUPYTER_PATH.
// * Also, for a plain `jupyter notebook` / `jupyter lab`: the per-user kernel folder
//   (~/.local/share/jupyter/kernels/tslab), unless RNN_WORKBOOK_USER_KERNEL=0, or a tslab
//   kernel of another installation is already registered there (left alone, with a note).
//
// For a shared machine (JupyterHub, a classroom server), register it for every user instead:
//   node scripts/register-kernel.mjs --prefix /usr/local   → /usr/local/share/jupyter/kernels/tslab
//   node scripts/register-kernel.mjs --sys-prefix          → <sys.prefix of Jupyter's python>/share/jupyter/kernels/tslab
// Only that folder is written then. Every kernelspec sets NODE_PATH to this checkout's
// node_modules, so a notebook in any folder imports `rnn-workbook` (lib/src/kernel.ts lets
// TypeScript find it there too).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tslabBin = join(repo, "node_modules", "tslab", "bin", "tslab");
/** The workbook's kernel entry point: tslab with readable errors, interrupts and a ready backend (lib/src/kernel.ts). */
const kernelEntry = join(repo, "lib", "dist", "kernel.js");

/** The kernel.json of this checkout's TypeScript kernel. */
function kernelSpec() {
  return {
    argv: [process.execPath, kernelEntry, "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
    // The library and its dependencies for notebooks in any folder (see lib/src/kernel.ts).
    env: { NODE_PATH: join(repo, "node_modules") },
    metadata: { "rnn-workbook": { repo } },
  };
}

/** Writes `text` to `file` atomically (temporary file, then rename). */
function writeAtomic(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The per-user Jupyter data folder, as Jupyter computes it on Linux and macOS. */
function userDataDir() {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** Where the kernel registered in `dir` points, or null. */
function registeredBinary(dir) {
  try {
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    return spec.argv.find((a) => typeof a === "string" && (a.endsWith(join("tslab", "bin", "tslab")) || a.endsWith(join("dist", "kernel.js")))) ?? spec.argv[0];
  } catch {
    return null;
  }
}

/** Parses `--prefix DIR`, `--prefix=DIR`, `--sys-prefix` and `--python PATH`; exits with usage on anything else. */
function parseArgs(argv) {
  const options = { prefix: undefined, sysPrefix: false, python: undefined };
  const usage = (message) => {
    console.error(`register-kernel: ${message}\nUsage: node scripts/register-kernel.mjs [--prefix DIR | --sys-prefix [--python PATH]]`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--prefix" || arg === "--python") {
      const value = argv[++i];
      if (!value || value.startsWith("--")) usage(`${arg} needs a value, e.g. ${arg === "--prefix" ? "--prefix /usr/local" : "--python /usr/bin/python3"}`);
      options[arg.slice(2)] = value;
    } else if (arg.startsWith("--prefix=")) options.prefix = arg.slice("--prefix=".length);
    else if (arg.startsWith("--python=")) options.python = arg.slice("--python=".length);
    else if (arg === "--sys-prefix") options.sysPrefix = true;
    else usage(`unknown argument ${arg}`);
  }
  if (options.prefix !== undefined && options.sysPrefix) usage("use --prefix or --sys-prefix, not both");
  if (options.prefix === "") usage("--prefix needs a folder");
  return options;
}

/** sys.prefix of the Python that runs Jupyter (Debian: /usr/bin/python3, whose prefix is /usr). */
function sysPrefix(python) {
  const candidates = python ? [python] : ["/usr/bin/python3", "python3"];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    if (probe.status === 0 && probe.stdout.trim() !== "") return probe.stdout.trim();
  }
  console.error(`register-kernel: could not run ${candidates.join(" or ")} to find sys.prefix; pass --python PATH or use --prefix DIR.`);
  process.exit(1);
}

/** Registers the kernel for every user of a machine, in `<prefix>/share/jupyter/kernels/tslab`. */
function registerSystemWide(prefix, text) {
  const dir = join(resolve(prefix), "share", "jupyter", "kernels", "tslab");
  try {
    writeAtomic(join(dir, "kernel.json"), text);
  } catch (error) {
    console.error(`register-kernel: could not write ${dir} (${error.message}). Run it as a user who may write there, e.g. with sudo.`);
    process.exit(1);
  }
  console.log(
    `TypeScript kernel "tslab" registered for every user in ${dir}\n` +
      `  Jupyter servers find it when ${join(resolve(prefix), "share", "jupyter")} is on their data path (jupyter --paths);\n` +
      `  notebooks in any folder import "rnn-workbook" from ${join(repo, "node_modules")}. To remove it: rm -r ${dir}`,
  );
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(tslabBin)) {
    console.error(`register-kernel: ${tslabBin} is missing; run npm install first.`);
    process.exit(1);
  }
  if (!existsSync(kernelEntry)) {
    console.error(`register-kernel: ${kernelEntry} is missing; build the library first: npm run build`);
    process.exit(1);
  }
  const text = JSON.stringify(kernelSpec(), null, 2) + "\n";
  if (options.prefix !== undefined || options.sysPrefix) {
    registerSystemWide(options.prefix ?? sysPrefix(options.python), text);
    return;
  }
  const local = join(repo, ".jupyter", "kernels", "tslab");
  writeAtomic(join(local, "kernel.json"), text);
  console.log(`TypeScript kernel "tslab" registered for this workbook in ${local}`);

  if (process.env.RNN_WORKBOOK_USER_KERNEL !== "0") {
    const user = join(userDataDir(), "kernels", "tslab");
    const existing = registeredBinary(user);
    if (existing && existing !== kernelEntry && existing !== tslabBin && existsSync(existing)) {
      console.log(
        `A tslab kernel of another installation is registered in ${user} (${existing}); left as it is.\n` +
          `  npm start and npm run workbook use this workbook's kernel anyway. To use it from a plain "jupyter notebook",\n` +
          `  run: JUPYTER_PATH=${join(repo, ".jupyter")} jupyter notebook`,
      );
    } else {
      try {
        writeAtomic(join(user, "kernel.json"), text);
        console.log(`...and for your user in ${user}, so a plain "jupyter notebook" or "jupyter lab" finds it.`);
      } catch (error) {
        console.log(`Could not register the kernel in ${user} (${error.message}); npm start still works.`);
      }
    }
  }

  const jupyter = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" });
  if (jupyter.status !== 0) {
    console.log(
      "\nJupyter was not found (the workbook needs `jupyter nbconvert` and a notebook UI). Install it:\n" +
        "  Debian/Ubuntu:  sudo apt-get install -y jupyter-nbconvert jupyter-notebook jupyter-nbformat python3-ipykernel\n" +
        "  elsewhere:      pip install jupyterlab nbconvert\n" +
        "then run the workbook with: npm run workbook",
    );
  }
}

main();
