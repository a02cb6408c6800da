import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { patchUnstackGradient } from "../lib/src/patches";
import { buildRecurrentModel } from "../lib/src/models";
import { fit } from "../lib/src/training";

tf.setBackend("cpu");

test("stacked LSTMs train on windows of ONE time step (TensorFlow.js issue #8255)", async () => {
  // buildRecurrentModel registers the corrected gradient; without it this fit throws
  // "Argument tensors passed to stack must be a `Tensor[]` or `TensorLike[]`".
  const model = buildRecurrentModel({ cell: "lstm", units: [4, 3], lookBack: 1, numFeatures: 2, learningRate: 0.05, seed: 2 });
  const x = [[[0.1, 0.2]], [[0.3, 0.4]], [[0.5, 0.6]], [[0.7, 0.8]]]; // [4, 1, 2]
  const y = [[0.3], [0.7], [1.1], [1.5]];
  const history = await fit(model, x, y, { epochs: 20, batchSize: 4, progress: "none" });
  assert.equal(history.loss.length, 20);
  assert.ok(history.loss.every(Number.isFinite));
  assert.ok(history.loss[19] < history.loss[0], "the loss falls");
  model.dispose();
});

test("the corrected gradient equals the gradient of unstack for one and for several pieces", () => {
  patchUnstackGradient();
  assert.equal(patchUnstackGradient(), false, "a second call changes nothing");
  for (const steps of [1, 3]) {
    const x = tf.tensor3d(Array.from({ length: 2 * steps * 2 }, (_, i) => i / 10), [2, steps, 2]);
    // f(x) = Σ over steps of (step index + 1) · sum(piece²): its gradient is 2·(t + 1)·x.
    const grad = tf.grad((input: tf.Tensor) =>
      tf.addN(tf.unstack(input, 1).map((piece, t) => piece.square().sum().mul(t + 1))),
    )(x);
    const expected = tf.tidy(() => x.mul(2).mul(tf.range(1, steps + 1).reshape([1, steps, 1])));
    assert.deepEqual(grad.shape, [2, steps, 2]);
    const diff = tf.abs(grad.sub(expected)).max().dataSync()[0];
    assert.ok(diff < 1e-6, `steps=${steps}: max difference ${diff}`);
    tf.dispose([x, grad, expected]);
  }
});
