/**
 * Fused recurrent layers: TensorFlow.js's own SimpleRNN, LSTM and GRU layers whose
 * forward pass over the whole sequence, and whose backpropagation through time, each
 * run as ONE operation with its own gradient.
 * Introduced in notebook 09 (generating text); `buildRecurrentModel` uses them from
 * notebook 02 on.
 *
 * Why: a stock recurrent layer runs about a dozen small kernels per time step, forward
 * and backward, and on the wasm and cpu backends the engine's bookkeeping for each
 * kernel costs more than its arithmetic. Fused, the gate arithmetic runs in plain loops
 * over typed arrays and only the matrix products go to the backend: the input products
 * of all time steps as one product, one recurrent product per step, and the weight
 * gradients as one product each after the backward loop.
 *
 * How: {@link fuseRecurrentLayer} replaces the `call` method of one layer object (of a
 * Bidirectional wrapper: of both inner layers). Class, configuration, weights, names and
 * initialisers stay those of the stock layer, so a model saves, serialises and loads
 * exactly as a stock Keras-format model, and a stock model can be fused after loading
 * ({@link useFusedLayers}). Calls the fused code cannot serve (dropout, masks, states,
 * an unknown activation, a non-float input) go to the stock code.
 *
 * Like every compute module, this one imports only `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";
import { assertOneOf, fail } from "./validate";

/** How recurrent layers compute. */
export const IMPLEMENTATIONS = ["auto", "fused", "stock"] as const;
/**
 * One of {@link IMPLEMENTATIONS}: `fused` always uses the fused code, `stock` always
 * TensorFlow.js's own, and `auto` the fused code except on the native `tensorflow`
 * backend, whose own kernels are faster there.
 */
export type Implementation = (typeof IMPLEMENTATIONS)[number];

/** Activations the fused code computes itself (names as TensorFlow.js serialises them). */
export const FUSED_ACTIVATIONS = ["tanh", "sigmoid", "hardSigmoid", "relu", "linear", "elu", "selu", "softplus", "softmax"] as const;
/** One of {@link FUSED_ACTIVATIONS}. */
export type FusedActivationName = (typeof FUSED_ACTIVATIONS)[number];

/** Cells the fused code knows, by the layer's class name. */
const CELLS = { LSTM: 4, GRU: 3, SimpleRNN: 1 } as const;
type CellName = keyof typeof CELLS;

// ---------------------------------------------------------------------------------------
// Activations on segments of typed arrays: y = act(z) and dz = dy · act'(z), as TensorFlow.js
// defines them (the gradients are those of its kernels, e.g. clipByValue's for hardSigmoid).

/** An activation applied to `n` values from offset `o` (softmax: over those `n` together). */
interface SegmentActivation {
  /** y[o..o+n) = act(z[o..o+n)). */
  forward(z: Float32Array, y: Float32Array, o: number, n: number): void;
  /** dz[o..o+n) = dy[0..n) · act'(z) (vector-Jacobian product), given z and y = act(z). */
  backward(z: Float32Array, y: Float32Array, o: number, n: number, dy: Float64Array, dz: Float32Array): void;
}

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;
const SOFTPLUS_THRESHOLD = Math.log(1.1920928955078125e-7) + 2.0; // as TensorFlow.js's softplus kernel
const HARD_SIGMOID_SLOPE = Math.fround(0.2);

/** An element-wise activation from its value and its derivative (from z and y). */
function elementwise(f: (z: number) => number, d: (z: number, y: number) => number): SegmentActivation {
  return {
    forward(z, y, o, n) {
      for (let j = o; j < o + n; j++) y[j] = f(z[j]);
    },
    backward(z, y, o, n, dy, dz) {
      for (let j = 0; j < n; j++) dz[o + j] = dy[j] * d(z[o + j], y[o + j]);
    },
  };
}

