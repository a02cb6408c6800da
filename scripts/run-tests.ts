/**
 * `npm run test:unit`: every suite in test/ through Node's test runner, two files at a time,
 * the longest suites first.
 *
 * Why not `node --test test/*.test.ts`: Node's runner starts files in name order, so the
 * longest suite (workbook.test.ts: the main job, then the student edition of every notebook
 * graded) started last and ran alone for minutes at the end of CI while the other slot stood
 * idle. Started first, beside the other long suites, the two slots end together.
 * {@link LONGEST_FIRST} lists the long suites by their seconds in CI (longest first); every
 * other file follows in name order. A file named on the command line runs alone:
 * `npm run test:unit -- test/windows.test.ts`.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { run } from "node:test";
import { spec, tap } from "node:test/reporters";

/** Suites that take over a minute in CI, longest first (seconds from a CI run's TAP `duration_ms`). */
export const LONGEST_FIRST = [
  "workbook.test.ts", // ≈ 450 s: the main job, the student edition graded, the broken lessons
  "browser-lab.test.ts", // ≈ 260 s, much of it waiting for the JupyterLab build
  "browser-reload.test.ts", // ≈ 250 s
  "course.test.ts", // ≈ 245 s
  "grading-run.test.ts", // ≈ 105 s
  "kernel.test.ts", // ≈ 100 s
  "browser.test.ts", // ≈ 65 s
  "install.test.ts", // ≈ 60 s
];

/** Test files to run, in the order they start: `files` as given, else every suite in `dir`, longest first. */
export function testOrder(dir: string, files: string[] = []): string[] {
  if (files.length > 0) return files.map((f) => path.resolve(f));
  const all = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).sort();
  const missing = LONGEST_FIRST.filter((f) => !all.includes(f));
  if (missing.length > 0) {
    throw new Error(`scripts/run-tests.ts lists suites that are not in ${dir}: ${missing.join(", ")}. Update LONGEST_FIRST after renaming or removing a suite.`);
  }
  return [...LONGEST_FIRST, ...all.filter((f) => !LONGEST_FIRST.includes(f))].map((f) => path.join(dir, f));
}

if (require.main === module) {
  const files = testOrder(path.join(__dirname, "..", "test"), process.argv.slice(2));
  const stream = run({ files, concurrency: 2 });
  stream.on("test:fail", () => {
    process.exitCode = 1;
  });
  // As `node --test` reports: readable in a terminal, TAP when piped (CI logs).
  stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
}
