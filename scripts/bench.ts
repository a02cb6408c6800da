/**
 * `npm run bench`: milliseconds per training batch of the workbook's real models, stock
 * TensorFlow.js against the lib, on every backend that loads, measured in ONE run with
 * interleaved repetitions (every repetition runs every variant of a model back to back, in
 * a rotating order), so that the ratios hold even on a busy machine.
 *
 * Variants: `stock` — TensorFlow.js's own recurrent layers, its own Adam and (on wasm) its own
 * matrix product; `matmul` (wasm only) — the same with the lib's BatchMatMul (kernels.ts);
 * `lib` — what the workbook uses: fused layers (fused.ts), the fused Adam (optimizers.ts) and
 * the lib's BatchMatMul.
 *
 * Time is measured twice: CPU time of this process (user + system, the main figure: other
 * programs on the machine barely change it) and wall-clock time. Medians, spreads (min–max)
 * and per-repetition ratios are printed and written as JSON (default build/bench/bench.json).
 *
 *   npm run bench [-- --repeats 5] [--models lesson,text] [--backends wasm,cpu] [--out FILE]
 *   npm run bench -- --smoke        tiny sizes, one repetition: a few seconds (run by npm test)
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackendName, buildRecurrentModel, compileModel, fuseRecurrentLayer, selectBackend } from "../lib/src/index";
import { patchWasmMatMul, unpatchWasmMatMul } from "../lib/src/kernels";

const VARIANTS = ["stock", "matmul", "lib"] as const;
type Variant = (typeof VARIANTS)[number];

/** One benchmark model: how to build it, its data shape and batches to time. */
interface BenchModel {
  name: string;
  description: string;
  batchSize: number;
  /** Batches timed per measurement (after one warm-up batch). */
  batches: number;
  build(implementation: "auto" | "stock"): tf.LayersModel;
  data(samples: number): { x: tf.Tensor; y: tf.Tensor };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const smoke = process.argv.includes("--smoke");
const repeats = Number(argValue("--repeats") ?? (smoke ? 1 : 5));
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`Expected --repeats to be a positive integer, but got ${argValue("--repeats")}.`);
const outFile = path.resolve(argValue("--out") ?? path.join(__dirname, "..", "build", "bench", smoke ? "bench-smoke.json" : "bench.json"));

/** Seeded uniform values in [-1, 1). */
function uniform(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, "float32", seed);
}

/**
 * Compiles `model` with TensorFlow.js's own Adam (learning rate 0.001, as the builders' default),
 * for the `stock` and `matmul` variants: the lib's builders use its fused Adam (optimizers.ts).
 */
