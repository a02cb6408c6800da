/**
 * `npm start`: opens Jupyter on notebooks/ with this checkout's TypeScript kernel —
 *  1. JupyterLab when it is installed (`jupyter lab`);
 *  2. else JupyterLab built from npm (jupyterlab/, scripts/jupyterlab.ts) when Debian's
 *     jupyter_server and jupyterlab_server are there: built once into build/jupyterlab/
 *     (a few minutes, needs the npm registry), then served by jupyterlab/serve.py;
 *  3. else the classic Notebook.
 * `--classic` chooses the classic Notebook; `--no-plotly` starts the JupyterLab of step 2
 * without the Plotly renderer. Other arguments are passed on to Jupyter, e.g.
 * `npm start -- --port 8899 --no-browser`.
 */
import { spawn, spawnSync } from "child_process";
import { checkJupyter, INSTALL_JUPYTER, jupyterEnv, NOTEBOOKS_DIR } from "./jupyter";
import { ensureJupyterLab, labServerCommand, missingLabServer } from "./jupyterlab";

function has(subcommand: string): boolean {
  return spawnSync("jupyter", [subcommand, "--version"], { encoding: "utf8", env: jupyterEnv() }).status === 0;
}

/** Runs Jupyter in the foreground, passing signals on, and exits with its status. */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(command, args, { stdio: "inherit", env });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
}

async function main(): Promise<void> {
  try {
    checkJupyter();
  } catch (error) {
    console.error(`start: ${(error as Error).message}`);
    process.exit(1);
  }
  const own = new Set(["--classic", "--no-plotly"]);
  const argv = process.argv.slice(2);
  const passOn = argv.filter((a) => !own.has(a));
  // Jupyter refuses to run as root without --allow-root (containers and CI machines often are root).
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0 ? ["--allow-root"] : [];
  const classic = argv.includes("--classic");

  if (!classic && has("lab")) {
    console.log(`Starting JupyterLab on ${NOTEBOOKS_DIR} (kernel: TypeScript)`);
    return launch("jupyter", ["lab", `--notebook-dir=${NOTEBOOKS_DIR}`, ...asRoot, ...passOn], jupyterEnv());
  }
  if (!classic && missingLabServer().length === 0) {
    try {
      const build = await ensureJupyterLab((line) => console.log(line));
      const plotly = !argv.includes("--no-plotly");
      console.log(`Starting JupyterLab (built from npm${plotly ? "" : ", without the Plotly renderer"}) on ${NOTEBOOKS_DIR} (kernel: TypeScript)`);
      const { command, args, env } = labServerCommand(build.dir, { plotly, args: [`--notebook-dir=${NOTEBOOKS_DIR}`, ...passOn] });
      return launch(command, args, jupyterEnv(env));
    } catch (error) {
      console.error(`start: JupyterLab could not be built (${(error as Error).message.split("\n")[0]}); starting the classic Notebook instead.`);
    }
  }
  if (!has("notebook")) {
    console.error(`start: neither JupyterLab nor the classic Notebook is installed. ${INSTALL_JUPYTER}`);
    process.exit(1);
  }
  console.log(`Starting Jupyter Notebook on ${NOTEBOOKS_DIR} (kernel: TypeScript)`);
  launch("jupyter", ["notebook", `--notebook-dir=${NOTEBOOKS_DIR}`, ...asRoot, ...passOn], jupyterEnv());
}

void main();
