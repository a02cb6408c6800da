/**
 * Corrections for known TensorFlow.js problems that the workbook's lessons run into.
 * Introduced in notebook 02 (one-to-one), the first lesson with windows of one time step.
 */
import * as tf from "@tensorflow/tfjs";

let unstackGradientPatched = false;

/**
 * Works around TensorFlow.js issue #8255 (still open in 4.22): training stacked
 * recurrent layers on windows of ONE time step fails with "Argument tensors
 * passed to stack must be a `Tensor[]` or `TensorLike[]`".
 *
 * A recurrent layer splits its input into time steps with `tf.unstack`. With a
 * single step there is a single piece, so the engine hands the gradient of
 * `unstack` one tensor instead of a list, and that gradient passes it straight
 * to `tf.stack`, which wants a list. This registers the same gradient, accepting
 * both. Safe to call any number of times; `buildRecurrentModel` calls it.
 * Returns true when it registered the corrected gradient, false when already done.
 * Introduced in notebook 02 (one-to-one).
 */
export function patchUnstackGradient(): boolean {
  if (unstackGradientPatched) return false;
  tf.registerGradient({
    kernelName: "Unpack",
    gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: unknown) => {
      const pieces = Array.isArray(dy) ? dy : [dy];
      const axis = (attrs as { axis: number }).axis;
      return { value: () => tf.stack(pieces, axis) };
    },
  });
  unstackGradientPatched = true;
  return true;
}
