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
import { activeWasmBackend, WasmBackend, wasmProduct } from "./kernels";
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

/** 2^k for integers k in [-126, 127], the exponents {@link gateExp} needs. */
const POWERS_OF_TWO = Float64Array.from({ length: 254 }, (_, i) => 2 ** (i - 126));
const LOG2_E = 1.4426950408889634;
/** ln 2 split in two (Cody and Waite), so that x − k·ln 2 loses no digits. */
const LN2_HIGH = 0.6931471803691238;
const LN2_LOW = 1.9082149292705877e-10;
/** Adding and subtracting 1.5·2^52 rounds a double to the nearest integer. */
const ROUNDER = 6755399441055744;

/**
 * e^x to float32 accuracy (relative error below 2e-7; the layers' values are float32), about
 * twice as fast as Math.exp in V8, which the gates call five times per unit and step:
 * x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of degree 6, times 2^k.
 * Outside [-87, 88] (where float32 underflows or overflows anyway), and for NaN, Math.exp.
 */
export function gateExp(x: number): number {
  if (!(x > -87 && x < 88)) return Math.exp(x);
  const k = x * LOG2_E + ROUNDER - ROUNDER; // nearest integer to x / ln 2
  const r = x - k * LN2_HIGH - k * LN2_LOW;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return p * POWERS_OF_TWO[k + 126];
}

/** tanh through one exponential (faster than Math.tanh in V8; saturated beyond |z| > 15 as in float32). */
function tanh(z: number): number {
  if (z > 15) return 1;
  if (z < -15) return -1;
  const e = gateExp(2 * z);
  return (e - 1) / (e + 1);
}

/** Softplus as TensorFlow.js's kernel computes it. */
function softplus(z: number): number {
  return z < SOFTPLUS_THRESHOLD ? Math.exp(z) : z > -SOFTPLUS_THRESHOLD ? z : Math.log(1 + Math.exp(z));
}

/**
 * An activation as loops specialised per function (one switch per segment, none per
 * value: a shared loop calling a function per value runs several times slower).
 */
function activation(name: FusedActivationName): SegmentActivation {
  if (name === "softmax") {
    return {
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
    };
  }
  return {
    forward(z, y, o, n) {
      const end = o + n;
      switch (name) {
        case "tanh":
          for (let j = o; j < end; j++) y[j] = tanh(z[j]);
          break;
        case "sigmoid":
          for (let j = o; j < end; j++) y[j] = 1 / (1 + gateExp(-z[j]));
          break;
        case "hardSigmoid":
          for (let j = o; j < end; j++) y[j] = Math.min(1, Math.max(0, HARD_SIGMOID_SLOPE * z[j] + 0.5));
          break;
        case "relu":
          for (let j = o; j < end; j++) y[j] = z[j] > 0 ? z[j] : 0;
          break;
        case "linear":
          for (let j = o; j < end; j++) y[j] = z[j];
          break;
        case "elu":
          for (let j = o; j < end; j++) y[j] = z[j] >= 0 ? z[j] : Math.exp(z[j]) - 1;
          break;
        case "selu":
          for (let j = o; j < end; j++) y[j] = z[j] > 0 ? SELU_SCALE * z[j] : SELU_SCALE_ALPHA * (Math.exp(z[j]) - 1);
          break;
        case "softplus":
          for (let j = o; j < end; j++) y[j] = softplus(z[j]);
          break;
      }
    },
    backward(z, y, o, n, dy, dz) {
      switch (name) {
        case "tanh":
          for (let j = 0; j < n; j++) dz[o + j] = dy[j] * (1 - y[o + j] * y[o + j]);
          break;
        case "sigmoid":
          for (let j = 0; j < n; j++) dz[o + j] = dy[j] * y[o + j] * (1 - y[o + j]);
          break;
        case "hardSigmoid":
          // The gradient of clipByValue(0.2·z + 0.5, 0, 1): passes where the clipped value is within [0, 1].
          for (let j = 0; j < n; j++) {
            const p = Math.fround(HARD_SIGMOID_SLOPE * z[o + j] + 0.5);
            dz[o + j] = p >= 0 && p <= 1 ? dy[j] * HARD_SIGMOID_SLOPE : 0;
          }
          break;
        case "relu":
          for (let j = 0; j < n; j++) dz[o + j] = z[o + j] > 0 ? dy[j] : 0;
          break;
        case "linear":
          for (let j = 0; j < n; j++) dz[o + j] = dy[j];
          break;
        case "elu":
          for (let j = 0; j < n; j++) dz[o + j] = y[o + j] >= 0 ? dy[j] : dy[j] * (y[o + j] + 1);
          break;
        case "selu":
          for (let j = 0; j < n; j++) dz[o + j] = z[o + j] > 0 ? dy[j] * SELU_SCALE : dy[j] * SELU_SCALE_ALPHA * Math.exp(z[o + j]);
          break;
        case "softplus":
          for (let j = 0; j < n; j++) dz[o + j] = dy[j] / (1 + Math.exp(-z[o + j]));
          break;
      }
    },
  };
}

