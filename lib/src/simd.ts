/**
 * Adam's per-value arithmetic as a WebAssembly SIMD loop, four float32 values per
 * instruction. Introduced in notebook 02 (one-to-one), whose small models train through the
 * fused Adam of optimizers.ts; every model gains.
 *
 * Why: in JavaScript each value of an Adam step costs three float64 divisions, a square root
 * and ten roundings to float32 (`Math.fround`), about 13 ns, which made Adam about a sixth of
 * a lesson model's batch (LSTM(50), batch 5). WebAssembly's `f32x4` instructions divide, take
 * square roots and round in float32 four values at a time. Every operation is IEEE float32
 * with one rounding, as `Math.fround` of the float64 result is (float64 is wide enough for
 * that to hold for +, ×, ÷ and √), so the values are bit for bit those of the JavaScript loop.
 *
 * The module is small enough to be written here, opcode by opcode (WebAssembly's binary
 * format, SIMD proposal as shipped in every Node ≥ 16): nothing to compile when installing.
 * Where WebAssembly SIMD is missing, {@link simdAdam} returns undefined and the caller keeps
 * its JavaScript loop.
 *
 * Like every compute module, this one imports nothing from the rest of the workbook.
 */

/** Opcodes used below (core, then SIMD after the 0xfd prefix). */
const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, brIf: 0x0d, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Eqz: 0x45, i32LtU: 0x49, i32Add: 0x6a,
} as const;
const SIMD = { v128Load: 0x00, v128Store: 0x0b, f32x4Splat: 0x13, f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Mul: 0xe6, f32x4Div: 0xe7 } as const;
const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60, void: 0x40 } as const;

/** Unsigned LEB128, as the binary format writes integers. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** A section: id, byte length, contents. */
function section(id: number, contents: number[]): number[] {
  return [id, ...leb(contents.length), ...contents];
}