const ACTIVATIONS: Record<FusedActivationName, SegmentActivation> = {
  tanh: elementwise(Math.tanh, (_z, y) => 1 - y * y),
  sigmoid: elementwise((z) => 1 / (1 + Math.exp(-z)), (_z, y) => y * (1 - y)),
  hardSigmoid: elementwise(
    (z) => Math.min(1, Math.max(0, HARD_SIGMOID_SLOPE * z + 0.5)),
    (z) => {
      const p = Math.fround(HARD_SIGMOID_SLOPE * z + 0.5);
      return p >= 0 && p <= 1 ? HARD_SIGMOID_SLOPE : 0;
    },
  ),
  relu: elementwise((z) => (z > 0 ? z : 0), (z) => (z > 0 ? 1 : 0)),
  linear: elementwise((z) => z, () => 1),
  elu: elementwise((z) => (z >= 0 ? z : Math.exp(z) - 1), (_z, y) => (y >= 0 ? 1 : y + 1)),
  selu: elementwise((z) => (z > 0 ? SELU_SCALE * z : SELU_SCALE_ALPHA * (Math.exp(z) - 1)), (z) => (z > 0 ? SELU_SCALE : SELU_SCALE_ALPHA * Math.exp(z))),
  softplus: elementwise(
    (z) => (z < SOFTPLUS_THRESHOLD ? Math.exp(z) : z > -SOFTPLUS_THRESHOLD ? z : Math.log(1 + Math.exp(z))),
    (z) => 1 / (1 + Math.exp(-z)),
  ),
  softmax: {
    forward(z, y, o, n) {
      let max = -Infinity;
      for (let j = o; j < o + n; j++) max = Math.max(max, z[j]);
      let sum = 0;
      for (let j = o; j < o + n; j++) sum += Math.exp(z[j] - max);
      for (let j = o; j < o + n; j++) y[j] = Math.exp(z[j] - max) / sum;
    },
    backward(_z, y, o, n, dy, dz) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += dy[j] * y[o + j];
      for (let j = 0; j < n; j++) dz[o + j] = y[o + j] * (dy[j] - dot);
    },
  },
};

// ---------------------------------------------------------------------------------------
// Matrix products through the backend (XNNPACK on wasm), from and to typed arrays.

/** `a · b` for `a` a row-major [rows, k] array and `b` a [k, n] tensor, as a row-major array. */
function productWith(a: Float32Array, rows: number, k: number, b: tf.Tensor): Float32Array {
  const left = tf.tensor2d(a, [rows, k]);
  const out = tf.matMul(left, b); // [rows, n]
  const values = out.dataSync() as Float32Array;
  tf.dispose([left, out]);
  return values;
}

/** Column sums of a row-major [rows, n] array. */
function columnSums(a: Float32Array, rows: number, n: number): Float32Array {
  const sums = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) sums[j] += a[o + j];
  }
  return Float32Array.from(sums);
}

// ---------------------------------------------------------------------------------------
// The fused sequence operations.

/** What a fused operation needs to know about its layer. */
export interface FusedSpec {
  /** The cell, by the layer's class name. */
  cell: CellName;
  /** Units of the layer (the size of h). */
  units: number;
  /** Activation of the candidate / output. */
  activation: FusedActivationName;
  /** Activation of the gates (LSTM, GRU). */
  recurrentActivation: FusedActivationName;
  /** Whether the layer adds a bias. */
  useBias: boolean;
  /** Return every step's output `[batch, steps, units]` instead of the last `[batch, units]`. */
  returnSequences: boolean;
}

/**
 * Runs a recurrent layer over a whole sequence as one operation with its own gradient.
 * `x`: `[batch, steps, features]`; `kernel`: `[features, gates·units]`; `recurrentKernel`:
 * `[units, gates·units]`; `bias`: `[gates·units]` (omitted without bias). Gate order and
 * arithmetic are TensorFlow.js's (LSTM: i, f, c, o; GRU: z, r, h without reset-after).
 * Returns `[batch, steps, units]` with `returnSequences`, else `[batch, units]`.
 */
export function fusedRecurrence(spec: FusedSpec, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as (tensors: tf.Tensor[]) => void;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    save(inputs); // kept for the backward pass (a tidy scope may free the originals)
    const [xs, w, r, b] = inputs;
    return forwardAndBackward(spec, xs, w, r, spec.useBias ? b : undefined);
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return spec.useBias ? op(x, kernel, recurrentKernel, bias!) : op(x, kernel, recurrentKernel);
}