const ACTIVATIONS = Object.fromEntries(FUSED_ACTIVATIONS.map((name) => [name, activation(name)])) as Record<FusedActivationName, SegmentActivation>;

// ---------------------------------------------------------------------------------------
// Matrix products through the backend (XNNPACK on wasm), from and to typed arrays.

/**
 * `a · b` for `a` a row-major [rows, k] array and `b` a [k, n] tensor, as a row-major array
 * (written into `into` when given). With `wasm` (the backend, looked up once per pass) the
 * product goes to the backend's kernel directly: one per time step, forward and backward;
 * through the engine, its bookkeeping cost a small model more than the product.
 */
function productWith(wasm: WasmBackend | undefined, a: Float32Array, rows: number, k: number, b: tf.Tensor, into?: Float32Array): Float32Array {
  if (wasm !== undefined) return wasmProduct(wasm, a, rows, k, b, into);
  const left = tf.tensor2d(a, [rows, k]);
  const out = tf.matMul(left, b); // [rows, n]
  const values = out.dataSync() as Float32Array;
  tf.dispose([left, out]); // `out` is gone: its values are ours to write into
  if (into === undefined) return values;
  into.set(values);
  return into;
}

/** The transpose of a row-major [rows, columns] array: a row-major [columns, rows] array (written into `out` when given). */
function transpose2d(a: Float32Array, rows: number, columns: number, out: Float32Array = new Float32Array(rows * columns)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * columns;
    for (let c = 0; c < columns; c++) out[c * rows + r] = a[o + c];
  }
  return out;
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

/**
 * Float32Arrays of the fused passes, kept from one training batch to the next instead of
 * made afresh. Why: a typed array's memory lies outside V8's heap, and each batch of notebook
 * 08's model made about 5 MB of them; that much "external memory" started the garbage
 * collector's full marking of the whole heap every dozen batches, which cost the process
 * about 40 % more CPU than the training itself (on threads of its own). Used on wasm only,
 * where a tensor made from an array copies it into the backend's memory, so no tensor ever
 * shares a pooled array.
 */
export class ArrayPool {
  private readonly free = new Map<number, Float32Array[]>();
  private bytes = 0;
  /** @param limitBytes the most the pool keeps, in bytes (default 64 MiB); arrays past it are left to the garbage collector. */
  constructor(private readonly limitBytes = 64 * 1024 * 1024) {}

  /** A zero-filled array of `length` values, reused when one was given back. */
  take(length: number): Float32Array {
    const array = this.free.get(length)?.pop();
    if (array === undefined) return new Float32Array(length);
    this.bytes -= array.byteLength;
    return array.fill(0);
  }

