/**
 * Training with seeded shuffling and live progress, and prediction from
 * plain arrays. Introduced in notebook 02 (one-to-one).
 *
 * TensorFlow.js shuffles with `Math.random`, which cannot be seeded, so `fit`
 * draws each epoch's order from the workbook's own seeded generator and hands
 * TensorFlow.js the batches in that order.
 */
import * as tf from "@tensorflow/tfjs";
import { chartBundle, ensurePlotlyLoaded, PLOTLY_MIME, trainingChart } from "./charts";
import { inNotebook, newDisplayHandle } from "./display";
import { interruptible, interruptionPoint, interruptRequested, InterruptedError } from "./interrupt";
import { createRng, shuffledIndices } from "./random";
import {
  assert3D,
  assertFraction,
  assertKnownOptions,
  assertMatrix,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
  assertSameLength,
  described,
  fail,
} from "./validate";

/** Ways `fit` can report progress. */
export const PROGRESS_MODES = ["auto", "chart", "text", "none"] as const;
/** One of {@link PROGRESS_MODES}: `auto` is a live chart in a notebook and text lines in a terminal. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/**
 * Inputs as nested arrays `[samples][timesteps][features]` or a rank-3 tensor;
 * for a model that starts with an Embedding, a rank-2 tensor of ids `[samples, timesteps]`.
 */
export type Inputs = number[][][] | tf.Tensor;
/** Targets as nested arrays `[samples][outputs]` or a tensor. */
export type Targets = number[][] | tf.Tensor;

/** Options for {@link fit}. */
export interface FitOptions {
  /** Passes over the training data. Required. */
  epochs: number;
  /** Samples per gradient step. Default: 32. */
  batchSize?: number;
  /** Shuffle the samples every epoch. Default: true. */
  shuffle?: boolean;
  /** Seed of the shuffling; the same seed gives the same order. Default: 42. */
  seed?: number;
  /**
   * Hold out this fraction of the samples (the last ones, before shuffling,
   * as Keras does) to measure validation loss. Default: none.
   */
  validationSplit?: number;
  /** Separate validation inputs and targets (instead of `validationSplit`). Default: none. */
  validationData?: { x: Inputs; y: Targets };
  /** How to show progress. Default: `"auto"`. */
  progress?: ProgressMode;
  /** Epochs between progress updates. Default: about 20 updates in all. */
  progressEvery?: number;
  /** Title of the live training chart. Default: `"Training"`. */
  title?: string;
  /** Called after every epoch with its number (1-based) and logs. Default: none. */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void;
}

/** What {@link fit} returns. */
export interface TrainingHistory {
  /** Epochs trained. */
  epochs: number;
  /** Training loss per epoch. */
  loss: number[];
  /** Validation loss per epoch (empty without validation data). */
  valLoss: number[];
  /** Every other metric per epoch, by name (e.g. `mae`, `val_mae`). */
  metrics: Record<string, number[]>;
  /** Wall-clock seconds spent training. */
  seconds: number;
}

/**
 * Converts inputs to a rank-3 tensor, validating nested arrays. A model whose
 * input is rank 2 (character ids `[samples, timesteps]` for an Embedding,
 * notebook 09) takes a rank-2 tensor.
 */
function toInputTensor(name: string, x: Inputs, modelRank = 3): tf.Tensor {
  if (x instanceof tf.Tensor) {
    if (modelRank === 2 && x.rank === 2) return x; // [samples, timesteps] of ids
    if (modelRank === 2) {
      fail(name, "a rank-2 tensor [samples, timesteps] of ids, as the model's Embedding takes", described(`a tensor of shape [${x.shape.join(", ")}]`));
    }
    if (x.rank !== 3) {
      fail(name, "a rank-3 tensor [samples, timesteps, features]", described(`a tensor of shape [${x.shape.join(", ")}]`), "Reshape it, e.g. x.reshape([samples, timesteps, features]).");
    }
    return x;
  }
  const shape = assert3D(name, x);
  return tf.tensor3d(x, shape); // [samples, timesteps, features]
}

/** Converts targets to a tensor, validating nested arrays. */
function toTargetTensor(name: string, y: Targets): tf.Tensor {
  if (y instanceof tf.Tensor) return y;
  if (Array.isArray(y) && y.length > 0 && Array.isArray(y[0]) && Array.isArray((y as unknown[][])[0][0])) {
    const shape = assert3D(name, y as unknown as number[][][]);
    return tf.tensor3d(y as unknown as number[][][], shape); // [samples, timesteps, outputs]
  }
  const shape = assertMatrix(name, y);
  return tf.tensor2d(y, shape); // [samples, outputs]
}

