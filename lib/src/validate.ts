/**
 * Argument checks shared by every public function of the workbook library.
 *
 * Every check throws a {@link WorkbookInputError} whose message names the
 * argument, says what was expected, shows what was received and, where it
 * helps, how to fix the call — in the style of
 * "Expected `lookBack` to be a positive integer, but got 0."
 */

/** The error every lib function throws for bad input; `argument` names the offending argument. */
export class WorkbookInputError extends Error {
  /** Name of the argument that was wrong, e.g. `lookBack` or `x[3][1]`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(message);
    this.name = "WorkbookInputError";
    this.argument = argument;
  }
}

/** A short, readable rendering of any received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) {
    const head = value.slice(0, 5).map((v) => (Array.isArray(v) ? `[array of ${v.length}]` : describeValue(v)));
    return `an array of length ${value.length} [${head.join(", ")}${value.length > 5 ? ", ..." : ""}]`;
  }
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  }
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

/**
 * Throws a {@link WorkbookInputError}: "Expected `name` to be <expected>, but got <got>. <fix>"
 *
 * @param name the argument's name as the caller wrote it (`lookBack`, `options.units`, `x[2][0]`).
 * @param expected what a correct value looks like ("a positive integer").
 * @param got the value received; rendered with {@link describeValue} unless wrapped with {@link described}.
 * @param fix an optional sentence saying how to fix the call.
 */
export function fail(name: string, expected: string, got: unknown, fix?: string): never {
  const received = got instanceof Described ? got.text : describeValue(got);
  const message = `Expected \`${name}\` to be ${expected}, but got ${received}.` + (fix ? ` ${fix}` : "");
  throw new WorkbookInputError(name, message);
}

/** A received value already put into words, shown verbatim by {@link fail}. */
export class Described {
  constructor(readonly text: string) {}
}

/** Wraps a description of the received value ("an empty array") for {@link fail}. */
export function described(text: string): Described {
  return new Described(text);
}

/** Checks that `value` is a finite number. */
export function assertFiniteNumber(name: string, value: unknown, fix?: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(name, "a finite number", value, fix);
}

/** Checks that `value` is an integer ≥ 1. */
export function assertPositiveInteger(name: string, value: unknown, fix?: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) fail(name, "a positive integer", value, fix);
}

/** Checks that `value` is an integer ≥ 0. */
export function assertNonNegativeInteger(name: string, value: unknown, fix?: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(name, "a non-negative integer", value, fix);
  }
}

/**
 * Checks that `value` indexes one of `count` items (an integer from 0 to count − 1).
 * @param what what is indexed, e.g. "column" or "feature", for the message.
 */
export function assertIndex(name: string, value: unknown, count: number, what: string, fix?: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= count) {
    fail(name, `a ${what} index from 0 to ${count - 1}`, value, fix);
  }
}

/** Checks that `value` is a number strictly between 0 and 1. */
export function assertFraction(name: string, value: unknown, fix?: string): asserts value is number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) fail(name, "a fraction strictly between 0 and 1", value, fix);
}

/** Checks that `value` is one of the `allowed` string literals. */
export function assertOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fix?: string,
): asserts value is T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`, value, fix);
  }
}

/** Checks a non-empty 1-D array (or typed array) of finite numbers and returns it as `number[]`. */
export function assertSeries(name: string, values: unknown, fix?: string): number[] {
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    fail(name, "a non-empty array of finite numbers", values, fix);
  }
  const list = values as ArrayLike<unknown>;
  if (list.length === 0) fail(name, "a non-empty array of finite numbers", described("an empty array"), fix);
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      fail(`${name}[${i}]`, "a finite number", v, fix ?? "Remove or fill missing values before calling.");
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks a non-empty rectangular 2-D array of finite numbers (rows × columns)
 * and returns its shape `[rows, columns]`.
 */
export function assertMatrix(name: string, rows: unknown, fix?: string): [number, number] {
  if (!Array.isArray(rows) || rows.length === 0) {
    fail(name, "a non-empty 2-D array [rows][columns] of finite numbers", rows, fix);
  }
  let width = -1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      fail(`${name}[${r}]`, "an array of numbers (one row)", row, fix ?? "Every row must be an array of numbers.");
    }
    const cells = row as ArrayLike<unknown>;
    if (width === -1) {
      width = cells.length;
      if (width === 0) fail(`${name}[0]`, "a non-empty row", described("an empty array"), fix);
    } else if (cells.length !== width) {
      fail(
        `${name}[${r}]`,
        `a row of length ${width} like the rows before it`,
        described(`a row of length ${cells.length}`),
        fix ?? "Ragged arrays cannot become a tensor: give every row the same length.",
      );
    }
    for (let c = 0; c < width; c++) {
      const v = cells[c];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(`${name}[${r}][${c}]`, "a finite number", v, fix ?? "Remove or fill missing values before calling.");
      }
    }
  }
  return [rows.length, width];
}

/**
 * Checks a non-empty rectangular 3-D array `[samples][timesteps][features]`
 * of finite numbers and returns its shape.
 */
export function assert3D(name: string, x: unknown, fix?: string): [number, number, number] {
  const expected = "a non-empty 3-D array [samples][timesteps][features] of finite numbers";
  if (!Array.isArray(x) || x.length === 0) fail(name, expected, x, fix);
  let shape: [number, number] | undefined;
  for (let s = 0; s < x.length; s++) {
    if (!Array.isArray(x[s])) {
      fail(`${name}[${s}]`, "a 2-D array [timesteps][features]", x[s], fix ?? "Recurrent inputs are always 3-D: [samples, timesteps, features].");
    }
    const sampleShape = assertMatrix(`${name}[${s}]`, x[s], fix);
    if (shape === undefined) shape = sampleShape;
    else if (sampleShape[0] !== shape[0] || sampleShape[1] !== shape[1]) {
      fail(
        `${name}[${s}]`,
        `a sample of shape [${shape[0]}, ${shape[1]}] like the samples before it`,
        described(`shape [${sampleShape[0]}, ${sampleShape[1]}]`),
        fix ?? "Every sample needs the same number of time steps and features.",
      );
    }
  }
  return [x.length, shape![0], shape![1]];
}

/** Checks that two counts agree, e.g. the number of inputs and targets. */
export function assertSameLength(nameA: string, lengthA: number, nameB: string, lengthB: number, fix?: string): void {
  if (lengthA !== lengthB) {
    fail(
      nameB,
      `${lengthA} items, one per item of \`${nameA}\``,
      described(`${lengthB} items`),
      fix ?? `Give \`${nameA}\` and \`${nameB}\` the same number of samples.`,
    );
  }
}

/**
 * Checks that `options` is a plain object whose keys are all in `known`, so a
 * misspelt option (`lookback` for `lookBack`) fails instead of being ignored.
 * @param example a correct call's options, shown in the error, e.g. "{ lookBack: 5 }".
 */
export function assertKnownOptions(options: unknown, known: readonly string[], example: string, name = "options"): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail(name, `an object such as ${example}`, options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const value = describeValue((options as Record<string, unknown>)[key]);
      fail(
        name,
        `an object with only the keys ${known.join(", ")}`,
        described(`the unknown key \`${key}\` (= ${value})`),
        "Check the spelling: option names are case-sensitive (lookBack, not lookback).",
      );
    }
  }
}
