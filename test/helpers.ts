/** Shared by the slow tests: running the workbook's scripts as a user would. */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..");

/** Whether `jupyter nbconvert` is available (CI must have it; see .ci/run). */
export function haveJupyter(): boolean {
  return spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" }).status === 0;
}

/**
 * Skip reason when Jupyter is missing on a developer machine; in CI (CI=true)
 * a missing Jupyter is a failure, never a skip.
 */
export function jupyterSkip(): string | false {
  if (haveJupyter()) return false;
  if (process.env.CI) throw new Error("jupyter nbconvert is missing in CI: .ci/run must install it.");
  return "jupyter nbconvert is not installed (see README: Prerequisites)";
}

/** Runs the main job (`scripts/workbook.ts`) with arguments. */
export function runWorkbook(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "workbook.ts"), ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30 * 60 * 1000,
  });
}

/** The workbook's notebooks, by file name. */
export function notebookNames(): string[] {
  return readdirSync(path.join(REPO, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();
}

/** Copies a notebook, applying `edit` to every code cell's source; returns the copy's path. */
export function editedCopy(name: string, dir: string, edit: (source: string) => string): string {
  const nb = JSON.parse(readFileSync(path.join(REPO, "notebooks", name), "utf8"));
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    cell.source = edit(source);
  }
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

export { existsSync };