/** The forward pass, and a closure over its saved values that computes the gradients. */
function forwardAndBackward(spec: FusedSpec, x: tf.Tensor, w: tf.Tensor, r: tf.Tensor, bias: tf.Tensor | undefined) {
  const [batch, steps, features] = x.shape;
  const units = spec.units;
  const gates = CELLS[spec.cell];
  const width = gates * units; // values per row of z
  const act = ACTIVATIONS[spec.activation];
  const gate = ACTIVATIONS[spec.recurrentActivation];
  const rows = batch * steps; // row b·steps + t holds sample b at step t

  // Input products of every step at once, plus the bias: [batch·steps, gates·units].
  const x2d = x.reshape([rows, features]);
  const xwTensor = tf.matMul(x2d, w);
  const xw = xwTensor.dataSync() as Float32Array; // a copy: written into below
  xwTensor.dispose();
  if (bias) {
    const b = bias.dataSync();
    for (let row = 0; row < rows; row++) for (let j = 0; j < width; j++) xw[row * width + j] += b[j];
  }
  // For GRU the recurrent kernel is two matrices: [units, 2·units] for z, r and [units, units] for h.
  const r1 = spec.cell === "GRU" ? r.slice([0, 0], [units, 2 * units]) : r;
  const r2 = spec.cell === "GRU" ? r.slice([0, 2 * units], [units, units]) : undefined;

  const z = new Float32Array(rows * width); // pre-activations
  const a = new Float32Array(rows * width); // activations
  const h = new Float32Array(rows * units); // outputs, [batch, steps, units]
  const c = spec.cell === "LSTM" ? new Float32Array(rows * units) : undefined; // LSTM carry
  const ac = spec.cell === "LSTM" ? new Float32Array(rows * units) : undefined; // act(carry)
  const rh = spec.cell === "GRU" ? new Float32Array(rows * units) : undefined; // GRU r·h_{t-1}
  const hPrev = new Float32Array(batch * units); // h_{t-1}, [batch, units]
  const rhStep = spec.cell === "GRU" ? new Float32Array(batch * units) : undefined;

  for (let t = 0; t < steps; t++) {
    const hr = t > 0 ? productWith(hPrev, batch, units, r1) : undefined; // [batch, width or 2·units]
    const hrWidth = spec.cell === "GRU" ? 2 * units : width;
    for (let s = 0; s < batch; s++) {
      const row = s * steps + t;
      const o = row * width;
      const oh = row * units;
      if (spec.cell === "GRU") {
        for (let j = 0; j < 2 * units; j++) z[o + j] = xw[o + j] + (hr ? hr[s * hrWidth + j] : 0);
        gate.forward(z, a, o, 2 * units); // z and r gates
        for (let u = 0; u < units; u++) rhStep![s * units + u] = a[o + units + u] * hPrev[s * units + u];
      } else {
        for (let j = 0; j < width; j++) z[o + j] = xw[o + j] + (hr ? hr[s * hrWidth + j] : 0);
      }
      if (spec.cell === "SimpleRNN") {
        act.forward(z, a, o, units);
        for (let u = 0; u < units; u++) h[oh + u] = a[o + u];
      } else if (spec.cell === "LSTM") {
        gate.forward(z, a, o, 2 * units); // i, f
        act.forward(z, a, o + 2 * units, units); // candidate
        gate.forward(z, a, o + 3 * units, units); // o
        for (let u = 0; u < units; u++) {
          const cPrev = t > 0 ? c![oh - units + u] : 0;
          c![oh + u] = a[o + units + u] * cPrev + a[o + u] * a[o + 2 * units + u];
        }
        act.forward(c!, ac!, oh, units);
        for (let u = 0; u < units; u++) h[oh + u] = a[o + 3 * units + u] * ac![oh + u];
      }
    }
    if (spec.cell === "GRU") {
      const rr = productWith(rhStep!, batch, units, r2!); // [batch, units]
      for (let s = 0; s < batch; s++) {
        const row = s * steps + t;
        const o = row * width;
        const oh = row * units;
        for (let u = 0; u < units; u++) {
          z[o + 2 * units + u] = xw[o + 2 * units + u] + rr[s * units + u];
          rh![oh + u] = rhStep![s * units + u];
        }
        act.forward(z, a, o + 2 * units, units);
        for (let u = 0; u < units; u++) {
          const zt = a[o + u];
          h[oh + u] = zt * hPrev[s * units + u] + (1 - zt) * a[o + 2 * units + u];
        }
      }
    }
    for (let s = 0; s < batch; s++) hPrev.set(h.subarray((s * steps + t) * units, (s * steps + t + 1) * units), s * units);
  }

  let value: tf.Tensor;
  if (spec.returnSequences) {
    value = tf.tensor3d(h, [batch, steps, units]);
  } else {
    const last = new Float32Array(batch * units);
    for (let s = 0; s < batch; s++) last.set(h.subarray((s * steps + steps - 1) * units, (s * steps + steps) * units), s * units);
    value = tf.tensor2d(last, [batch, units]);
  }

  const gradFunc = (dyTensor: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    // Tensors made in the forward pass were freed with its scope: make them again from the saved inputs.
    const [x, w, r] = saved;
    const x2d = x.reshape([rows, features]);
    const r1 = spec.cell === "GRU" ? r.slice([0, 0], [units, 2 * units]) : r;
    const r2 = spec.cell === "GRU" ? r.slice([0, 2 * units], [units, units]) : undefined;
    const dy = dyTensor.dataSync();
    const dz = new Float32Array(rows * width);
    const dhRec = new Float32Array(batch * units); // gradient reaching h_t from step t + 1
    const dcNext = spec.cell === "LSTM" ? new Float64Array(batch * units) : undefined; // gradient reaching c_t from step t + 1
    const dcAct = spec.cell === "LSTM" ? new Float32Array(rows * units) : undefined; // c's share through h = o·act(c)
    const dc = new Float64Array(units);
    const dh = new Float64Array(units);
    const tmp = new Float64Array(2 * units);
    const rT1 = tf.transpose(r1); // [width or 2·units, units]
    const rT2 = r2 ? tf.transpose(r2) : undefined;
    const dzStep = new Float32Array(batch * (spec.cell === "GRU" ? 2 * units : width));
    const dhDirect = spec.cell === "GRU" ? new Float32Array(batch * units) : undefined;
    for (let t = steps - 1; t >= 0; t--) {
      for (let s = 0; s < batch; s++) {
        const row = s * steps + t;
        const o = row * width;
        const oh = row * units;
        for (let u = 0; u < units; u++) {
          const fromOutput = spec.returnSequences ? dy[oh + u] : t === steps - 1 ? dy[s * units + u] : 0;
          dh[u] = dhRec[s * units + u] + fromOutput;
        }
        if (spec.cell === "SimpleRNN") {
          act.backward(z, a, o, units, dh, dz);
        } else if (spec.cell === "LSTM") {
          // h = o·act(c): gradients of o and of c.
          for (let u = 0; u < units; u++) tmp[u] = dh[u] * ac![oh + u];
          gate.backward(z, a, o + 3 * units, units, tmp, dz);
          for (let u = 0; u < units; u++) tmp[u] = dh[u] * a[o + 3 * units + u];
          act.backward(c!, ac!, oh, units, tmp, dcAct!); // into dcAct[oh..oh+units)
          for (let u = 0; u < units; u++) dc[u] = dcAct![oh + u] + dcNext![s * units + u];
          for (let u = 0; u < units; u++) tmp[u] = dc[u] * a[o + 2 * units + u]; // d i
          for (let u = 0; u < units; u++) tmp[units + u] = dc[u] * (t > 0 ? c![oh - units + u] : 0); // d f
          gate.backward(z, a, o, 2 * units, tmp, dz);
          for (let u = 0; u < units; u++) tmp[u] = dc[u] * a[o + u]; // d candidate
          act.backward(z, a, o + 2 * units, units, tmp, dz);
          for (let u = 0; u < units; u++) dcNext![s * units + u] = dc[u] * a[o + units + u];
        } else {
          // GRU: h = z·h_{t-1} + (1 - z)·hh.
          for (let u = 0; u < units; u++) tmp[u] = dh[u] * (1 - a[o + u]); // d hh
          act.backward(z, a, o + 2 * units, units, tmp, dz);
          for (let u = 0; u < units; u++) {
            const hp = t > 0 ? h[oh - units + u] : 0;
            tmp[u] = dh[u] * (hp - a[o + 2 * units + u]); // d z
            dhDirect![s * units + u] = dh[u] * a[o + u];
          }
          gate.backward(z, a, o, units, tmp, dz); // dz of the z gate (the r gate follows below)
        }
      }
      if (spec.cell === "GRU") {
        // d(r·h_{t-1}) = d pre-hh · R2ᵀ, then the r gate and h_{t-1}'s share.
        const dhh = new Float32Array(batch * units);
        for (let s = 0; s < batch; s++) dhh.set(dz.subarray((s * steps + t) * width + 2 * units, (s * steps + t) * width + 3 * units), s * units);
        const drh = productWith(dhh, batch, units, rT2!); // [batch, units]
        for (let s = 0; s < batch; s++) {
          const row = s * steps + t;
          const o = row * width;
          const oh = row * units;
          for (let u = 0; u < units; u++) {
            const hp = t > 0 ? h[oh - units + u] : 0;
            tmp[units + u] = drh[s * units + u] * hp; // d r
            dhDirect![s * units + u] += drh[s * units + u] * a[o + units + u];
          }
          gate.backward(z, a, o + units, units, tmp.subarray(units) as Float64Array, dz);
        }
      }
      if (t > 0) {
        const stepWidth = spec.cell === "GRU" ? 2 * units : width;
        for (let s = 0; s < batch; s++) {
          const o = (s * steps + t) * width;
          dzStep.set(dz.subarray(o, o + stepWidth), s * stepWidth);
        }
        const back = productWith(dzStep, batch, stepWidth, rT1); // [batch, units]
        dhRec.set(back);
        if (dhDirect) for (let j = 0; j < batch * units; j++) dhRec[j] += dhDirect[j];
      }
    }
    tf.dispose([rT1, ...(rT2 ? [rT2] : [])]);

    // Weight and input gradients, each as one product over all steps.
    const dzTensor = tf.tensor2d(dz, [rows, width]);
    const dx = tf.matMul(dzTensor, w, false, true).reshape([batch, steps, features]);
    const dw = tf.matMul(x2d, dzTensor, true, false);
    const hPrevAll = new Float32Array(rows * units); // row (b, t) holds h_{t-1}
    for (let s = 0; s < batch; s++) hPrevAll.set(h.subarray(s * steps * units, (s * steps + steps - 1) * units), (s * steps + 1) * units);
    let dr: tf.Tensor;
    if (spec.cell === "GRU") {
      const dz12 = dzTensor.slice([0, 0], [rows, 2 * units]);
      const dz3 = dzTensor.slice([0, 2 * units], [rows, units]);
      const hp = tf.tensor2d(hPrevAll, [rows, units]);
      const rhAll = tf.tensor2d(rh!, [rows, units]);
      dr = tf.concat([tf.matMul(hp, dz12, true, false), tf.matMul(rhAll, dz3, true, false)], 1);
    } else {
      dr = tf.matMul(tf.tensor2d(hPrevAll, [rows, units]), dzTensor, true, false);
    }
    const grads = [dx, dw, dr];
    if (bias) grads.push(tf.tensor1d(columnSums(dz, rows, width)));
    return grads;
  };
  return { value, gradFunc };
}

