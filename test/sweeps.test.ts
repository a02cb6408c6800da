// Sweeps: every point of a grid trained in turn, results as a DataFrame, charts and summaries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bestRun, sweep, sweepChart, sweepPoints, sweepSummary, SweepRunError } from "../lib/src/sweeps";
import { interruptedAfter, throwsInput } from "./assertions";
import { WorkbookInputError } from "../lib/src/validate";
import { clearInterrupt, InterruptedError } from "../lib/src/interrupt";

/** A pretend training: the "error" is a known function of the parameters. */
const error = (lr: number, units: number) => Math.abs(Math.log10(lr) + 2) + 16 / units;

test("grid mode runs the cartesian product, in order, and returns one row per run", async () => {
  const seen: string[] = [];
  const df = await sweep({ lr: [0.001, 0.01], units: [16, 32, 64] }, async (p, run) => {
    seen.push(`${run.index}/${run.count} ${run.label} seed ${run.seed}`);
    return { valError: error(p.lr, p.units) };
  }, { progress: "none", seed: 7 });
  assert.deepEqual(seen, [
    "0/6 lr=0.001, units=16 seed 7", "1/6 lr=0.001, units=32 seed 7", "2/6 lr=0.001, units=64 seed 7",
    "3/6 lr=0.01, units=16 seed 7", "4/6 lr=0.01, units=32 seed 7", "5/6 lr=0.01, units=64 seed 7",
  ]);
  assert.deepEqual(df.columns, ["lr", "units", "valError", "seconds"]);
  const rows = df.values as number[][];
  assert.equal(rows.length, 6);
  assert.deepEqual(rows.map((r) => r[1]), [16, 32, 64, 16, 32, 64]);
  rows.forEach((r) => assert.equal(r[2], error(r[0], r[1])));
  rows.forEach((r) => assert.ok(r[3] >= 0 && r[3] < 5, "seconds per run"));
  assert.deepEqual(bestRun(df, "valError"), { lr: 0.01, units: 64, valError: 0.25, seconds: rows[5][3] });
});

test("oneAtATime mode varies one parameter around the base and names it", async () => {
  const grid = { lr: [0.001, 0.01, 0.1], units: [16, 32], optimizer: ["adam", "rmsprop"] } as const;
  const points = sweepPoints(grid, { mode: "oneAtATime", base: { lr: 0.01 } });
  assert.deepEqual(points.map((p) => [p.varied, p.point]), [
    ["base", { lr: 0.01, units: 16, optimizer: "adam" }],
    ["lr", { lr: 0.001, units: 16, optimizer: "adam" }],
    ["lr", { lr: 0.1, units: 16, optimizer: "adam" }],
    ["units", { lr: 0.01, units: 32, optimizer: "adam" }],
    ["optimizer", { lr: 0.01, units: 16, optimizer: "rmsprop" }],
  ]);
  const df = await sweep(grid, (p) => ({ valError: error(p.lr, p.units) + (p.optimizer === "adam" ? 0 : 1) }), {
    mode: "oneAtATime", base: { lr: 0.01 }, progress: "none",
  });
  assert.deepEqual(df.columns, ["varied", "lr", "units", "optimizer", "valError", "seconds"]);
  assert.deepEqual((df.values as unknown[][]).map((r) => r[0]), ["base", "lr", "lr", "units", "optimizer"]);
  // A base value outside the list is run as the base point and not repeated.
  const outside = sweepPoints({ units: [8, 16] }, { mode: "oneAtATime", base: { units: 12 } });
  assert.deepEqual(outside.map((p) => p.point.units), [12, 8, 16]);
});

test("tracked models are disposed after every run, also when the run throws", async () => {
  let disposed = 0;
  const model = () => ({ dispose: () => disposed++ });
  await sweep({ a: [1, 2, 3] }, (p, run) => {
    run.track(model());
    run.track(model());
    return { m: p.a };
  }, { progress: "none" });
  assert.equal(disposed, 6);
  await assert.rejects(sweep({ a: [1] }, (_p, run) => {
    run.track(model());
    throw new Error("boom");
  }, { progress: "none" }));
  assert.equal(disposed, 7);
});

test("a failing run names the sweep and the point", async () => {
  await assert.rejects(
    sweep({ lr: [0.01, 0.5] }, async (p) => {
      if (p.lr > 0.1) throw new Error("Training diverged: the loss became NaN at epoch 3.");
      return { valError: 1 };
    }, { title: "learning rate", progress: "none" }),
    (e: unknown) => {
      assert.ok(e instanceof SweepRunError);
      assert.equal(e.message, "The training function failed at learning rate, run 2 of 2 (lr=0.5): Error: Training diverged: the loss became NaN at epoch 3.");
      assert.deepEqual(e.point, { lr: 0.5 });
      assert.ok(e.cause instanceof Error);
      return true;
    },
  );
});

