/**
 * Signing (trusting) an executed notebook, so that classic Notebook and JupyterLab
 * run its chart scripts when it is opened without running it again. The signature
 * lives in the Jupyter data folder of the environment (nbsignatures.db), so sign
 * with the same JUPYTER_DATA_DIR the notebook server will use.
 *
 * `jupyter trust` comes from nbformat's console script; Debian ships it in the
 * separate `jupyter-nbformat` package, which `jupyter-nbconvert` does not pull in.
 * Without it, the same code runs as `python3 -m nbformat.sign` with the Python
 * that runs `jupyter` (read from its #! line).
 */
import { closeSync, existsSync, openSync, readSync } from "fs";
import * as path from "path";
import { run } from "./jupyter";

/** How signing went. */
export interface TrustResult {
  ok: boolean;
  /** The command that signed it (or the last one tried). */
  command: string;
  output: string;
}

/** The interpreter (with its arguments) on the #! line of the `jupyter` found on PATH, or null. */
export function jupyterPython(env: NodeJS.ProcessEnv = process.env): string[] | null {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "jupyter");
    if (!dir || !existsSync(candidate)) continue;
    const buffer = Buffer.alloc(256);
    const fd = openSync(candidate, "r");
    try {
      readSync(fd, buffer, 0, buffer.length, 0);
    } finally {
      closeSync(fd);
    }
    const first = buffer.toString("utf8").split("\n", 1)[0];
    return first.startsWith("#!") ? first.slice(2).trim().split(/\s+/) : null;
  }
  return null;
}

/** Signs `file` in the Jupyter data folder of `env`. */
export async function trustNotebook(file: string, env: NodeJS.ProcessEnv): Promise<TrustResult> {
  const direct = await run("jupyter", ["trust", file], { env, timeoutSeconds: 120 }).catch((error: Error) => ({ code: 1, stdout: "", stderr: error.message }));
  if (direct.code === 0) return { ok: true, command: "jupyter trust", output: direct.stdout + direct.stderr };
  const python = jupyterPython(env);
  if (python === null) return { ok: false, command: "jupyter trust", output: direct.stderr };
  const command = [...python, "-m", "nbformat.sign"];
  const viaModule = await run(command[0], [...command.slice(1), file], { env, timeoutSeconds: 120 }).catch((error: Error) => ({ code: 1, stdout: "", stderr: error.message }));
  return { ok: viaModule.code === 0, command: command.join(" "), output: viaModule.stdout + viaModule.stderr };
}