// ---------------------------------------------------------------------------------------
// Layers.

/** The parts of a TensorFlow.js recurrent layer the fused code reads. */
interface RecurrentLayerInternals {
  cell: {
    units: number;
    kernel: { read(): tf.Tensor };
    recurrentKernel: { read(): tf.Tensor };
    bias?: { read(): tf.Tensor } | null;
    useBias: boolean;
    activation: { getClassName(): string };
    recurrentActivation?: { getClassName(): string };
    dropout: number;
    recurrentDropout: number;
  };
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/** Marks a layer whose `call` this module replaced, with its implementation. */
const FUSED = Symbol.for("rnn-workbook.fusedImplementation");

/** Whether the fused code can serve this call (else the stock code does). */
function fusable(layer: RecurrentLayerInternals, implementation: Implementation, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> | undefined): boolean {
  if (implementation === "stock") return false;
  if (implementation === "auto" && tf.getBackend() === "tensorflow") return false;
  const cell = layer.cell;
  const x = Array.isArray(inputs) ? inputs : [inputs];
  return (
    x.length === 1 &&
    x[0].rank === 3 &&
    x[0].dtype === "float32" &&
    (kwargs?.mask ?? null) === null &&
    (kwargs?.initialState ?? null) === null &&
    !layer.stateful &&
    !layer.returnState &&
    !(cell.dropout > 0) &&
    !(cell.recurrentDropout > 0) &&
    (FUSED_ACTIVATIONS as readonly string[]).includes(cell.activation.getClassName()) &&
    (cell.recurrentActivation === undefined || (FUSED_ACTIVATIONS as readonly string[]).includes(cell.recurrentActivation.getClassName()))
  );
}

/** The fused forward pass of a layer, on a single `[batch, steps, features]` input. */
function fusedCall(layer: RecurrentLayerInternals, name: CellName, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    let x = Array.isArray(inputs) ? inputs[0] : inputs; // [batch, steps, features]
    if (layer.goBackwards) x = tf.reverse(x, 1); // outputs stay in processing order, as the stock layer's
    const cell = layer.cell;
    const spec: FusedSpec = {
      cell: name,
      units: cell.units,
      activation: cell.activation.getClassName() as FusedActivationName,
      recurrentActivation: (cell.recurrentActivation?.getClassName() ?? "sigmoid") as FusedActivationName,
      useBias: cell.useBias && cell.bias != null,
      returnSequences: layer.returnSequences,
    };
    return fusedRecurrence(spec, x, cell.kernel.read(), cell.recurrentKernel.read(), spec.useBias ? cell.bias!.read() : undefined);
  });
}

