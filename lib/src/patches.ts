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

/** The parts of the wasm backend a JavaScript kernel needs (see `@tensorflow/tfjs-backend-wasm`). */
interface WasmBackendMemory {
  /** The values of a tensor, read from the wasm heap. */
  readSync(dataId: unknown): ArrayLike<number>;
  /** Allocates an output tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of an output tensor's memory on the wasm heap, to write into. */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
}

/**
 * Sums the rows of `x` into `numSegments` buckets: row `i` (an index into
 * `segmentIds`' shape) goes to bucket `segmentIds[i]`; ids outside
 * [0, numSegments) are dropped, as in TensorFlow. Plain loops over the values.
 */
export function unsortedSegmentSumValues(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  out: { length: number; [index: number]: number },
): void {
  const rows = segmentIds.length;
  const inner = rows === 0 ? 0 : x.length / rows; // values per row: x is [rows, inner] once flattened
  for (let i = 0; i < out.length; i++) out[i] = 0;
  for (let row = 0; row < rows; row++) {
    const segment = segmentIds[row];
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * inner;
    const to = segment * inner;
    for (let j = 0; j < inner; j++) out[to + j] += x[from + j];
  }
}

/**
 * Registers `UnsortedSegmentSum` for the wasm backend, which TensorFlow.js 4.22
 * lacks. The Embedding layer's gradient (the gradient of `tf.gather`) needs it,
 * so without it an Embedding cannot train on wasm ("Kernel 'UnsortedSegmentSum'
 * not registered for backend 'wasm'"). Safe to call any number of times; the
 * backend module calls it when it loads the wasm backend. Returns true when it
 * registered the kernel, false when one was already there.
 * Introduced in notebook 09 (generating text).
 */
export function patchWasmUnsortedSegmentSum(): boolean {
  if (tf.getKernel("UnsortedSegmentSum", "wasm") !== undefined) return false;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const memory = backend as unknown as WasmBackendMemory;
      const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)]; // [numSegments, ...x's remaining dims]
      const output = memory.makeOutput(shape, x.dtype);
      unsortedSegmentSumValues(memory.readSync(x.dataId), memory.readSync(segmentIds.dataId), numSegments, memory.typedArrayFromHeap(output));
      return output;
    },
  });
  return true;
}