  /** Gives arrays back for later batches (the caller must not use them afterwards). */
  give(...arrays: Float32Array[]): void {
    for (const array of arrays) {
      if (array.length === 0 || this.bytes + array.byteLength > this.limitBytes) continue;
      const list = this.free.get(array.length) ?? [];
      list.push(array);
      this.free.set(array.length, list);
      this.bytes += array.byteLength;
    }
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    return this.bytes;
  }
}

/** The pool the fused passes use on wasm. */
const POOL = new ArrayPool();

/** A fresh array of `length` values, or a pooled one (zero-filled) when `pool` is given. */
function allocate(pool: ArrayPool | undefined, length: number): Float32Array {
  return pool ? pool.take(length) : new Float32Array(length);
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
    save(inputs.slice(0, 3)); // x, kernel and recurrent kernel, kept for the backward pass (a tidy scope may free the originals); the bias is not needed there
    const [xs, w, r, b] = inputs;
    return forwardAndBackward(spec, xs, w, r, spec.useBias ? b : undefined);
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return spec.useBias ? op(x, kernel, recurrentKernel, bias!) : op(x, kernel, recurrentKernel);
}

/**
 * The values of one sequence pass, row-major with row `b·steps + t` for sample b at step t.
 * (The step functions below are small and separate so that the JIT optimises each one.)
 */
class Pass {
  readonly rows: number;
  /** Pre-activations, [rows, width]. */
  readonly z: Float32Array;
  /** Activations, [rows, width]. */
  readonly a: Float32Array;
  /** Outputs h, [rows, units] = [batch, steps, units]. */
  readonly h: Float32Array;
  /** LSTM carry c and act(c), [rows, units]; GRU r·h_{t-1} in `c`. */
  readonly c: Float32Array;
  readonly ac: Float32Array;
  constructor(
    readonly batch: number,
    readonly steps: number,
    readonly units: number,
    readonly width: number,
    readonly act: SegmentActivation,
    readonly gate: SegmentActivation,
    pool?: ArrayPool,
  ) {
    this.rows = batch * steps;
    this.z = allocate(pool, this.rows * width);
    this.a = allocate(pool, this.rows * width);
    this.h = allocate(pool, this.rows * units);
    this.c = allocate(pool, this.rows * units);
    this.ac = allocate(pool, this.rows * units);
  }
}

/** z = xw + hr for `n` values of every sample at step t (hr: [batch, hrWidth], null at t = 0). */
function addRecurrent(q: Pass, t: number, xw: Float32Array, hr: Float32Array | null, hrWidth: number, offset: number, n: number): void {
  const { batch, steps, width, z } = q;
  for (let s = 0; s < batch; s++) {
    const o = (s * steps + t) * width + offset;
    if (hr === null) {
      for (let j = 0; j < n; j++) z[o + j] = xw[o + j];
    } else {
      const ho = s * hrWidth;
      for (let j = 0; j < n; j++) z[o + j] = xw[o + j] + hr[ho + j];
    }
  }
}

/** SimpleRNN, step t: h = act(z). */
function rnnForwardStep(q: Pass, t: number, hPrev: Float32Array): void {
  const { batch, steps, units, width, z, a, h, act } = q;
  for (let s = 0; s < batch; s++) {
    const row = s * steps + t;
    const o = row * width;
    act.forward(z, a, o, units);
    for (let u = 0; u < units; u++) {
      h[row * units + u] = a[o + u];
      hPrev[s * units + u] = a[o + u];
    }
  }
}

/** LSTM, step t: gates i, f, candidate, o; c = f·c_{t-1} + i·candidate; h = o·act(c). */
function lstmForwardStep(q: Pass, t: number, hPrev: Float32Array): void {
  const { batch, steps, units, width, z, a, c, ac, h, act, gate } = q;
  for (let s = 0; s < batch; s++) {
    const row = s * steps + t;
    const o = row * width;
    const oh = row * units;
    gate.forward(z, a, o, 2 * units);
    act.forward(z, a, o + 2 * units, units);
    gate.forward(z, a, o + 3 * units, units);
    for (let u = 0; u < units; u++) {
      const cPrev = t > 0 ? c[oh - units + u] : 0;
      c[oh + u] = a[o + units + u] * cPrev + a[o + u] * a[o + 2 * units + u];
    }
    act.forward(c, ac, oh, units);
    for (let u = 0; u < units; u++) {
      const value = a[o + 3 * units + u] * ac[oh + u];
      h[oh + u] = value;
      hPrev[s * units + u] = value;
    }
  }
}

