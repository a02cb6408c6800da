/**
 * `npm start`: opens Jupyter on notebooks/ with this checkout's TypeScript kernel —
 * JupyterLab when it is installed, else the classic Notebook.
 * Extra arguments are passed on, e.g. `npm start -- --port 8899 --no-browser`.
 */
import { spawn, spawnSync } from "child_process";
import { checkJupyter, INSTALL_JUPYTER, jupyterEnv, NOTEBOOKS_DIR } from "./jupyter";

function has(subcommand: string): boolean {
  return spawnSync("jupyter", [subcommand, "--version"], { encoding: "utf8", env: jupyterEnv() }).status === 0;
}

try {
  checkJupyter();
} catch (error) {
  console.error(`start: ${(error as Error).message}`);
  process.exit(1);
}
const app = has("lab") ? "lab" : has("notebook") ? "notebook" : null;
if (app === null) {
  console.error(`start: neither JupyterLab nor the classic Notebook is installed. ${INSTALL_JUPYTER}`);
  process.exit(1);
}
console.log(`Starting Jupyter ${app === "lab" ? "Lab" : "Notebook"} on ${NOTEBOOKS_DIR} (kernel: TypeScript)`);
// Jupyter refuses to run as root without --allow-root (containers and CI machines often are root).
const asRoot = typeof process.getuid === "function" && process.getuid() === 0 ? ["--allow-root"] : [];
const child = spawn("jupyter", [app, `--notebook-dir=${NOTEBOOKS_DIR}`, ...asRoot, ...process.argv.slice(2)], { stdio: "inherit", env: jupyterEnv() });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
