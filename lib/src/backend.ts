/**
 * Choosing the TensorFlow.js backend: native TensorFlow when it is really
 * installed, else WebAssembly, else plain JavaScript.
 * Introduced in notebook 00 (getting started).
 *
 * This is the only module that loads backend packages; compute code imports
 * only `@tensorflow/tfjs`.
 */
import * as tf from "@tensorflow/tfjs";
import { patchWasmMatMul } from "./kernels";
import { patchWasmUnsortedSegmentSum } from "./patches";
import { assertOneOf, described, fail } from "./validate";

/** Backends the workbook can run on, fastest first. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;
/** One of {@link BACKEND_NAMES}: `tensorflow` (native, from tfjs-node), `wasm` or `cpu`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces a backend, e.g. `RNN_WORKBOOK_BACKEND=cpu`. */
export const BACKEND_ENV = "RNN_WORKBOOK_BACKEND";

/** What happened when one backend was tried. */
export interface BackendAttempt {
  /** The backend tried. */
  name: BackendName;
  /** Whether it could be used. */
  ok: boolean;
  /** Why it was or was not used. */
  reason: string;
}

/** The backend in use and how it was chosen. */
export interface BackendReport {
  /** The active backend. */
  name: BackendName;
  /** Whether it was forced by an option or by {@link BACKEND_ENV}. */
  forced: boolean;
  /** Every backend tried, in order. */
  attempts: BackendAttempt[];
  /** One line saying which backend is active and why. */
  summary: string;
}

/** Options for {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Force this backend instead of choosing the fastest available one; an
   * unavailable forced backend is an error. Defaults to the value of the
   * `RNN_WORKBOOK_BACKEND` environment variable, or `"auto"` when it is unset.
   */
  backend?: BackendName | "auto";
}