/** GRU, step t, first half: gates z and r, and r·h_{t-1} (into `rh` and the pass's `c`). */
function gruForwardGates(q: Pass, t: number, hPrev: Float32Array, rh: Float32Array): void {
  const { batch, steps, units, width, z, a, c, gate } = q;
  for (let s = 0; s < batch; s++) {
    const row = s * steps + t;
    const o = row * width;
    gate.forward(z, a, o, 2 * units);
    for (let u = 0; u < units; u++) {
      const value = a[o + units + u] * hPrev[s * units + u];
      rh[s * units + u] = value;
      c[row * units + u] = value;
    }
  }
}

/** GRU, step t, second half: candidate hh = act(z), h = z·h_{t-1} + (1 - z)·hh. */
function gruForwardOutput(q: Pass, t: number, hPrev: Float32Array): void {
  const { batch, steps, units, width, a, h, act, z } = q;
  for (let s = 0; s < batch; s++) {
    const row = s * steps + t;
    const o = row * width;
    act.forward(z, a, o + 2 * units, units);
    for (let u = 0; u < units; u++) {
      const gz = a[o + u];
      const value = gz * hPrev[s * units + u] + (1 - gz) * a[o + 2 * units + u];
      h[row * units + u] = value;
      hPrev[s * units + u] = value;
    }
  }
}

/** dh of sample s at step t: from step t + 1 plus, where the layer outputs step t, from the output. */
function stepGradient(q: Pass, t: number, s: number, dy: ArrayLike<number>, returnSequences: boolean, dhRec: Float32Array, dh: Float64Array): void {
  const { steps, units } = q;
  const oy = returnSequences ? (s * steps + t) * units : s * units;
  const fromOutput = returnSequences || t === steps - 1;
  for (let u = 0; u < units; u++) dh[u] = dhRec[s * units + u] + (fromOutput ? dy[oy + u] : 0);
}

/** SimpleRNN, step t backward: dz = act'(z)·dh. */
function rnnBackwardStep(q: Pass, t: number, dy: ArrayLike<number>, returnSequences: boolean, dhRec: Float32Array, dz: Float32Array, dh: Float64Array): void {
  const { batch, steps, width, units, z, a, act } = q;
  for (let s = 0; s < batch; s++) {
    stepGradient(q, t, s, dy, returnSequences, dhRec, dh);
    act.backward(z, a, (s * steps + t) * width, units, dh, dz);
  }
}

/** LSTM, step t backward: dz of the four gates; dcNext becomes the gradient reaching c_{t-1}. */
function lstmBackwardStep(
  q: Pass, t: number, dy: ArrayLike<number>, returnSequences: boolean, dhRec: Float32Array, dcNext: Float64Array,
  dz: Float32Array, dcAct: Float32Array, dh: Float64Array, tmp: Float64Array,
): void {
  const { batch, steps, units, width, z, a, c, ac, act, gate } = q;
  for (let s = 0; s < batch; s++) {
    stepGradient(q, t, s, dy, returnSequences, dhRec, dh);
    const row = s * steps + t;
    const o = row * width;
    const oh = row * units;
    for (let u = 0; u < units; u++) tmp[u] = dh[u] * ac[oh + u]; // h = o·act(c): the o gate
    gate.backward(z, a, o + 3 * units, units, tmp, dz);
    for (let u = 0; u < units; u++) tmp[u] = dh[u] * a[o + 3 * units + u]; // …and act(c)
    act.backward(c, ac, oh, units, tmp, dcAct);
    for (let u = 0; u < units; u++) {
      const dc = dcAct[oh + u] + dcNext[s * units + u];
      tmp[u] = dc * a[o + 2 * units + u]; // i
      tmp[units + u] = t > 0 ? dc * c[oh - units + u] : 0; // f
      dcNext[s * units + u] = dc * a[o + units + u];
      dh[u] = dc * a[o + u]; // the candidate (dh is free again)
    }
    gate.backward(z, a, o, 2 * units, tmp, dz);
    act.backward(z, a, o + 2 * units, units, dh, dz);
  }
}

