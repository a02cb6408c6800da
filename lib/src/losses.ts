/**
 * The mean squared error as ONE operation with its own gradient, for training small models.
 * Introduced in notebook 02 (one-to-one), whose models `compileModel` compiles with it.
 *
 * Why: TensorFlow.js computes a model's mean squared error with about eight kernels forward
 * (subtract, square, mean, and copies kept for the gradient) and as many backward; for the
 * lesson models (notebooks 00-04: LSTM(50), batch 5) their bookkeeping costs more than the
 * model's own arithmetic. Here the per-sample losses and their gradient are plain loops.
 *
 * The values are TensorFlow.js's (`tf.losses`-style per-sample mean over the last axis, in
 * float32, each operation rounded as the kernels round it); the gradient equals the stock
 * chain's within float32 rounding (test/losses.test.ts).
 *
 * Like every compute module, this one imports only `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";

const f = Math.fround;

/** TensorFlow.js's own per-sample mean squared error (tfjs-layers' `meanSquaredError`). */
function stockMeanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
}

/** Whether the fused loops can compute this pair (same shape, float32, at least one axis). */
function fusable(yTrue: tf.Tensor, yPred: tf.Tensor): boolean {
  return (
    yPred.rank >= 1 &&
    yTrue.rank === yPred.rank &&
    yTrue.shape.every((d, i) => d === yPred.shape[i]) &&
    yTrue.dtype === "float32" &&
    yPred.dtype === "float32" &&
    yPred.size > 0
  );
}

/**
 * Mean squared error per sample, over the last axis: `mean((yPred − yTrue)², −1)`, shape
 * `yPred.shape` without its last axis, as tfjs-layers' "meanSquaredError" loss; one operation
 * forward and one backward. Pairs it cannot serve (other shapes or dtypes) go to the stock code.
 * Introduced in notebook 02 (one-to-one).
 */
export function fusedMeanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  if (!fusable(yTrue, yPred)) return stockMeanSquaredError(yTrue, yPred);
  const n = yPred.shape[yPred.rank - 1];
  const outShape = yPred.shape.slice(0, -1);
  const op = tf.customGrad(((t: tf.Tensor, p: tf.Tensor) => {
    const tv = t.dataSync();
    const pv = p.dataSync();
    const rows = pv.length / n;
    const diff = new Float32Array(pv.length); // yPred − yTrue, kept for the gradient
    const loss = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = r * n; j < (r + 1) * n; j++) {
        const d = f(pv[j] - tv[j]);
        diff[j] = d;
        sum = f(sum + f(d * d));
      }
      loss[r] = f(sum / n);
    }
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const dv = dy.dataSync();
      const dPred = new Float32Array(diff.length);
      const dTrue = new Float32Array(diff.length);
      for (let r = 0; r < rows; r++) {
        const share = f(dv[r] / n); // the mean's gradient
        for (let j = r * n; j < (r + 1) * n; j++) {
          const g = f(share * f(2 * diff[j])); // the square's
          dPred[j] = g;
          dTrue[j] = -g; // the difference's
        }
      }
      return [tf.tensor(dTrue, t.shape, "float32"), tf.tensor(dPred, p.shape, "float32")];
    };
    return { value: tf.tensor(loss, outShape, "float32"), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(yTrue, yPred);
}

/**
 * Makes a compiled model compute its "meanSquaredError" losses with {@link fusedMeanSquaredError}.
 * The model's `loss` stays the string "meanSquaredError", so its configuration, saved files and
 * metrics are unchanged; only the function TensorFlow.js calls is replaced. Returns how many
 * losses it replaced. `compileModel` calls it (except on the native `tensorflow` backend).
 * Introduced in notebook 02 (one-to-one).
 */
export function useFusedLoss(model: tf.LayersModel): number {
  type Internals = { loss: unknown; lossFunctions?: Array<(yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor>; model?: unknown };
  // A Sequential model compiles and trains the functional model it wraps.
  const outer = model as unknown as Internals;
  const internals = (outer.model instanceof tf.LayersModel ? outer.model : model) as unknown as Internals;
  const names = Array.isArray(internals.loss) ? internals.loss : [internals.loss];
  const functions = internals.lossFunctions ?? [];
  let replaced = 0;
  functions.forEach((_, i) => {
    if ((names[i] ?? names[0]) === "meanSquaredError") {
      functions[i] = fusedMeanSquaredError;
      replaced++;
    }
  });
  return replaced;
}