function withStockAdam(model: tf.LayersModel, loss: string): tf.LayersModel {
  model.compile({ optimizer: tf.train.adam(0.001), loss });
  (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true; // disposed with the model
  return model;
}

/** A regression model from the workbook's builder: recurrent layer(s), optional dense layers, one output. */
function regression(name: string, description: string, o: { cell: "lstm" | "simpleRNN"; units: number; lookBack: number; numFeatures: number; batchSize: number; batches: number; activation?: "relu"; denseUnits?: number[] }): BenchModel {
  return {
    name,
    description,
    batchSize: o.batchSize,
    batches: o.batches,
    build: (implementation) => {
      const model = buildRecurrentModel({ cell: o.cell, units: o.units, lookBack: o.lookBack, numFeatures: o.numFeatures, activation: o.activation, denseUnits: o.denseUnits, seed: 1, implementation });
      return implementation === "stock" ? withStockAdam(model, "meanSquaredError") : model;
    },
    data: (samples) => ({ x: uniform([samples, o.lookBack, o.numFeatures], 1), y: uniform([samples, 1], 2) }),
  };
}

/** The text model of notebook 09: Embedding → LSTM(returnSequences) → Dense softmax over the vocabulary. */
function textModel(vocabulary: number, embedding: number, units: number, steps: number, batchSize: number, batches: number): BenchModel {
  return {
    name: "text",
    description: `Embedding(${vocabulary},${embedding}) → LSTM(${units}, returnSequences) → Dense(${vocabulary}, softmax), [·,${steps}], batch ${batchSize}`,
    batchSize,
    batches,
    build: (implementation) => {
      const model = tf.sequential();
      model.add(tf.layers.embedding({ inputDim: vocabulary, outputDim: embedding, inputLength: steps, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 1 }) }));
      const lstm = tf.layers.lstm({ units, returnSequences: true, recurrentActivation: "sigmoid", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), recurrentInitializer: tf.initializers.orthogonal({ seed: 3 }) });
      model.add(fuseRecurrentLayer(lstm, implementation));
      model.add(tf.layers.dense({ units: vocabulary, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
      return implementation === "stock" ? withStockAdam(model, "sparseCategoricalCrossentropy") : compileModel(model, { loss: "sparseCategoricalCrossentropy" });
    },
    data: (samples) => ({
      x: tf.randomUniform([samples, steps], 0, vocabulary, "int32", 1).cast("float32"), // token ids
      y: tf.randomUniform([samples, steps, 1], 0, vocabulary, "int32", 2).cast("float32"), // next token per step
    }),
  };
}

const MODELS: BenchModel[] = smoke
  ? [
      regression("lesson", "LSTM(4)+Dense(1), [·,3,1], batch 4 (smoke)", { cell: "lstm", units: 4, lookBack: 3, numFeatures: 1, batchSize: 4, batches: 2 }),
      regression("airline-rnn", "SimpleRNN(4)+Dense(1), [·,3,1], batch 4 (smoke)", { cell: "simpleRNN", units: 4, lookBack: 3, numFeatures: 1, batchSize: 4, batches: 2 }),
      textModel(6, 3, 4, 5, 4, 2),
    ]
  : [
      regression("lesson", "LSTM(50)+Dense(1), [15,3,1], batch 5 (notebooks 00-04)", { cell: "lstm", units: 50, lookBack: 3, numFeatures: 1, batchSize: 5, batches: 30 }),
      regression("car-sales", "LSTM(100, relu)+Dense(50)+Dense(50)+Dense(1), [·,5,1], batch 32 (05)", { cell: "lstm", units: 100, activation: "relu", denseUnits: [50, 50], lookBack: 5, numFeatures: 1, batchSize: 32, batches: 8 }),
      regression("airline-lstm", "LSTM(50)+Dense(1), [·,10,1], batch 32 (06)", { cell: "lstm", units: 50, lookBack: 10, numFeatures: 1, batchSize: 32, batches: 8 }),
      regression("airline-rnn", "SimpleRNN(50)+Dense(1), [·,10,1], batch 32 (06)", { cell: "simpleRNN", units: 50, lookBack: 10, numFeatures: 1, batchSize: 32, batches: 8 }),
      regression("random-walk", "SimpleRNN(50)+Dense(1), [·,50,1], batch 32 (07)", { cell: "simpleRNN", units: 50, lookBack: 50, numFeatures: 1, batchSize: 32, batches: 6 }),
      regression("etth1", "LSTM(64)+Dense(1), [·,10,7], batch 64 (08)", { cell: "lstm", units: 64, lookBack: 10, numFeatures: 7, batchSize: 64, batches: 4 }),
      textModel(60, 32, 128, 40, 64, 1),
    ];

/** Milliseconds of CPU (user + system) this process has used. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Times `batches` training batches of a fresh model (after one warm-up batch): ms per batch. */
async function measure(model: BenchModel, variant: Variant): Promise<{ cpu: number; wall: number }> {
  if (tf.getBackend() === "wasm") {
    if (variant === "stock") unpatchWasmMatMul();
    else patchWasmMatMul();
  }
  const net = model.build(variant === "lib" ? "auto" : "stock"); // lib: what the workbook does (fused except on native TensorFlow)
  const warm = model.data(model.batchSize);
  const { x, y } = model.data(model.batchSize * model.batches);
  try {
    await net.fit(warm.x, warm.y, { epochs: 1, batchSize: model.batchSize, shuffle: false, verbose: 0 });
    const cpu0 = cpuMs();
    const wall0 = performance.now();
    await net.fit(x, y, { epochs: 1, batchSize: model.batchSize, shuffle: false, verbose: 0 });
    return { cpu: (cpuMs() - cpu0) / model.batches, wall: (performance.now() - wall0) / model.batches };
  } finally {
    tf.dispose([x, y, warm.x, warm.y]);
    net.dispose();
    patchWasmMatMul(); // the workbook's default
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Writes a file atomically (temporary file, then rename). */
function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

interface Row {
  model: string;
  description: string;
  backend: BackendName;
  variant: Variant;
  cpuMs: number[];
  wallMs: number[];
  medianCpuMs: number;
  medianWallMs: number;
}

/** Ratios per repetition (stock / variant), then the report, written as JSON (also after every model, marked partial). */
function writeReport(rows: Row[], skipped: Record<string, string>, loadBefore: number[], started: number, partial: boolean) {
  // Ratios per repetition (stock time / variant time), then their median and spread.
  const ratios = rows
    .filter((row) => row.variant !== "stock")
    .map((row) => {
      const stock = rows.find((s) => s.model === row.model && s.backend === row.backend && s.variant === "stock")!;
      const perRep = row.cpuMs.map((ms, i) => stock.cpuMs[i] / ms);
      const perRepWall = row.wallMs.map((ms, i) => stock.wallMs[i] / ms);
      return { model: row.model, backend: row.backend, variant: row.variant, speedup: median(perRep), min: Math.min(...perRep), max: Math.max(...perRep), wallSpeedup: median(perRepWall) };
    });

  const workbookSummary = path.join(__dirname, "..", "build", "workbook", "summary.json");
  const report = {
    partial,
    date: new Date().toISOString(),
    smoke,
    repeats,
    seconds: (Date.now() - started) / 1000,
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() },
    note: "CPU ms = user + system time of this process per training batch (model.fit, Adam); wall ms inflate when other programs share the cores. Ratios are per repetition (stock / variant), then median.",
    skippedBackends: skipped,
    results: rows,
    ratios,
    workbook: existsSync(workbookSummary) ? JSON.parse(readFileSync(workbookSummary, "utf8")) : null,
  };
  writeAtomically(outFile, JSON.stringify(report, null, 1));
  return { report, ratios };
}

async function main(): Promise<void> {
  const wanted = argValue("--models")?.split(",");
  const models = wanted ? MODELS.filter((m) => wanted.includes(m.name)) : MODELS;
  if (models.length === 0) throw new Error(`Expected --models to name some of ${MODELS.map((m) => m.name).join(", ")}, but got ${wanted}.`);
  const backends = (argValue("--backends")?.split(",") ?? ["tensorflow", "wasm", "cpu"]) as BackendName[];
  const console_warn = console.warn;
  console.warn = () => undefined; // the orthogonal initialiser's one-off "slowness" notice
  const rows: Row[] = [];
  const skipped: Record<string, string> = {};
  const loadBefore = os.loadavg();
  const started = Date.now();
  for (const backend of backends) {
    try {
      await selectBackend({ backend });
    } catch (error) {
      skipped[backend] = (error as Error).message.split("\n")[0];
      console.log(`${backend}: not available (${skipped[backend]})`);
      continue;
    }
    const variants: Variant[] = backend === "wasm" ? ["stock", "matmul", "lib"] : ["stock", "lib"];
    for (const model of models) {
      const byVariant = new Map<Variant, { cpu: number[]; wall: number[] }>(variants.map((v) => [v, { cpu: [], wall: [] }]));
      for (let r = 0; r < repeats; r++) {
        const order = variants.map((_, i) => variants[(i + r) % variants.length]); // rotate who goes first
        for (const variant of order) {
          const m = await measure(model, variant);
          byVariant.get(variant)!.cpu.push(m.cpu);
          byVariant.get(variant)!.wall.push(m.wall);
        }
      }
      for (const [variant, m] of byVariant) {
        rows.push({ model: model.name, description: model.description, backend, variant, cpuMs: m.cpu, wallMs: m.wall, medianCpuMs: median(m.cpu), medianWallMs: median(m.wall) });
      }
      const line = variants.map((v) => `${v} ${median(byVariant.get(v)!.cpu).toFixed(2)}`).join(" · ");
      console.log(`${backend.padEnd(10)} ${model.name.padEnd(13)} CPU ms per batch: ${line}`);
      writeReport(rows, skipped, loadBefore, started, true); // a run cut short keeps what it measured
    }
  }
  console.warn = console_warn;

  const { report, ratios } = writeReport(rows, skipped, loadBefore, started, false);

  console.log(`\nms per training batch, median of ${repeats} interleaved repetition(s); CPU time (wall time in brackets); speed-up = stock / variant, median per repetition [min–max]`);
  console.log(`machine: ${report.machine.cpu} × ${report.machine.cores}, ${process.version}, load average ${loadBefore.map((l) => l.toFixed(1)).join(" ")} before → ${report.machine.loadAverageAfter.map((l) => l.toFixed(1)).join(" ")} after`);
  console.log("| model | backend | stock | matmul | lib | matmul speed-up | lib speed-up |");
  console.log("|---|---|---|---|---|---|---|");
  for (const backend of backends) {
    for (const model of models) {
      const get = (v: Variant) => rows.find((r) => r.model === model.name && r.backend === backend && r.variant === v);
      const stock = get("stock");
      if (!stock) continue;
      const cell = (v: Variant) => {
        const row = get(v);
        return row ? `${row.medianCpuMs.toFixed(2)} (${row.medianWallMs.toFixed(1)})` : "–";
      };
      const ratio = (v: Variant) => {
        const q = ratios.find((r) => r.model === model.name && r.backend === backend && r.variant === v);
        return q ? `${q.speedup.toFixed(2)}× [${q.min.toFixed(2)}–${q.max.toFixed(2)}]` : "–";
      };
      console.log(`| ${model.name} | ${backend} | ${cell("stock")} | ${cell("matmul")} | ${cell("lib")} | ${ratio("matmul")} | ${ratio("lib")} |`);
    }
  }
  console.log(`\nwritten: ${outFile}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
