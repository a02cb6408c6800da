// `npm run bench -- --smoke`: the benchmark runs end to end at tiny sizes and writes its JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./helpers";

test("the benchmark's smoke mode times every model, backend and variant and writes JSON", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    const out = path.join(dir, "bench.json");
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "bench.ts"), "--smoke", "--out", out], { cwd: REPO, encoding: "utf8", timeout: 5 * 60 * 1000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| model \| backend \| stock \| matmul \| lib \|/);
    const report = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(report.smoke, true);
    const backends = [...new Set(report.results.map((r: { backend: string }) => r.backend))].sort();
    assert.ok(backends.includes("wasm") && backends.includes("cpu"), `backends: ${backends.join(", ")}`);
    for (const model of ["lesson", "airline-rnn", "text"]) {
      for (const [backend, variants] of [["wasm", ["stock", "matmul", "lib"]], ["cpu", ["stock", "lib"]]] as const) {
        for (const variant of variants) {
          const row = report.results.find((r: Record<string, unknown>) => r.model === model && r.backend === backend && r.variant === variant);
          assert.ok(row, `${model} ${backend} ${variant} measured`);
          assert.ok(row.medianCpuMs > 0 && Number.isFinite(row.medianCpuMs) && row.medianWallMs > 0, `${model} ${backend} ${variant}: ${row.medianCpuMs} ms`);
        }
      }
    }
    assert.ok(report.ratios.every((r: { speedup: number }) => r.speedup > 0 && Number.isFinite(r.speedup)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