/** GRU, step t backward, first half: dz of the candidate and of the z gate; dhDirect = dh·z. */
function gruBackwardOutput(
  q: Pass, t: number, dy: ArrayLike<number>, returnSequences: boolean, dhRec: Float32Array, dz: Float32Array,
  dhDirect: Float32Array, dh: Float64Array, tmp: Float64Array,
): void {
  const { batch, steps, units, width, z, a, h, act, gate } = q;
  for (let s = 0; s < batch; s++) {
    stepGradient(q, t, s, dy, returnSequences, dhRec, dh);
    const row = s * steps + t;
    const o = row * width;
    const oh = row * units;
    for (let u = 0; u < units; u++) tmp[u] = dh[u] * (1 - a[o + u]); // the candidate
    act.backward(z, a, o + 2 * units, units, tmp, dz);
    for (let u = 0; u < units; u++) {
      const hp = t > 0 ? h[oh - units + u] : 0;
      tmp[u] = dh[u] * (hp - a[o + 2 * units + u]); // the z gate
      dhDirect[s * units + u] = dh[u] * a[o + u];
    }
    gate.backward(z, a, o, units, tmp, dz);
  }
}

/** GRU, step t backward, second half: dz of the r gate from d(r·h_{t-1}); dhDirect += d(r·h)·r. */
function gruBackwardReset(q: Pass, t: number, drh: Float32Array, dz: Float32Array, dhDirect: Float32Array, tmp: Float64Array): void {
  const { batch, steps, units, width, z, a, h, gate } = q;
  for (let s = 0; s < batch; s++) {
    const row = s * steps + t;
    const o = row * width;
    const oh = row * units;
    for (let u = 0; u < units; u++) {
      const hp = t > 0 ? h[oh - units + u] : 0;
      tmp[u] = drh[s * units + u] * hp;
      dhDirect[s * units + u] += drh[s * units + u] * a[o + units + u];
    }
    gate.backward(z, a, o + units, units, tmp, dz);
  }
}

/** out[s, 0..n) = m[(s·steps + t)·width + offset + 0..n): one step's columns of a [rows, width] array. */
function gatherStep(q: Pass, m: Float32Array, t: number, offset: number, n: number, out: Float32Array): Float32Array {
  const { batch, steps, width } = q;
  for (let s = 0; s < batch; s++) {
    const o = (s * steps + t) * width + offset;
    out.set(m.subarray(o, o + n), s * n);
  }
  return out;
}

