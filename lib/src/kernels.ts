/**
 * Faster kernels for the wasm backend, registered in place of TensorFlow.js's own.
 * Introduced in notebook 09 (generating text), whose model spends most of its time in
 * matrix products; every model in the workbook gains.
 *
 * The wasm backend multiplies matrices with XNNPACK (≈ 20 GFLOP/s with SIMD) only when
 * neither operand is transposed and both have a batch size of one. Every other product —
 * and backpropagation through a dense or recurrent layer is made of transposed products —
 * falls into a scalar loop at 1–2 GFLOP/s. The kernel here transposes explicitly (a copy,
 * linear in the size of the operand) and then takes the fast path, once for the whole
 * batch when the right operand is shared, else once per matrix of the batch.
 *
 * Like every compute module, this one imports only `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";

/** The parts of the wasm backend a JavaScript kernel needs (see `@tensorflow/tfjs-backend-wasm`). */
export interface WasmBackend {
  /** Allocates a tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's memory on the wasm heap (valid until the heap grows). */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  /** Frees a tensor made by a kernel. */
  disposeData(dataId: unknown): boolean;
}

/**
 * The active backend when it is wasm, else undefined: for code that works on the wasm heap
 * directly (the fused layers' per-step products, the fused Adam), skipping the engine's
 * bookkeeping, which costs more than the arithmetic of a small model's kernel.
 */
export function activeWasmBackend(): WasmBackend | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackend>;
  return typeof backend.typedArrayFromHeap === "function" && typeof backend.makeOutput === "function" ? (backend as WasmBackend) : undefined;
}

/**
 * `a · b` on the wasm heap without the engine: `a` a row-major `[rows, k]` array, `b` a
 * `[k, n]` float32 tensor (made on another backend, the kernel's first look at it moves it
 * here, as in every wasm kernel); returns the row-major `[rows, n]` product,
 * written into `into` when given. Calls the registered BatchMatMul kernel (XNNPACK's fast
 * path: neither operand transposed, one matrix each), so the values equal `tf.matMul`'s.
 * Introduced in notebook 09 (generating text), with the fused layers (fused.ts) that use it.
 */
