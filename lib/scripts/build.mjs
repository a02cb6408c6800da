// Builds dist/ from src/ without a moment when a file in dist/ is half-written: tsc emits into a
// fresh folder beside it, and each file then replaces its old copy in one rename. A kernel that
// loads the library while it is rebuilt (`npm pack` runs this through prepack) reads the old file
// or the new one, never a truncated one. Marks the `rnn-workbook` command executable: npx marks a
// bin only when it installs the package, and a cached link to this folder skips that.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const lib = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(lib, "dist");
const fresh = mkdtempSync(path.join(lib, ".dist-"));
try {
  const tsc = createRequire(path.join(lib, "package.json")).resolve("typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", path.join(lib, "tsconfig.json"), "--outDir", fresh], { stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
  chmodSync(path.join(fresh, "cli.js"), 0o755);
  /** Moves every file under `from` to the same place under `to`, one rename each. */
  const move = (from, to) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) move(path.join(from, entry.name), path.join(to, entry.name));
      else renameSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  };
  move(fresh, dist);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