test("metrics that are not finite numbers, or change names, are rejected with the point", async () => {
  const bad = async (metrics: unknown, ...fragments: string[]) => {
    await assert.rejects(sweep({ units: [8, 16] }, (p) => (p.units === 16 ? metrics : { valError: 1 }) as never, { progress: "none" }), (e: unknown) => {
      assert.ok(e instanceof WorkbookInputError, String(e));
      for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" lacks "${f}"`);
      return true;
    });
  };
  await bad({ valError: NaN }, "`metrics.valError of sweep, run 2 of 2 (units=16)`", "a finite number", "NaN");
  await bad({ valError: "1.2" }, "metrics.valError", '"1.2"');
  await bad(undefined, "`the metrics of sweep, run 2 of 2 (units=16)`", "undefined");
  await bad({}, "at least one metric");
  await bad({ valRmse: 1 }, "the same metric names as the runs before (valError)", "valRmse");
  await bad({ valError: 1, units: 3 }, "metric names that differ from the parameters");
});

test("bad grids, options and training functions are rejected before any run", async () => {
  let runs = 0;
  const train = () => { runs++; return { m: 1 }; };
  const rejects = (promise: Promise<unknown>, ...fragments: string[]) => assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof WorkbookInputError, String(e));
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" lacks "${f}"`);
    return true;
  });
  await rejects(sweep({}, train), "`grid`", "at least one parameter", "an empty object");
  await rejects(sweep(null as never, train), "`grid`", "null");
  await rejects(sweep({ lr: 0.01 } as never, train), "`grid.lr`", "an array of values", "{ lr: [0.01] }");
  await rejects(sweep({ lr: [] }, train), "`grid.lr`", "non-empty");
  await rejects(sweep({ lr: [0.01, NaN] }, train), "`grid.lr[1]`", "NaN");
  await rejects(sweep({ lr: [0.01, 0.01] }, train), "`grid.lr[1]`", "not listed before");
  await rejects(sweep({ seconds: [1] }, train), "`grid.seconds`", "rename");
  await rejects(sweep({ lr: [0.01] }, train, { mdoe: "grid" } as never), "unknown key `mdoe`");
  await rejects(sweep({ lr: [0.01] }, train, { mode: "random" as never }), "`options.mode`", '"grid", "oneAtATime"');
  await rejects(sweep({ lr: [0.01] }, train, { base: { lr: 0.1 } }), "`options.base`", "unset in grid mode");
  await rejects(sweep({ lr: [0.01] }, train, { mode: "oneAtATime", base: { units: 8 } as never }), "`options.base`", "unknown key `units`");
  await rejects(sweep({ lr: [0.01] }, train, { seed: -1 }), "`options.seed`");
  await rejects(sweep({ lr: [0.01] }, train, { progress: "chart" as never }), "`options.progress`");
  await rejects(sweep({ lr: [0.01] }, "train" as never), "`train`", "a function");
  assert.equal(runs, 0);
});

test("sweepChart draws a metric against a numeric parameter, bars for text, lines per group", async () => {
  const df = await sweep({ lr: [0.1, 0.001, 0.01], optimizer: ["adam", "rmsprop"] }, (p) => ({
    valError: error(p.lr, 32) + (p.optimizer === "adam" ? 0 : 1), trainError: 0.5,
  }), { mode: "oneAtATime", base: { lr: 0.01 }, progress: "none" });
  const lr = sweepChart(df, { x: "lr", y: "valError", logX: true });
  assert.equal(lr.data.length, 1);
  assert.deepEqual(lr.data[0].x, [0.001, 0.01, 0.1], "sorted; the base point included, the optimizer run left out");
  assert.deepEqual(lr.data[0].y, [1 + 0.5, 0.5, 1 + 0.5]);
  assert.equal((lr.layout.xaxis as { type?: string }).type, "log");
  const both = sweepChart(df, { x: "lr", y: ["valError", "trainError"] });
  assert.deepEqual(both.data.map((t) => t.name), ["valError", "trainError"]);
  const opt = sweepChart(df, { x: "optimizer", y: "valError" });
  assert.equal(opt.data[0].type, "bar");
  assert.deepEqual(opt.data[0].x, ["adam", "rmsprop"]);
  assert.deepEqual(opt.data[0].y, [0.5, 1.5]);

  const seeds = await sweep({ cell: ["lstm", "rnn"], seed: [1, 2, 3] }, (p) => ({ testRmse: (p.cell === "lstm" ? 10 : 20) + p.seed }), { progress: "none" });
  const grouped = sweepChart(seeds, { x: "seed", y: "testRmse", groupBy: "cell" });
  assert.deepEqual(grouped.data.map((t) => [t.name, t.y]), [["lstm", [11, 12, 13]], ["rnn", [21, 22, 23]]]);
  const averaged = sweepChart(seeds, { x: "cell", y: "testRmse" });
  assert.deepEqual(averaged.data[0].y, [12, 22], "runs that share an x value are averaged");

  throwsInput(() => sweepChart(df, { x: "units", y: "valError" }), "`options.x`", "a column of the results", '"units"');
  const partial = { columns: ["optimizer", "cell", "m"], values: [["adam", "lstm", 1], ["rmsprop", "lstm", 2], ["rmsprop", "gru", 3]], index: [0, 1, 2] };
  throwsInput(() => sweepChart(partial, { x: "optimizer", y: "m", groupBy: "cell" }), "`results`", "for gru", "no run at optimizer=adam");
  throwsInput(() => sweepChart(df, { x: "lr", y: ["valError", "loss"] }), "`options.y[1]`");
  throwsInput(() => sweepChart(df, { x: "lr", y: "valError", logx: true } as never), "unknown key `logx`");
  throwsInput(() => sweepChart([1, 2] as never, { x: "lr", y: "valError" }), "`results`");
});

