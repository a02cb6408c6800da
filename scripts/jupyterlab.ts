/**
 * JupyterLab 4.5 from its npm packages (the `jupyterlab/` folder), for machines where no
 * JupyterLab is installed (Debian packages none, and pip may be unavailable): built on demand
 * into a cache under build/jupyterlab/, served by Debian's jupyter_server and jupyterlab_server
 * through jupyterlab/serve.py. Used by the browser tests (test/browser-lab.test.ts) and by
 * `npm start` as a fallback. `tsx scripts/jupyterlab.ts build` builds it ahead of time.
 *
 * The cache folder is named by a hash of the files that decide the build (package.json,
 * package-lock.json, index.js, webpack.config.js), so a changed lockfile builds afresh and an
 * unchanged one is built once. Only the built front end is kept (about 10 MB); the
 * dependencies (about 480 MB) are removed after the build.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { REPO, run } from "./jupyter";

/** The folder holding JupyterLab's package.json, lockfile, entry point, webpack config and server. */
export const LAB_SOURCE = path.join(REPO, "jupyterlab");
/** Where the builds are cached, one folder per build key. */
export const LAB_CACHE = path.join(REPO, "build", "jupyterlab");
/** The Python that runs Debian's Jupyter packages (the first `python3` on PATH may be another). */
export const JUPYTER_PYTHON = process.env.RNN_WORKBOOK_JUPYTER_PYTHON ?? "/usr/bin/python3";
/** The files of LAB_SOURCE that decide the build. */
const BUILD_INPUTS = ["package.json", "package-lock.json", "index.js", "webpack.config.js"] as const;

/** How to install the server side, for error messages. */
export const INSTALL_LAB_SERVER = "sudo apt-get install -y python3-jupyter-server python3-jupyterlab-server";

