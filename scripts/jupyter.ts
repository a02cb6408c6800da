/**
 * What the workbook's scripts need from Jupyter: finding it, the environment
 * that makes it use this checkout's TypeScript kernel, and running nbconvert.
 */
import { spawn, spawnSync } from "child_process";
import { existsSync } from "fs";
import * as path from "path";

/** The repository root. */
export const REPO = path.resolve(__dirname, "..");
/** The folder holding the notebooks. */
export const NOTEBOOKS_DIR = path.join(REPO, "notebooks");
/** The project-local Jupyter data folder holding the kernelspec (see scripts/register-kernel.mjs). */
export const LOCAL_JUPYTER = path.join(REPO, ".jupyter");

/** How to install Jupyter, for error messages. */
export const INSTALL_JUPYTER =
  "Install Jupyter: on Debian/Ubuntu `sudo apt-get install -y jupyter-nbconvert jupyter-notebook jupyter-nbformat python3-ipykernel`, " +
  "elsewhere `pip install jupyterlab nbconvert`.";

/**
 * The workbook's Jupyter server configuration (scripts/jupyter-config): a pre-save hook that
 * keeps exactly one copy of plotly.js in every saved notebook with charts.
 */
export const JUPYTER_CONFIG = path.join(REPO, "scripts", "jupyter-config");

/** The environment for Jupyter: this checkout's kernel first on JUPYTER_PATH, its server configuration on JUPYTER_CONFIG_PATH. */
export function jupyterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const prepend = (first: string, current: string | undefined) => (current ? `${first}${path.delimiter}${current}` : first);
  return {
    ...process.env,
    JUPYTER_PATH: prepend(LOCAL_JUPYTER, process.env.JUPYTER_PATH),
    JUPYTER_CONFIG_PATH: prepend(JUPYTER_CONFIG, process.env.JUPYTER_CONFIG_PATH),
    ...extra,
  };
}

/** Throws a clear error unless `jupyter nbconvert` runs and the kernel is registered. */
export function checkJupyter(): string {
  const probe = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8", env: jupyterEnv() });
  if (probe.error || probe.status !== 0) {
    throw new Error(`jupyter nbconvert was not found or failed (${probe.error?.message ?? probe.stderr.trim()}). ${INSTALL_JUPYTER}`);
  }
  if (!existsSync(path.join(LOCAL_JUPYTER, "kernels", "tslab", "kernel.json"))) {
    const register = spawnSync(process.execPath, [path.join(REPO, "scripts", "register-kernel.mjs")], { stdio: "inherit" });
    if (register.status !== 0) throw new Error("Registering the tslab kernel failed; run `npm install` again.");
  }
  return probe.stdout.trim();
}

/** The result of one command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command without a shell, capturing its output, killing it after `timeoutSeconds`. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutSeconds?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = options.timeoutSeconds
      ? setTimeout(() => {
          stderr += `\n[killed after ${options.timeoutSeconds} s]`;
          child.kill("SIGKILL");
        }, options.timeoutSeconds * 1000)
      : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