/** Loads the native backend package; true when it registered the `tensorflow` backend. */
function loadNative(): { ok: boolean; reason: string } {
  try {
    // The native package is an optional dependency under its own alias (see README: "Backends").
    require("tfjs-node-native");
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    const missing = (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && message.includes("tfjs-node-native");
    return {
      ok: false,
      reason: missing
        ? "tfjs-node is not installed (its install step downloads libtensorflow, which failed or was skipped)"
        : `tfjs-node is installed but failed to load: ${message}`,
    };
  }
  // Detect by backend name, not by `require` succeeding (see README: "Backends").
  if (tf.findBackendFactory("tensorflow") == null) {
    return { ok: false, reason: "tfjs-node loaded but registered no `tensorflow` backend in this TensorFlow.js" };
  }
  return { ok: true, reason: "native TensorFlow from tfjs-node" };
}

/** Loads the WebAssembly backend package (its .wasm files ship inside the npm package). */
function loadWasm(): { ok: boolean; reason: string } {
  try {
    require("@tensorflow/tfjs-backend-wasm");
    patchWasmUnsortedSegmentSum(); // a kernel the Embedding layer's gradient needs (see patches.ts)
    patchWasmMatMul(); // matrix products that keep to XNNPACK's fast path (see kernels.ts)
    return { ok: true, reason: "WebAssembly backend from @tensorflow/tfjs-backend-wasm" };
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${(error as Error).message.split("\n")[0]}` };
  }
}

const loaders: Record<BackendName, () => { ok: boolean; reason: string }> = {
  tensorflow: loadNative,
  wasm: loadWasm,
  cpu: () => ({ ok: true, reason: "plain JavaScript backend, always available" }),
};

let current: Promise<BackendReport> | undefined;

/** Reads the forced backend from the options or the environment, validating it. */
function requestedBackend(options: SelectBackendOptions): { name: BackendName | "auto"; source: string } {
  if (options.backend !== undefined) {
    assertOneOf("options.backend", options.backend, [...BACKEND_NAMES, "auto"] as const);
    return { name: options.backend, source: "the `backend` option" };
  }
  const fromEnv = process.env[BACKEND_ENV];
  if (fromEnv === undefined || fromEnv === "" || fromEnv === "auto") return { name: "auto", source: "default" };
  assertOneOf(BACKEND_ENV, fromEnv, [...BACKEND_NAMES, "auto"] as const, `Unset ${BACKEND_ENV} or set it to one of those.`);
  return { name: fromEnv, source: `the ${BACKEND_ENV} environment variable` };
}

/** Process events whose handlers decide whether a stray error ends the process. */
const FATAL_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * Runs `start` (a backend's initialisation) and then removes the `uncaughtException` and
 * `unhandledRejection` handlers it added to the process. The wasm backend's Emscripten glue
 * adds two that rethrow, which turned every stray asynchronous error (a timer's throw, an
 * unawaited rejection, one inside the kernel's message handling) into an immediate exit with
 * code 7, even where the program had handlers of its own to log it: the workbook's kernel
 * died. Without them Node behaves as it does without the backend.
 */
async function withoutForeignProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  // Both events take `(...args) => void` listeners; one signature keeps the overloads apart.
  const listeners = (event: (typeof FATAL_EVENTS)[number]) => process.listeners(event as "uncaughtException") as Array<(...args: unknown[]) => void>;
  const before = new Map(FATAL_EVENTS.map((event) => [event, new Set(listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of FATAL_EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event as "uncaughtException", listener);
      }
    }
  }
}

/** Tries the backends in order and activates the first that works. */
async function choose(options: SelectBackendOptions): Promise<BackendReport> {
  const requested = requestedBackend(options);
  const forced = requested.name !== "auto";
  const order: BackendName[] = forced ? [requested.name as BackendName] : [...BACKEND_NAMES];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const loaded = loaders[name]();
    if (loaded.ok) {
      try {
        const started = await withoutForeignProcessHandlers(async () => {
          if (!(await tf.setBackend(name))) return false;
          await tf.ready();
          return true;
        });
        if (started) {
          attempts.push({ name, ok: true, reason: loaded.reason });
          const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason}`);
          const why = forced ? `forced by ${requested.source}` : loaded.reason;
          const summary =
            `TensorFlow.js backend: ${name} (${why})` + (skipped.length > 0 ? `; not used: ${skipped.join("; ")}` : "");
          return { name, forced, attempts, summary };
        }
        attempts.push({ name, ok: false, reason: "tf.setBackend returned false (initialisation failed)" });
      } catch (error) {
        attempts.push({ name, ok: false, reason: `initialisation failed: ${(error as Error).message.split("\n")[0]}` });
      }
    } else {
      attempts.push({ name, ok: false, reason: loaded.reason });
    }
  }
  const tried = attempts.map((a) => `${a.name}: ${a.reason}`).join("; ");
  return fail(
    forced ? requested.source.replace(/^the /, "") : "backend",
    forced ? `an available backend (requested "${requested.name}")` : "at least one available backend",
    described(`none (${tried})`),
    forced ? `Use ${BACKEND_NAMES.filter((n) => n !== requested.name).map((n) => `"${n}"`).join(" or ")} or "auto".` : undefined,
  );
}

/**
 * Selects and activates the backend: the forced one, or the fastest of
 * tensorflow → wasm → cpu that works. Calling it again with a different
 * choice switches backends; without options it returns the current choice.
 * Use this rather than `tf.setBackend`, which would race the choice made on import.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendReport> {
  if (options.backend !== undefined || current === undefined) {
    // One choice at a time: a forced choice waits for the one started on import,
    // so the last call always decides the active backend.
    const previous = current ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => choose(options));
    current = next;
    // A failed choice must not poison later calls.
    next.catch(() => {
      if (current === next) current = undefined;
    });
    return next;
  }
  return current;
}

/** Resolves once the backend chosen on import is active; await it before the first tensor op. */
export function ready(): Promise<BackendReport> {
  return selectBackend();
}
