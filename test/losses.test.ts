// fusedMeanSquaredError (lib/src/losses.ts) against TensorFlow.js's own mean squared error:
// per-sample values and gradients on cpu and wasm, and training through compileModel.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/src/backend";
import { fusedMeanSquaredError, useFusedLoss } from "../lib/src/losses";
import { buildRecurrentModel } from "../lib/src/models";
import { FusedAdamOptimizer } from "../lib/src/optimizers";
import { fit } from "../lib/src/training";

/** tfjs-layers' "meanSquaredError" loss, as it computes it. */
const stock = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.square(tf.sub(p, t)), -1);

/** Largest difference, relative above magnitude 1. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return w;
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: fusedMeanSquaredError equals the stock loss and its gradients within 1e-6`, async () => {
    await selectBackend({ backend });
    for (const shape of [[5, 1], [7, 3], [4, 6, 2], [1, 1]]) {
      const t = tf.randomUniform(shape, -3, 3, "float32", 1);
      const p = tf.randomUniform(shape, -3, 3, "float32", 2);
      const dy = tf.randomUniform(shape.slice(0, -1), 0.5, 2, "float32", 3);
      const a = stock(t, p);
      const b = fusedMeanSquaredError(t, p);
      assert.deepEqual(b.shape, a.shape);
      const valueDiff = worst(a.dataSync(), b.dataSync());
      const ga = tf.grads((x: tf.Tensor, y: tf.Tensor) => stock(x, y))([t, p], dy);
      const gb = tf.grads((x: tf.Tensor, y: tf.Tensor) => fusedMeanSquaredError(x, y))([t, p], dy);
      const gradDiff = Math.max(worst(ga[0].dataSync(), gb[0].dataSync()), worst(ga[1].dataSync(), gb[1].dataSync()));
      console.log(`${backend} [${shape}]: values ${valueDiff.toExponential(1)}, gradients ${gradDiff.toExponential(1)}`);
      assert.ok(valueDiff <= 1e-6 && gradDiff <= 1e-6, `[${shape}]: values ${valueDiff}, gradients ${gradDiff}`);
      tf.dispose([t, p, dy, a, b, ...ga, ...gb]);
    }
    // Shapes it does not serve go to the stock code (here: broadcasting).
    const t = tf.ones([3, 1]);
    const p = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(Array.from(fusedMeanSquaredError(t, p).dataSync()), Array.from(stock(t, p).dataSync()));
  });
}

test("compileModel trains with the fused loss (the model's loss stays \"meanSquaredError\"): the same losses as the stock loss", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend({ backend });
    const build = () => buildRecurrentModel({ cell: "lstm", units: 8, lookBack: 3, numFeatures: 2, outputs: 2, seed: 9, learningRate: 0.01 });
    const fused = build();
    const plain = build();
    plain.compile({ optimizer: new FusedAdamOptimizer(0.01), loss: "meanSquaredError" }); // the stock loss function
    assert.equal(fused.loss, "meanSquaredError");
    const lossFunctions = (model: tf.LayersModel) => (model as unknown as { model: { lossFunctions: unknown[] } }).model.lossFunctions;
    assert.equal(lossFunctions(fused)[0], fusedMeanSquaredError, "compileModel installed the fused loss");
    assert.notEqual(lossFunctions(plain)[0], fusedMeanSquaredError, "model.compile alone keeps the stock one");
    assert.equal(useFusedLoss(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })), 0, "an uncompiled model has no loss to replace");
    const x = Array.from({ length: 23 }, (_, i) => [[Math.sin(i), i / 23], [Math.cos(i), 0.5], [Math.sin(2 * i), -i / 23]]);
    const y = x.map((s) => [s[0][0] + s[2][0] * 0.5, s[1][0]]);
    const options = { epochs: 8, batchSize: 5, seed: 4, validationSplit: 0.2, progress: "none" as const };
    const a = await fit(plain, x, y, options);
    const b = await fit(fused, x, y, options);
    const lossDiff = Math.max(...a.loss.map((l, i) => Math.abs(l - b.loss[i])), ...a.valLoss.map((l, i) => Math.abs(l - b.valLoss[i])));
    console.log(`${backend}: 8 epochs, largest loss difference ${lossDiff.toExponential(2)} (losses ${a.loss[0].toFixed(4)} → ${a.loss[7].toFixed(4)})`);
    assert.ok(lossDiff <= 1e-5, `${backend}: losses differ by ${lossDiff}`);
    plain.dispose();
    fused.dispose();
  }
});