/** The forward pass, and a closure over its saved values that computes the gradients. */
function forwardAndBackward(spec: FusedSpec, x: tf.Tensor, w: tf.Tensor, r: tf.Tensor, bias: tf.Tensor | undefined) {
  const [batch, steps, features] = x.shape;
  const units = spec.units;
  const width = CELLS[spec.cell] * units; // values per row of z
  const wasm = activeWasmBackend();
  const pool = wasm ? POOL : undefined; // pooled arrays go back in the backward pass; on cpu a tensor may share an array, so none are pooled
  const q = new Pass(batch, steps, units, width, ACTIVATIONS[spec.activation], ACTIVATIONS[spec.recurrentActivation], pool);
  const rows = q.rows;
  const gru = spec.cell === "GRU";

  // Input products of every step at once, plus the bias: [batch·steps, gates·units].
  const xw = productWith(wasm, x.dataSync() as Float32Array, rows, features, w, allocate(pool, rows * width)); // an array of our own: written into below
  if (bias) {
    const b = bias.dataSync();
    for (let row = 0; row < rows; row++) for (let j = 0; j < width; j++) xw[row * width + j] += b[j];
  }
  // For GRU the recurrent kernel is two matrices: [units, 2·units] for z, r and [units, units] for h.
  const r1 = gru ? r.slice([0, 0], [units, 2 * units]) : r;
  const r2 = gru ? r.slice([0, 2 * units], [units, units]) : undefined;
  const hPrev = new Float32Array(batch * units); // h_{t-1}, [batch, units]
  const rh = new Float32Array(batch * units); // GRU: r·h_{t-1} of one step
  const hrWidth = gru ? 2 * units : width;
  const hrStep = allocate(pool, batch * hrWidth); // one step's recurrent product, [batch, hrWidth]
  const rhStep = allocate(pool, gru ? batch * units : 0); // GRU: one step's (r·h_{t-1}) · R2
  for (let t = 0; t < steps; t++) {
    const hr = t > 0 ? productWith(wasm, hPrev, batch, units, r1, hrStep) : null; // [batch, hrWidth]
    if (spec.cell === "SimpleRNN") {
      addRecurrent(q, t, xw, hr, hrWidth, 0, width);
      rnnForwardStep(q, t, hPrev);
    } else if (spec.cell === "LSTM") {
      addRecurrent(q, t, xw, hr, hrWidth, 0, width);
      lstmForwardStep(q, t, hPrev);
    } else {
      addRecurrent(q, t, xw, hr, hrWidth, 0, 2 * units);
      gruForwardGates(q, t, hPrev, rh);
      addRecurrent(q, t, xw, productWith(wasm, rh, batch, units, r2!, rhStep), units, 2 * units, units);
      gruForwardOutput(q, t, hPrev);
    }
  }

  pool?.give(xw, hrStep, rhStep); // used by the forward pass only
  const value = spec.returnSequences
    ? tf.tensor3d(q.h, [batch, steps, units])
    : tf.tensor2d(gatherLast(q), [batch, units]);

  const gradFunc = (dyTensor: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    // Tensors made in the forward pass were freed with its scope: make them again from the saved inputs.
    const [x, w, r] = saved;
    const rT1 = gru ? tf.transpose(r.slice([0, 0], [units, 2 * units])) : tf.transpose(r); // [hrWidth, units]
    const rT2 = gru ? tf.transpose(r.slice([0, 2 * units], [units, units])) : undefined;
    const dy = dyTensor.dataSync();
    const dz = allocate(pool, rows * width);
    const dhRec = new Float32Array(batch * units); // gradient reaching h_t from step t + 1
    const dcNext = new Float64Array(batch * units); // LSTM: gradient reaching c_t from step t + 1
    const dcAct = allocate(pool, spec.cell === "LSTM" ? rows * units : 0); // LSTM: c's share through h = o·act(c)
    const dhDirect = new Float32Array(batch * units); // GRU: h_{t-1}'s share not through R
    const dh = new Float64Array(units);
    const tmp = new Float64Array(2 * units);
    const dzStep = allocate(pool, batch * hrWidth);
    const dhhStep = allocate(pool, gru ? batch * units : 0);
    const drh = allocate(pool, gru ? batch * units : 0); // GRU: one step's d(r·h_{t-1})
    for (let t = steps - 1; t >= 0; t--) {
      if (spec.cell === "SimpleRNN") {
        rnnBackwardStep(q, t, dy, spec.returnSequences, dhRec, dz, dh);
      } else if (spec.cell === "LSTM") {
        lstmBackwardStep(q, t, dy, spec.returnSequences, dhRec, dcNext, dz, dcAct, dh, tmp);
      } else {
        gruBackwardOutput(q, t, dy, spec.returnSequences, dhRec, dz, dhDirect, dh, tmp);
        productWith(wasm, gatherStep(q, dz, t, 2 * units, units, dhhStep), batch, units, rT2!, drh); // d(r·h_{t-1}) = d pre-hh · R2ᵀ
        gruBackwardReset(q, t, drh, dz, dhDirect, tmp);
      }
      if (t > 0) {
        productWith(wasm, gatherStep(q, dz, t, 0, hrWidth, dzStep), batch, hrWidth, rT1, dhRec); // [batch, units]
        if (gru) for (let j = 0; j < batch * units; j++) dhRec[j] += dhDirect[j];
      }
    }
    tf.dispose([rT1, ...(rT2 ? [rT2] : [])]);

    // Weight and input gradients, each as one product over all steps.
    const hPrevAll = allocate(pool, rows * units); // row (b, t) holds h_{t-1}
    for (let s = 0; s < batch; s++) hPrevAll.set(q.h.subarray(s * steps * units, (s * steps + steps - 1) * units), (s * steps + 1) * units);
    const dzTensor = tf.tensor2d(dz, [rows, width]);
    let grads: tf.Tensor[];
    if (wasm !== undefined) {
      // The products the engine would run, on the same kernel and with the same explicit
      // transposes (so the same values), without its bookkeeping: transposes in plain loops.
      const wT = tf.tensor2d(transpose2d(w.dataSync() as Float32Array, features, width), [width, features]);
      const hT = transpose2d(hPrevAll, rows, units, allocate(pool, rows * units));
      try {
        const dx = tf.tensor3d(wasmProduct(wasm, dz, rows, width, wT), [batch, steps, features]); // dz · Wᵀ
        const dw = tf.tensor2d(wasmProduct(wasm, transpose2d(x.dataSync() as Float32Array, rows, features), features, rows, dzTensor), [features, width]); // xᵀ · dz
        const hdz = wasmProduct(wasm, hT, units, rows, dzTensor); // h_{t-1}ᵀ · dz, [units, width]
        if (gru) {
          // z, r columns from h_{t-1}ᵀ · dz; h columns from (r·h_{t-1})ᵀ · dz.
          const rhdz = wasmProduct(wasm, transpose2d(q.c, rows, units, hT), units, rows, dzTensor);
          for (let u = 0; u < units; u++) hdz.set(rhdz.subarray(u * width + 2 * units, (u + 1) * width), u * width + 2 * units);
        }
        grads = [dx, dw, tf.tensor2d(hdz, [units, width])];
      } finally {
        tf.dispose([wT, dzTensor]);
        pool?.give(hT);
      }
    } else {
      const x2d = x.reshape([rows, features]);
      const dx = tf.matMul(dzTensor, w, false, true).reshape([batch, steps, features]);
      const dw = tf.matMul(x2d, dzTensor, true, false);
      let dr: tf.Tensor;
      if (gru) {
        const dz12 = dzTensor.slice([0, 0], [rows, 2 * units]);
        const dz3 = dzTensor.slice([0, 2 * units], [rows, units]);
        dr = tf.concat([tf.matMul(tf.tensor2d(hPrevAll, [rows, units]), dz12, true, false), tf.matMul(tf.tensor2d(q.c, [rows, units]), dz3, true, false)], 1);
      } else {
        dr = tf.matMul(tf.tensor2d(hPrevAll, [rows, units]), dzTensor, true, false);
      }
      grads = [dx, dw, dr];
    }
    if (bias) grads.push(tf.tensor1d(columnSums(dz, rows, width)));
    // The pass is over: on wasm its arrays serve the next batch (tensors made from them hold copies).
    pool?.give(q.z, q.a, q.h, q.c, q.ac, dz, dcAct, dzStep, dhhStep, drh, hPrevAll);
    return grads;
  };
  return { value, gradFunc };
}

/** The last step's outputs, [batch, units]. */
function gatherLast(q: Pass): Float32Array {
  const last = new Float32Array(q.batch * q.units);
  for (let s = 0; s < q.batch; s++) last.set(q.h.subarray((s * q.steps + q.steps - 1) * q.units, (s * q.steps + q.steps) * q.units), s * q.units);
  return last;
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
