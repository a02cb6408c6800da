/**
 * Adam with every weight's update in one pass of plain arithmetic, instead of about ten
 * backend kernels per weight tensor. Introduced in notebook 02 (one-to-one), whose small
 * models train through `compileModel`'s optimizer.
 *
 * Why: for a small model (notebooks 00-04: LSTM(50), batch 5) TensorFlow.js's Adam runs about
 * ninety kernels per batch (mul, add, square, div, sqrt, … for each of the five weight
 * tensors), and each kernel's bookkeeping costs far more than its arithmetic: about a third of
 * the batch. Here each weight's gradient is read once, the moments live in typed arrays, and
 * the new value is written back once (on wasm, gradients and weights are read, and the new
 * weights written, in the backend's memory without a copy).
 *
 * The arithmetic is `tf.train.adam`'s, operation by operation in float32 (every intermediate
 * rounded with `Math.fround`, as the backends round each kernel's output), so the weights equal
 * the stock optimizer's (test/optimizers.test.ts). The class IS TensorFlow.js's
 * `AdamOptimizer` (class name "Adam", the same configuration, `getWeights`/`setWeights` in the
 * same order and names), so code that inspects, saves or restores the optimizer sees no
 * difference.
 *
 * Like every compute module, this one imports only `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";
import { activeWasmBackend } from "./kernels";
import { simdAdam } from "./simd";

/** The stock optimizer's fields this one reads or keeps in step (tfjs-core's adam_optimizer.ts). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/** One weight's moments. */
interface Moments {
  /** The weight's name, for `getWeights` (`<name>/m`, `<name>/v`). */
  name: string;
  /** The weight's shape. */
  shape: number[];
  /** First moment (mean of gradients). */
  m: Float32Array;
  /** Second moment (mean of squared gradients). */
  v: Float32Array;
}

const f = Math.fround;

/**
 * One Adam step over every value of one weight, in float32 as the stock kernels round: updates
 * the moments `m`, `v` in place and writes the new weight into `next`. (A function of its own,
 * with everything as arguments: V8 optimises it once, and the loop reads no closure variables.)
 * The fused Adam runs the same arithmetic four values at a time where WebAssembly SIMD is
 * available ({@link simdAdam}), and this loop elsewhere.
 */
export function adamStep(
  g: Float32Array, w: Float32Array, m: Float32Array, v: Float32Array, next: Float32Array,
  b1: number, b2: number, c1: number, c2: number, eps: number, step: number, correction1: number, correction2: number,
): void {
  for (let j = 0; j < next.length; j++) {
    const gj = g[j];
    const mj = f(f(m[j] * b1) + f(gj * c1));
    const vj = f(f(v[j] * b2) + f(f(gj * gj) * c2));
    m[j] = mj;
    v[j] = vj;
    const mHat = f(mj / correction1);
    const vHat = f(vj / correction2);
    next[j] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * step) + w[j]);
  }
}