test("sweepSummary gives mean, spread and range per group; bestRun the smallest", async () => {
  const seeds = await sweep({ cell: ["lstm", "rnn"], seed: [1, 2, 3] }, (p) => ({ testRmse: (p.cell === "lstm" ? 10 : 20) + 2 * p.seed }), { progress: "none" });
  const summary = sweepSummary(seeds, { by: "cell", metrics: ["testRmse"] });
  assert.deepEqual(summary.columns, ["cell", "runs", "testRmse mean", "testRmse std", "testRmse min", "testRmse max"]);
  assert.deepEqual(summary.values, [["lstm", 3, 14, 2, 12, 16], ["rnn", 3, 24, 2, 22, 26]]);
  assert.equal(bestRun(seeds, "testRmse").cell, "lstm");
  throwsInput(() => sweepSummary(seeds, { by: "model", metrics: ["testRmse"] }), "`options.by`", '"model"');
  throwsInput(() => sweepSummary(seeds, { by: "cell", metrics: [] }), "`options.metrics`");
  throwsInput(() => sweepSummary(seeds, { by: "cell", metrics: ["rmse"] }), "`options.metrics[0]`");
  throwsInput(() => bestRun(seeds, "mae"), "`metric`", '"mae"');
  throwsInput(() => bestRun(seeds, "cell"), "`results[0].cell`", "a finite number");
  throwsInput(() => sweepSummary(seeds, { by: "seed", metrics: ["cell"] }), "`results[0].cell`", "a finite number");
});

test("a sweep of real models leaves no tensors behind when each run tracks its model", async () => {
  const tf = await import("@tensorflow/tfjs");
  const { buildRecurrentModel } = await import("../lib/src/models");
  const { fit, predict } = await import("../lib/src/training");
  await tf.setBackend("cpu");
  const x = [[[0.1], [0.2], [0.3]], [[0.2], [0.3], [0.4]]];
  const y = [[0.4], [0.5]];
  const before = tf.memory().numTensors;
  const df = await sweep({ units: [2, 3] }, async (p, run) => {
    const model = run.track(buildRecurrentModel({ cell: "simpleRNN", units: p.units, lookBack: 3, numFeatures: 1, seed: run.seed }));
    await fit(model, x, y, { epochs: 2, seed: run.seed, progress: "none" });
    return { error: Math.abs(predict(model, x)[0][0] - 0.4) };
  }, { progress: "none" });
  assert.equal(tf.memory().numTensors, before);
  assert.equal((df.values as unknown[]).length, 2);
});

test("sweep: Kernel → Interrupt stops it before the next run, saying how many finished", async () => {
  const ran: number[] = [];
  // Runs that only await promises: without interruptionPoint the interrupt (a macrotask here, a signal in a kernel) would wait for the whole sweep.
  const message = await interruptedAfter(150, () =>
    sweep({ a: Array.from({ length: 5000 }, (_, i) => i) }, async (p) => {
      ran.push(p.a);
      const until = Date.now() + 1;
      while (Date.now() < until) await Promise.resolve();
      return { score: p.a };
    }, { progress: "none" }),
  );
  const m = /^Sweep interrupted before run (\d+) of 5000 \(a=\d+\); (\d+) run\(s\) finished, their results are lost\.$/.exec(message);
  assert.ok(m, message);
  assert.equal(Number(m![2]), ran.length, "the runs that finished");
  assert.equal(Number(m![1]), ran.length + 1);
  assert.ok(ran.length > 0 && ran.length < 5000);
});

test("sweep: an interrupt inside a run (e.g. in fit) ends the sweep as an interrupt, not as a failed run", async () => {
  clearInterrupt();
  try {
    await assert.rejects(
      sweep({ a: [1, 2, 3] }, async (p) => {
        if (p.a === 2) throw new InterruptedError("Training interrupted at epoch 4 of 50; the model keeps its weights from that epoch.");
        return { score: p.a };
      }, { progress: "none" }),
      (error: Error) => {
        assert.ok(error instanceof InterruptedError && !(error instanceof SweepRunError), String(error));
        assert.equal(error.message, "Sweep interrupted during run 2 of 3 (a=2); 1 run(s) finished, their results are lost. Training interrupted at epoch 4 of 50; the model keeps its weights from that epoch.");
        return true;
      },
    );
  } finally {
    clearInterrupt();
  }
});