/**
 * How many of `samples` rows stay for training when the last
 * ⌊samples · validationSplit⌋ are held out (Keras's rule); both sides must be non-empty.
 * Introduced in notebook 02 (one-to-one).
 */
export function trainingRowCount(samples: number, validationSplit: number, name = "validationSplit"): number {
  assertPositiveInteger("samples", samples);
  assertFraction(name, validationSplit, "E.g. 0.2 holds out the last 20 % of the rows.");
  const held = Math.floor(samples * validationSplit);
  if (held < 1 || held >= samples) {
    fail(name, `a fraction that leaves at least one sample on each side of ${samples} samples`, validationSplit);
  }
  return samples - held;
}

/** Formats a loss value compactly. */
function formatLoss(v: number): string {
  return Math.abs(v) >= 0.01 && Math.abs(v) < 10000 ? v.toFixed(4) : v.toExponential(3);
}

/**
 * Trains `model` on `x` → `y` for `options.epochs` epochs with seeded
 * shuffling, showing progress (a live chart in a notebook, text lines in a
 * terminal), and returns the loss history.
 *
 * Kernel → Interrupt stops training after the batch that is running (see
 * interrupt.ts): `fit` then throws an {@link InterruptedError} saying at which
 * epoch it stopped, and the model keeps the weights it had reached.
 */
export function fit(model: tf.LayersModel, x: Inputs, y: Targets, options: FitOptions): Promise<TrainingHistory> {
  return interruptible(() => fitLoop(model, x, y, options));
}