/** A named tensor as optimizers take gradients and give weights (tfjs-core's NamedTensor). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * `tf.train.adam` with all weights updated in one pass over typed arrays (see the module
 * comment). Construct it as the stock one: `new FusedAdamOptimizer(0.001)`; `beta1` 0.9,
 * `beta2` 0.999 and `epsilon` the backend's (1e-7) by default.
 * Introduced in notebook 02 (one-to-one).
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Moments per weight, by the weight's position in the gradients (as the stock optimizer). */
  private moments: Array<Moments | undefined> = [];
  /** beta1^(t+1) and beta2^(t+1) in float32: the stock optimizer's `accBeta1`, `accBeta2`. */
  private powers: [number, number];

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
    this.powers = [f(beta1), f(beta2)];
  }

  private get internals(): AdamInternals {
    return this as unknown as AdamInternals;
  }

  /** One Adam step for every weight with a gradient: the stock update, in float32, in one loop per weight. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const { learningRate, beta1, beta2, epsilon } = this.internals;
    const b1 = f(beta1);
    const b2 = f(beta2);
    const c1 = f(1 - beta1); // the stock optimizer multiplies by the scalar 1 - beta1
    const c2 = f(1 - beta2);
    const eps = f(epsilon);
    const step = f(-learningRate);
    const correction1 = f(1 - this.powers[0]);
    const correction2 = f(1 - this.powers[1]);
    const registered = tf.engine().registeredVariables;
    const heap = activeWasmBackend();
    const update = simdAdam() ?? adamStep;
    names.forEach((name, i) => {
      const variable = registered[name];
      const size = variable.size;
      const state = (this.moments[i] ??= { name, shape: variable.shape, m: new Float32Array(size), v: new Float32Array(size) });
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      if (variable.dtype !== "float32" || gradient.size !== size) {
        throw new Error(`FusedAdamOptimizer: expected a float32 gradient of ${size} values for weight "${name}", but got ${gradient.size} of ${gradient.dtype}.`);
      }
      // The weight is read only, never written in place: on cpu dataSync() is the tensor's own
      // storage, and the wasm backend's matrix products keep weights packed by tensor (a weight
      // changed where it lies would be multiplied with its old values). A new tensor takes the
      // new values; on wasm it is allocated on the heap and written there, with no copy.
      let value: tf.Tensor;
      if (heap) {
        const out = heap.makeOutput(variable.shape, "float32"); // first: an allocation may move the heap under older views
        update(heap.typedArrayFromHeap(gradient), heap.typedArrayFromHeap(variable), state.m, state.v, heap.typedArrayFromHeap(out), b1, b2, c1, c2, eps, step, correction1, correction2);
        value = tf.engine().makeTensorFromTensorInfo(out);
      } else {
        const next = new Float32Array(size);
        update(gradient.dataSync() as Float32Array, variable.dataSync() as Float32Array, state.m, state.v, next, b1, b2, c1, c2, eps, step, correction1, correction2);
        value = tf.tensor(next, variable.shape, "float32");
      }
      variable.assign(value);
      value.dispose(); // the variable keeps the data
    });
    this.powers = [f(this.powers[0] * b1), f(this.powers[1] * b2)];
    this.incrementIterations();
  }

  /** Writes the moments and powers into the stock optimizer's variables (for getWeights, saving). */
  private syncToStock(): void {
    const internals = this.internals;
    tf.tidy(() => {
      internals.accBeta1.assign(tf.scalar(this.powers[0]));
      internals.accBeta2.assign(tf.scalar(this.powers[1]));
    });
    this.moments.forEach((state, i) => {
      if (state === undefined) return;
      for (const [list, values, suffix] of [
        [internals.accumulatedFirstMoment, state.m, "m"],
        [internals.accumulatedSecondMoment, state.v, "v"],
      ] as const) {
        const tensor = tf.tensor(values.slice(), state.shape, "float32");
        if (list[i]) list[i]!.variable.assign(tensor);
        else list[i] = { originalName: `${state.name}/${suffix}`, variable: tensor.variable(false) };
        tensor.dispose();
      }
    });
  }

  /** The stock optimizer's weights: iterations, then every first moment, then every second moment. */
  override async getWeights(): Promise<NamedTensor[]> {
    this.syncToStock();
    return super.getWeights();
  }

  /** Restores weights saved by this or the stock optimizer. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await super.setWeights(weightValues);
    const internals = this.internals;
    this.powers = [f(internals.accBeta1.dataSync()[0]), f(internals.accBeta2.dataSync()[0])];
    this.moments = internals.accumulatedFirstMoment.map((first, i) => {
      const second = internals.accumulatedSecondMoment[i];
      if (!first || !second) return undefined;
      return { name: first.originalName.replace(/\/m$/, ""), shape: first.variable.shape, m: Float32Array.from(first.variable.dataSync()), v: Float32Array.from(second.variable.dataSync()) };
    });
  }
}