/** A hash of the files that decide the build (16 hex digits). */
export function labBuildKey(): string {
  const hash = createHash("sha256");
  for (const file of BUILD_INPUTS) hash.update(file).update("\0").update(readFileSync(path.join(LAB_SOURCE, file))).update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** The cache folder of the current build; its `build/` subfolder is what the server serves. */
export function labBuildDir(): string {
  return path.join(LAB_CACHE, labBuildKey());
}

/** What `ensureJupyterLab` did: the cache folder, and the seconds (wall and CPU) of each step it ran. */
export interface LabBuild {
  dir: string;
  cached: boolean;
  /** Seconds spent waiting for another process's build of the same key. */
  waited?: number;
  install?: { wall: number; cpu: number };
  build?: { wall: number; cpu: number };
}

/** The server-side packages missing from JUPYTER_PYTHON (empty when jupyter_server and jupyterlab_server import). */
export function missingLabServer(): string[] {
  const probe = spawnSync(JUPYTER_PYTHON, ["-c", "import jupyter_server, jupyterlab_server"], { encoding: "utf8" });
  return probe.error || probe.status !== 0 ? [`jupyter_server and jupyterlab_server for ${JUPYTER_PYTHON} (${INSTALL_LAB_SERVER})`] : [];
}

/** The process id of a live process building `dir` now (its `<dir>.tmp-<pid>` folder), else null. */
function runningBuild(dir: string): number | null {
  for (const entry of existsSync(LAB_CACHE) ? readdirSync(LAB_CACHE) : []) {
    if (!entry.startsWith(`${path.basename(dir)}.tmp-`)) continue;
    const pid = Number(entry.slice(entry.lastIndexOf("-") + 1));
    if (pid === process.pid || !Number.isInteger(pid)) continue;
    try {
      process.kill(pid, 0); // alive?
      return pid;
    } catch {
      rmSync(path.join(LAB_CACHE, entry), { recursive: true, force: true }); // left by a build that died
    }
  }
  return null;
}

/** Runs a command, measuring its wall and CPU seconds (CPU of the process and its children, from /usr/bin/time when present). */
async function timed(command: string, args: string[], cwd: string, timeoutSeconds: number): Promise<{ wall: number; cpu: number; output: string; code: number }> {
  const timeFile = path.join(cwd, ".time");
  const useTime = existsSync("/usr/bin/time");
  const result = useTime
    ? await run("/usr/bin/time", ["-f", "%U %S", "-o", timeFile, command, ...args], { cwd, timeoutSeconds })
    : await run(command, args, { cwd, timeoutSeconds });
  let cpu = NaN;
  if (useTime && existsSync(timeFile)) {
    const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    cpu = user + sys;
    rmSync(timeFile, { force: true });
  }
  return { wall: result.seconds, cpu, output: `${result.stdout}\n${result.stderr}`, code: result.code };
}

/**
 * Builds JupyterLab into the cache unless the current build is there: `npm ci` of the
 * lockfile, then webpack; the result is moved into place in one rename, so an interrupted
 * build leaves nothing half-built behind. Older builds are removed.
 */
export async function ensureJupyterLab(log: (line: string) => void = () => {}): Promise<LabBuild> {
  const dir = labBuildDir();
  if (existsSync(path.join(dir, "build", "bundle.js"))) return { dir, cached: true };
  mkdirSync(LAB_CACHE, { recursive: true });
  // Another process building the same (e.g. CI's early build in the background): wait for it.
  const other = runningBuild(dir);
  if (other !== null) {
    log(`JupyterLab: waiting for the build that process ${other} is running`);
    const since = Date.now();
    while (runningBuild(dir) !== null) await new Promise((resolve) => setTimeout(resolve, 1000));
    if (existsSync(path.join(dir, "build", "bundle.js"))) return { dir, cached: true, waited: (Date.now() - since) / 1000 };
  }
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    for (const file of BUILD_INPUTS) copyFileSync(path.join(LAB_SOURCE, file), path.join(work, file));
    log(`JupyterLab: installing its npm packages into ${path.relative(REPO, dir)} (npm ci, about 1–2 minutes, once per lockfile)`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const install = await timed(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], work, 900);
    if (install.code !== 0) throw new Error(`npm ci of JupyterLab failed:\n${install.output.slice(-4000)}`);
    log(`JupyterLab: building the front end (webpack, about 1 minute)`);
    const build = await timed(process.execPath, [path.join(work, "node_modules", "webpack-cli", "bin", "cli.js")], work, 900);
    if (build.code !== 0 || !existsSync(path.join(work, "build", "bundle.js"))) throw new Error(`building JupyterLab failed:\n${build.output.slice(-4000)}`);
    const result = { install: { wall: install.wall, cpu: install.cpu }, build: { wall: build.wall, cpu: build.cpu } };
    rmSync(path.join(work, "node_modules"), { recursive: true, force: true });
    writeFileSync(path.join(work, "built.json"), JSON.stringify({ key: path.basename(dir), ...result }, null, 1) + "\n");
    try {
      renameSync(work, dir);
    } catch (error) {
      // Another process finished the same build first: use theirs.
      if (!existsSync(path.join(dir, "build", "bundle.js"))) throw error;
    }
    for (const other of readdirSync(LAB_CACHE)) {
      if (other !== path.basename(dir) && !other.includes(".tmp-")) rmSync(path.join(LAB_CACHE, other), { recursive: true, force: true });
    }
    return { dir, cached: false, ...result };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** How to start the JupyterLab server: command, arguments and environment additions. */
export function labServerCommand(buildDir: string, options: { plotly?: boolean; args?: string[]; stateDir?: string } = {}): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const args = [path.join(LAB_SOURCE, "serve.py"), ...(options.plotly === false ? ["--RnnWorkbookLab.plotly=False"] : []), ...(options.args ?? [])];
  if (process.getuid?.() === 0 && !args.some((a) => a.includes("allow_root") || a === "--allow-root")) args.push("--ServerApp.allow_root=True");
  return {
    command: JUPYTER_PYTHON,
    args,
    env: { RNN_WORKBOOK_LAB_BUILD: path.join(buildDir, "build"), RNN_WORKBOOK_LAB_STATE: options.stateDir ?? path.join(buildDir, "state") },
  };
}

if (require.main === module) {
  const [command] = process.argv.slice(2);
  if (command !== "build") {
    console.error("usage: tsx scripts/jupyterlab.ts build   (builds JupyterLab from npm into build/jupyterlab/)");
    process.exit(2);
  }
  ensureJupyterLab((line) => console.log(line)).then(
    (result) => {
      const seconds = (s?: { wall: number; cpu: number }) => (s ? `${s.wall.toFixed(1)} s wall, ${s.cpu.toFixed(1)} s CPU` : "cached");
      console.log(`JupyterLab: ${path.relative(REPO, result.dir)} (install ${seconds(result.install)}; build ${seconds(result.build)}${result.waited ? `; waited ${result.waited.toFixed(1)} s for another build` : ""})`);
    },
    (error) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