/** A vector: count, then the items. */
function vector(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

/** An ASCII name as the binary format writes it (length, bytes). */
function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

/** A SIMD instruction (prefix 0xfd, LEB128 opcode). */
function simd(op: number): number[] {
  return [0xfd, ...leb(op)];
}

// Parameters of `adam` (byte offsets into the module's memory; `bytes` a multiple of 16).
const P = { bytes: 0, g: 1, w: 2, m: 3, v: 4, out: 5, b1: 6, b2: 7, c1: 8, c2: 9, eps: 10, step: 11, k1: 12, k2: 13 } as const;
// Locals: the byte index, the eight constants splatted to four lanes, and three values of one step.
const L = { i: 14, B1: 15, B2: 16, C1: 17, C2: 18, EPS: 19, STEP: 20, K1: 21, K2: 22, g: 23, m: 24, v: 25 } as const;

/** Pushes the four floats at byte `array + i`. */
function load(array: number): number[] {
  return [OP.localGet, array, OP.localGet, L.i, OP.i32Add, ...simd(SIMD.v128Load), 4, 0]; // align 2^4, offset 0
}

/** The module's bytes: memory "memory" and `adam(bytes, g, w, m, v, out, b1, b2, c1, c2, eps, step, k1, k2)`. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const splats = (
    [
      [P.b1, L.B1], [P.b2, L.B2], [P.c1, L.C1], [P.c2, L.C2], [P.eps, L.EPS], [P.step, L.STEP], [P.k1, L.K1], [P.k2, L.K2],
    ] as const
  ).flatMap(([param, local]) => [OP.localGet, param, ...simd(SIMD.f32x4Splat), OP.localSet, local]);
  const body = [
    ...splats,
    OP.block, TYPE.void,
    OP.localGet, P.bytes, OP.i32Eqz, OP.brIf, 0, // nothing to do
    OP.loop, TYPE.void,
    ...load(P.g), OP.localSet, L.g,
    // m = m·b1 + g·c1
    ...load(P.m), OP.localGet, L.B1, ...simd(SIMD.f32x4Mul), OP.localGet, L.g, OP.localGet, L.C1, ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), OP.localSet, L.m,
    // v = v·b2 + (g·g)·c2
    ...load(P.v), OP.localGet, L.B2, ...simd(SIMD.f32x4Mul), OP.localGet, L.g, OP.localGet, L.g, ...simd(SIMD.f32x4Mul), OP.localGet, L.C2, ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), OP.localSet, L.v,
    OP.localGet, P.m, OP.localGet, L.i, OP.i32Add, OP.localGet, L.m, ...simd(SIMD.v128Store), 4, 0,
    OP.localGet, P.v, OP.localGet, L.i, OP.i32Add, OP.localGet, L.v, ...simd(SIMD.v128Store), 4, 0,
    // out = (m / k1) / (√(v / k2) + eps) · step + w
    OP.localGet, P.out, OP.localGet, L.i, OP.i32Add,
    OP.localGet, L.m, OP.localGet, L.K1, ...simd(SIMD.f32x4Div),
    OP.localGet, L.v, OP.localGet, L.K2, ...simd(SIMD.f32x4Div), ...simd(SIMD.f32x4Sqrt), OP.localGet, L.EPS, ...simd(SIMD.f32x4Add),
    ...simd(SIMD.f32x4Div), OP.localGet, L.STEP, ...simd(SIMD.f32x4Mul),
    ...load(P.w), ...simd(SIMD.f32x4Add),
    ...simd(SIMD.v128Store), 4, 0,
    // i += 16, again while i < bytes
    OP.localGet, L.i, OP.i32Const, 16, OP.i32Add, OP.localTee, L.i, OP.localGet, P.bytes, OP.i32LtU, OP.brIf, 0,
    OP.end, // loop
    OP.end, // block
    OP.end, // function
  ];
  const locals = vector([[1, TYPE.i32], [11, TYPE.v128]]);
  const code = [...leb(locals.length + body.length), ...locals, ...body];
  const params = [...new Array(6).fill(TYPE.i32), ...new Array(8).fill(TYPE.f32)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector([[TYPE.func, ...vector(params.map((p) => [p])), ...vector([])]])), // types
    ...section(3, vector([[0]])), // functions: one, of type 0
    ...section(5, vector([[0x00, 1]])), // memory: at least one page
    ...section(7, vector([[...name("memory"), 0x02, 0], [...name("adam"), 0x00, 0]])), // exports
    ...section(10, vector([code])), // code
  ]);
}

/** The instantiated module. */
interface AdamModule {
  memory: WebAssembly.Memory;
  adam(bytes: number, g: number, w: number, m: number, v: number, out: number, b1: number, b2: number, c1: number, c2: number, eps: number, step: number, k1: number, k2: number): void;
}

/** One Adam step over typed arrays (the signature of optimizers.ts's JavaScript loop). */
export type AdamStep = (
  g: Float32Array, w: Float32Array, m: Float32Array, v: Float32Array, next: Float32Array,
  b1: number, b2: number, c1: number, c2: number, eps: number, step: number, correction1: number, correction2: number,
) => void;

/** The step over an instance of the module (its memory holds the arrays of one call at a time). */
function makeSimdStep(module: AdamModule): AdamStep {
  return (g, w, m, v, next, b1, b2, c1, c2, eps, step, correction1, correction2) => {
    const n = next.length;
    const stride = Math.ceil(n / 4) * 16; // bytes per array, a whole number of 4-float lanes
    const need = 5 * stride;
    const have = module.memory.buffer.byteLength;
    if (need > have) module.memory.grow(Math.ceil((need - have) / 65536));
    const view = (k: number) => new Float32Array(module.memory.buffer, k * stride, stride / 4); // after any growth
    const [gv, wv, mv, vv, out] = [0, 1, 2, 3, 4].map(view);
    gv.set(g);
    wv.set(w);
    mv.set(m);
    vv.set(v);
    gv.fill(0, n); // the lanes past n: zeros (their results are never read)
    wv.fill(0, n);
    mv.fill(0, n);
    vv.fill(0, n);
    module.adam(stride, 0, stride, 2 * stride, 3 * stride, 4 * stride, b1, b2, c1, c2, eps, step, correction1, correction2);
    m.set(mv.subarray(0, n));
    v.set(vv.subarray(0, n));
    next.set(out.subarray(0, n));
  };
}

/** The step once made; null where WebAssembly SIMD is unavailable; undefined before the first call. */
let simdStep: AdamStep | null | undefined;

/**
 * Adam's step for every value of one weight, four values per instruction: updates the moments
 * `m`, `v` in place and writes the new weight into `next`, with the same float32 values as the
 * JavaScript loop (see the module comment). Undefined where WebAssembly SIMD is unavailable.
 * Introduced in notebook 02 (one-to-one).
 */
export function simdAdam(): AdamStep | undefined {
  if (simdStep === undefined) {
    const bytes = moduleBytes();
    simdStep = typeof WebAssembly === "object" && WebAssembly.validate(bytes)
      ? makeSimdStep(new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as AdamModule)
      : null;
  }
  return simdStep ?? undefined;
}
