/**
 * `npm run student-edition` and `npm run grade`: the library's `rnn-workbook student-edition`
 * and `rnn-workbook grade` (lib/src/cli.ts, lib/src/grader.ts) with this checkout's Jupyter
 * set-up, so submissions run on this checkout's kernel (.jupyter/ first on JUPYTER_PATH).
 *
 *   npm run student-edition -- [notebooks...] [--out DIR]       default: notebooks/*.ipynb → build/student
 *   npm run grade -- <submissions...> [--notebooks DIR] [--out DIR] [--timeout SECONDS] [--jobs N] [--memory MB]
 */
import { checkJupyter, jupyterEnv } from "./jupyter";
import { main } from "../lib/src/cli";

async function run(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === "grade" && !argv.includes("--help")) {
    try {
      checkJupyter();
    } catch (error) {
      console.error(`grade: ${(error as Error).message}`);
      return 1;
    }
    Object.assign(process.env, jupyterEnv());
  }
  return main(argv);
}

run().then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