/** The body of {@link fit}. */
async function fitLoop(model: tf.LayersModel, x: Inputs, y: Targets, options: FitOptions): Promise<TrainingHistory> {
  assertKnownOptions(
    options,
    ["epochs", "batchSize", "shuffle", "seed", "validationSplit", "validationData", "progress", "progressEvery", "title", "onEpochEnd"],
    "{ epochs: 100 }",
  );
  assertPositiveInteger("options.epochs", options.epochs, "Pass how many passes over the data to train, e.g. epochs: 100.");
  const batchSize = options.batchSize ?? 32;
  assertPositiveInteger("options.batchSize", batchSize);
  const seed = options.seed ?? 42;
  assertNonNegativeInteger("options.seed", seed);
  const progress = options.progress ?? "auto";
  assertOneOf("options.progress", progress, PROGRESS_MODES);
  const progressEvery = options.progressEvery ?? Math.max(1, Math.round(options.epochs / 20));
  assertPositiveInteger("options.progressEvery", progressEvery);
  if (options.validationSplit !== undefined && options.validationData !== undefined) {
    fail("options.validationSplit", "unset when `validationData` is given", options.validationSplit, "Use one of the two.");
  }

  const owned: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T, source: unknown): T => {
    if (t !== source) owned.push(t);
    return t;
  };
  try {
    const modelRank = model.inputs[0].shape.length;
    let xs = own(toInputTensor("x", x, modelRank), x);
    let ys = own(toTargetTensor("y", y), y);
    assertSameLength("x", xs.shape[0], "y", ys.shape[0]);
    const expectedInput = model.inputs[0].shape;
    if (expectedInput[1] !== null && (expectedInput[1] !== xs.shape[1] || expectedInput[2] !== xs.shape[2])) {
      fail(
        "x",
        `inputs of shape [samples, ${expectedInput[1]}, ${expectedInput[2]}] as the model was built for`,
        described(`shape [${xs.shape.join(", ")}]`),
        "Build the model with lookBack and numFeatures equal to x.shape[1] and x.shape[2].",
      );
    }

    let validation: [tf.Tensor, tf.Tensor] | undefined;
    if (options.validationSplit !== undefined) {
      const trainCount = trainingRowCount(xs.shape[0], options.validationSplit, "options.validationSplit");
      validation = [own(xs.slice(trainCount), null), own(ys.slice(trainCount), null)];
      xs = own(xs.slice(0, trainCount), null);
      ys = own(ys.slice(0, trainCount), null);
    } else if (options.validationData !== undefined) {
      const vx = own(toInputTensor("options.validationData.x", options.validationData.x, modelRank), options.validationData.x);
      const vy = own(toTargetTensor("options.validationData.y", options.validationData.y), options.validationData.y);
      assertSameLength("options.validationData.x", vx.shape[0], "options.validationData.y", vy.shape[0]);
      validation = [vx, vy];
    }

    const history: TrainingHistory = { epochs: 0, loss: [], valLoss: [], metrics: {}, seconds: 0 };
    const mode = progress === "auto" ? (inNotebook() ? "chart" : "text") : progress;
    const chart = mode === "chart" ? newDisplayHandle() : undefined;
    const title = options.title ?? "Training";
    if (chart) ensurePlotlyLoaded();
    let lastDraw = 0;
    // While training, the chart is updated as HTML alone; its last state carries the Plotly MIME
    // type too. JupyterLab hands an update of an output to the renderer already showing it, and
    // jupyterlab-plotly's renderer keeps the figure it drew first: with the Plotly MIME type in
    // every update, the chart stopped at its first epoch there (test/browser-lab.test.ts). An
    // update with other MIME types makes JupyterLab replace the renderer instead.
    const draw = (final: boolean) => {
      const bundle = chartBundle(trainingChart(history, { title: `${title} — epoch ${history.epochs}/${options.epochs}` }));
      if (!final) delete bundle[PLOTLY_MIME];
      chart!.update(bundle);
      lastDraw = Date.now();
    };

    const rng = createRng(seed);
    const count = xs.shape[0];
    const started = Date.now();
    // TensorFlow.js yields to the event loop about every 125 ms when a callback asks for it;
    // an interrupt that arrived by then stops training after the current batch.
    const stopWhenInterrupted = { onYield: () => void (interruptRequested() && (model.stopTraining = true)) };
    const interrupted = (epoch: number) => {
      if (chart && history.epochs > 0) draw(true);
      return new InterruptedError(
        epoch === 0
          ? `Training interrupted before its first epoch of ${options.epochs}; the model's weights are unchanged.`
          : `Training interrupted at epoch ${epoch} of ${options.epochs}; the model keeps its weights from that epoch.`,
      );
    };
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (await interruptionPoint()) throw interrupted(epoch - 1); // short epochs alone never let the signal in
      let ex = xs;
      let ey = ys;
      if (options.shuffle !== false && count > 1) {
        const order = tf.tensor1d(shuffledIndices(count, rng), "int32");
        ex = tf.gather(xs, order);
        ey = tf.gather(ys, order);
        order.dispose();
      }
      const result = await model.fit(ex, ey, { epochs: 1, batchSize, shuffle: false, verbose: 0, validationData: validation, callbacks: stopWhenInterrupted });
      if (ex !== xs) tf.dispose([ex, ey]);
      if (model.stopTraining) throw interrupted(epoch); // stopped part-way through this epoch
      const logs: Record<string, number> = {};
      for (const [name, values] of Object.entries(result.history)) logs[name] = Number(values[0]);
      history.epochs = epoch;
      history.loss.push(logs.loss);
      if (logs.val_loss !== undefined) history.valLoss.push(logs.val_loss);
      for (const [name, value] of Object.entries(logs)) {
        if (name !== "loss" && name !== "val_loss") (history.metrics[name] ??= []).push(value);
      }
      if (!Number.isFinite(logs.loss)) {
        throw new Error(`Training diverged: the loss became ${logs.loss} at epoch ${epoch}. Scale inputs and targets, or lower the learning rate.`);
      }
      options.onEpochEnd?.(epoch, logs);
      const due = epoch % progressEvery === 0 || epoch === options.epochs;
      if (chart && (epoch === options.epochs || (due && Date.now() - lastDraw > 400))) draw(epoch === options.epochs);
      if (mode === "text" && due) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const val = logs.val_loss !== undefined ? ` · val_loss ${formatLoss(logs.val_loss)}` : "";
        console.log(`epoch ${epoch}/${options.epochs} · loss ${formatLoss(logs.loss)}${val} · ${seconds} s`);
      }
    }
    history.seconds = (Date.now() - started) / 1000;
    if (mode === "chart") {
      const val = history.valLoss.length > 0 ? `, validation loss ${formatLoss(history.valLoss[history.valLoss.length - 1])}` : "";
      console.log(`Trained ${history.epochs} epochs in ${history.seconds.toFixed(1)} s: loss ${formatLoss(history.loss[history.loss.length - 1])}${val}.`);
    }
    return history;
  } finally {
    tf.dispose(owned);
  }
}

/** Runs `model` on nested-array inputs and returns nested-array outputs `[samples][outputs]`. */
export function predict(model: tf.LayersModel, x: number[][][]): number[][] {
  const shape = assert3D("x", x);
  return tf.tidy(() => {
    const out = model.predict(tf.tensor3d(x, shape)) as tf.Tensor; // [samples, outputs]
    return out.reshape([shape[0], -1]).arraySync() as number[][];
  });
}