export function wasmProduct(backend: WasmBackend, a: Float32Array, rows: number, k: number, b: tf.TensorInfo, into?: Float32Array): Float32Array {
  const kernel = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc as unknown as KernelFunc;
  const left = backend.makeOutput([rows, k], "float32");
  try {
    backend.typedArrayFromHeap(left).set(a);
    const out = kernel({ inputs: { a: left, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const values = backend.typedArrayFromHeap(out); // a view: valid until the next allocation on the heap
    const result = into ?? new Float32Array(values.length);
    result.set(values);
    backend.disposeData(out.dataId);
    return result;
  } finally {
    backend.disposeData(left.dataId);
  }
}

/** A kernel function as TensorFlow.js registers it. */
type KernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

/** Number of elements of a shape. */
function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Index into an operand's batch for flat index `j` of the broadcast batch shape `outer`:
 * the operand's batch dims (right-aligned, size one where broadcast) select the matrix.
 */
export function broadcastBatchIndex(j: number, outer: number[], operandOuter: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = j;
  for (let d = outer.length - 1; d >= 0; d--) {
    const coordinate = rest % outer[d];
    rest = Math.floor(rest / outer[d]);
    const od = d - (outer.length - operandOuter.length); // the operand's own dimension, if it has one
    if (od >= 0) {
      const size = operandOuter[od];
      if (size !== 1) index += coordinate * stride;
      stride *= size;
    }
  }
  return index;
}

/**
 * The product `a · b` (each possibly transposed, with broadcast batch dimensions) computed
 * through the wasm backend's fast path only: explicit transposes, then products of
 * untransposed single matrices. `stock` is the backend's own BatchMatMul kernel function.
 */
function fastBatchMatMul(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  stock: KernelFunc,
  transposeKernel: KernelFunc,
): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackend;
  const aOuter = a.shape.slice(0, -2);
  const bOuter = b.shape.slice(0, -2);
  const batchA = sizeOf(aOuter);
  const batchB = sizeOf(bOuter);
  const rows = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2]; // M
  const inner = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1]; // K
  const innerB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  const columns = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]; // N
  const simple = !transposeA && !transposeB && batchA === 1 && batchB === 1;
  if (simple || a.dtype !== "float32" || b.dtype !== "float32" || inner !== innerB || rows * inner * columns === 0) {
    return stock(args) as tf.TensorInfo; // already fast, or an error / empty case the stock kernel reports
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter);
  const outShape = [...outer, rows, columns];
  const temporary: tf.TensorInfo[] = [];
  /** The operand as `[batch, r, c]` in row-major order, transposing its last two dims if asked. */
  const untransposed = (x: tf.TensorInfo, batch: number, r: number, c: number, transposed: boolean): tf.TensorInfo => {
    if (!transposed) return { dataId: x.dataId, shape: [batch, r, c], dtype: x.dtype };
    const t = transposeKernel({ inputs: { x: { dataId: x.dataId, shape: [batch, c, r], dtype: x.dtype } }, backend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo;
    temporary.push(t);
    return { dataId: t.dataId, shape: [batch, r, c], dtype: t.dtype };
  };
  try {
    const a3 = untransposed(a, batchA, rows, inner, transposeA); // [batchA, M, K]
    const b3 = untransposed(b, batchB, inner, columns, transposeB); // [batchB, K, N]
    if (batchB === 1) {
      // One product for the whole batch: stack a's matrices into [1, batchA·M, K].
      const out = stock({ inputs: { a: { ...a3, shape: [1, batchA * rows, inner] }, b: { ...b3, shape: [1, inner, columns] } }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
      return { ...out, shape: outShape };
    }
    const count = sizeOf(outer);
    const out = backend.makeOutput(outShape, "float32"); // [...outer, M, N]
    const aSize = rows * inner;
    const bSize = inner * columns;
    const outSize = rows * columns;
    /** Matrix `i` of a `[batch, r, c]` operand as a tensor of its own (shared when the batch is one). */
    const matrix = (x: tf.TensorInfo, batch: number, i: number, size: number, r: number, c: number): tf.TensorInfo => {
      if (batch === 1) return { ...x, shape: [1, r, c] };
      const copy = backend.makeOutput([1, r, c], "float32");
      backend.typedArrayFromHeap(copy).set(backend.typedArrayFromHeap({ ...x, shape: [batch * size] }).subarray(i * size, (i + 1) * size));
      return copy;
    };
    for (let j = 0; j < count; j++) {
      const ia = broadcastBatchIndex(j, outer, aOuter);
      const ib = broadcastBatchIndex(j, outer, bOuter);
      const aj = matrix(a3, batchA, ia, aSize, rows, inner);
      const bj = matrix(b3, batchB, ib, bSize, inner, columns);
      const product = stock({ inputs: { a: aj, b: bj }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
      // Views are taken after every allocation: a growing heap detaches older ones.
      backend.typedArrayFromHeap({ ...out, shape: [count * outSize] }).set(backend.typedArrayFromHeap({ ...product, shape: [outSize] }), j * outSize);
      backend.disposeData(product.dataId);
      if (aj.dataId !== a3.dataId) backend.disposeData(aj.dataId);
      if (bj.dataId !== b3.dataId) backend.disposeData(bj.dataId);
    }
    return out;
  } finally {
    for (const t of temporary) backend.disposeData(t.dataId);
  }
}

/** The stock kernel's configuration while the workbook's is registered. */
let stockMatMul: tf.KernelConfig | undefined;

/**
 * Registers, for the wasm backend, a BatchMatMul that never falls into the scalar loop
 * (see the module comment); results equal the stock kernel's to float32 rounding.
 * Safe to call any number of times, before or after the wasm backend is initialised;
 * the backend module calls it when it loads the wasm backend. Returns true when it
 * registered the kernel, false when it was already registered or wasm is not loaded.
 * Introduced in notebook 09 (generating text).
 */
export function patchWasmMatMul(): boolean {
  if (stockMatMul !== undefined) return false;
  const stockConfig = tf.getKernel("BatchMatMul", "wasm");
  const transposeConfig = tf.getKernel("Transpose", "wasm");
  if (stockConfig === undefined || transposeConfig === undefined) return false;
  const stock = stockConfig.kernelFunc as unknown as KernelFunc;
  const transpose = transposeConfig.kernelFunc as unknown as KernelFunc;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    setupFunc: stockConfig.setupFunc, // the stock kernel's wasm bindings, which this one calls
    kernelFunc: ((args: Parameters<KernelFunc>[0]) => fastBatchMatMul(args, stock, transpose)) as unknown as tf.KernelFunc,
  });
  stockMatMul = stockConfig;
  return true;
}

/**
 * Puts the stock wasm BatchMatMul back (for benchmarks and tests that compare the two);
 * {@link patchWasmMatMul} registers the workbook's again. Returns true when it changed anything.
 */
export function unpatchWasmMatMul(): boolean {
  if (stockMatMul === undefined) return false;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(stockMatMul);
  stockMatMul = undefined;
  return true;
}