/** Whether `layer` is a recurrent layer the fused code knows (SimpleRNN, LSTM, GRU) or a Bidirectional wrapper of one. */
export function isFusableLayer(layer: tf.layers.Layer): boolean {
  const name = layer.getClassName();
  if (name === "Bidirectional") {
    const inner = (layer as unknown as { forwardLayer: tf.layers.Layer }).forwardLayer;
    return inner !== undefined && inner.getClassName() in CELLS;
  }
  return name in CELLS;
}

/** The implementation a layer was given by {@link fuseRecurrentLayer}, or `stock` for an untouched layer. */
export function layerImplementation(layer: tf.layers.Layer): Implementation {
  const target = layer.getClassName() === "Bidirectional" ? (layer as unknown as { forwardLayer: tf.layers.Layer }).forwardLayer : layer;
  return ((target as unknown as Record<symbol, Implementation>)[FUSED] ?? "stock") as Implementation;
}

/**
 * Makes one recurrent layer (SimpleRNN, LSTM, GRU, or a Bidirectional wrapper of one)
 * compute with the given implementation, by replacing its `call` method; its class,
 * configuration and weights stay the stock layer's. `stock` restores the stock code.
 * Returns the layer.
 * Introduced in notebook 09 (generating text).
 */
export function fuseRecurrentLayer<L extends tf.layers.Layer>(layer: L, implementation: Implementation = "auto"): L {
  assertOneOf("implementation", implementation, IMPLEMENTATIONS);
  if (!(layer instanceof tf.layers.Layer) || !isFusableLayer(layer)) {
    fail("layer", "a SimpleRNN, LSTM or GRU layer, or a Bidirectional wrapper of one", layer instanceof tf.layers.Layer ? layer.getClassName() : layer);
  }
  if (layer.getClassName() === "Bidirectional") {
    const wrapper = layer as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
    fuseRecurrentLayer(wrapper.forwardLayer, implementation);
    fuseRecurrentLayer(wrapper.backwardLayer, implementation);
    return layer;
  }
  const target = layer as unknown as RecurrentLayerInternals & Record<symbol, Implementation>;
  if (implementation === "stock") {
    delete (target as Partial<RecurrentLayerInternals>).call; // the prototype's (stock) call shows through again
    delete target[FUSED];
    return layer;
  }
  const name = layer.getClassName() as CellName;
  const stockCall = Object.getPrototypeOf(layer).call as RecurrentLayerInternals["call"];
  target.call = function (this: RecurrentLayerInternals, inputs, kwargs) {
    return fusable(this, implementation, inputs, kwargs) ? fusedCall(this, name, inputs) : stockCall.call(this, inputs, kwargs);
  };
  target[FUSED] = implementation;
  return layer;
}

/**
 * Gives every recurrent layer of `model` the given implementation (see
 * {@link fuseRecurrentLayer}), e.g. after `tf.loadLayersModel`; returns how many layers
 * it changed. Introduced in notebook 09 (generating text).
 */
export function useFusedLayers(model: tf.LayersModel, implementation: Implementation = "auto"): number {
  if (!(model instanceof tf.LayersModel)) fail("model", "a TensorFlow.js LayersModel", model);
  assertOneOf("implementation", implementation, IMPLEMENTATIONS);
  let count = 0;
  for (const layer of model.layers) {
    if (isFusableLayer(layer)) {
      fuseRecurrentLayer(layer, implementation);
      count++;
    }
  }
  return count;
}
