#!/usr/bin/env node
/**
 * The workbook's TypeScript kernel: tslab 1.0.22 with three fixes, started by
 * the kernelspec that scripts/register-kernel.mjs writes
 * (`node <lib>/dist/kernel.js --config-path {connection_file}`).
 *
 * 1. Errors as Jupyter reports them. tslab answers a failing cell with an
 *    `execute_reply` of status `error` but no `ename`/`evalue`/`traceback`, sends
 *    no iopub `error` message and prints the error to stderr. Here the failing
 *    cell's error is captured from tslab's executor and sent as an iopub `error`
 *    message and in the reply: `ename` (e.g. `CheckFailedError`, `TypeError`,
 *    `CompileError`, `KeyboardInterrupt`), `evalue` (the message) and a
 *    traceback without the kernel's own frames.
 * 2. Interrupts that stop the work. tslab's SIGINT handler stops waiting for
 *    the cell but leaves its work running. Here SIGINT first interrupts the
 *    library's long loops (see interrupt.ts): when one is running in the cell,
 *    the kernel lets it stop itself at its next step, and only falls back to
 *    tslab's interrupt after {@link GRACE_MS} or on a second interrupt.
 * 3. `tf` usable from the first line. When `rnn-workbook` resolves from the
 *    notebook's folder, the kernel loads it and waits for its backend before
 *    the first cell runs, so every cell sees the same, initialised backend.
 * 4. No lost messages, and no death from a stray asynchronous error. tslab sends
 *    without waiting (`sock.send` returns a promise it ignores); zeromq 6 sends
 *    every 513th message of a socket later, and a second send before that one
 *    went out throws EBUSY ("Socket is busy writing"). The stream lines of that
 *    moment were lost silently; an iopub `status` message threw out of tslab's
 *    message handler as an unhandled rejection, which the wasm backend's own
 *    process handlers turn into an exit (see backend.ts). Here every socket's
 *    sends go out one after another, in order, and a failed send is logged.
 *
 * tslab is no longer maintained; this entry point uses its executor, handler
 * and server classes and replaces only what is needed (see README: "The kernel").
 */
import { AsyncLocalStorage } from "async_hooks";
import { writeSync } from "fs";
import { createRequire } from "module";
import * as path from "path";
import { inspect } from "util";
import { noteExecuteRequest } from "./display";
import { interruptState, requestInterrupt } from "./interrupt";

/* eslint-disable @typescript-eslint/no-explicit-any -- tslab's internal classes are untyped here */
const tslabRequire = createRequire(require.resolve("tslab/package.json"));
const { createExecutor } = tslabRequire("./dist/executor") as { createExecutor: (rootDir: string, convs: unknown, console: unknown) => TslabExecutor };
const { createConverter } = tslabRequire("./dist/converter") as { createConverter: (options: { isJS: boolean; isBrowser: boolean }) => any };
const { JupyterHandlerImpl, ZmqServer } = tslabRequire("./dist/jupyter") as { JupyterHandlerImpl: new (...args: any[]) => any; ZmqServer: new (...args: any[]) => any };

/** How long an interrupted loop of the library gets to stop itself before the cell is abandoned. */
export const GRACE_MS = 10_000;

/** What tslab's executor offers (tslab/dist/executor.d.ts). */
interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): unknown;
  reset(): void;
  close(): void;
  locals: Record<string, unknown>;
}

/** A cell's error as Jupyter's messages carry it. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Stack frames of the kernel's machinery, not of the notebook or its libraries. */
const INTERNAL_FRAME = /[\\/]tslab[\\/]dist[\\/]|[\\/]commander[\\/]|[\\/]zeromq[\\/]|\(node:|at node:|[\\/]dist[\\/]kernel\.js|^\s*at new Promise \(<anonymous>\)$|^\s*at Generator\.next|^\s*at __awaiter/;

/** The cell's frames: tslab runs a cell as `evalmachine.<anonymous>` whose line numbers are of the compiled JavaScript. */
function cleanFrame(line: string): string {
  return line.replace(/evalmachine\.<anonymous>:\d+:\d+/, "<cell>");
}

/** Turns a thrown value into a Jupyter error; `interrupted` when the kernel interrupted the cell. */
export function errorFromThrown(thrown: unknown, interrupted: boolean): CellError {
  if (thrown instanceof Error) {
    const message = thrown.message;
    if (/^Script execution was interrupted by `SIGINT`/.test(message)) {
      return { ename: "KeyboardInterrupt", evalue: "Interrupted while the cell ran synchronously.", traceback: ["KeyboardInterrupt: interrupted while the cell ran synchronously."] };
    }
    if (interrupted && message === "Interrupted asynchronously") {
      const evalue = "Interrupted. The cell stopped waiting; work it started that does not check for interrupts may still be running.";
      return { ename: "KeyboardInterrupt", evalue, traceback: [`KeyboardInterrupt: ${evalue}`] };
    }
    const ename = thrown.name || thrown.constructor?.name || "Error";
    if (ename === "InterruptedError") return { ename, evalue: message, traceback: [message] }; // one plain line
    const frames = (thrown.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    const kept = frames.filter((l) => !INTERNAL_FRAME.test(l)).map(cleanFrame).filter((l, i, all) => i === 0 || l !== all[i - 1]);
    return { ename, evalue: message, traceback: [`${ename}: ${message}`, ...kept] };
  }
  const text = typeof thrown === "string" ? thrown : inspect(thrown);
  return { ename: "Error", evalue: text, traceback: [`Error: ${text}`] };
}

/** Turns TypeScript diagnostics (as tslab prints them) into a Jupyter error. */
export function errorFromDiagnostics(lines: string[]): CellError {
  const first = lines[0] ?? "compile error";
  return { ename: "CompileError", evalue: lines.length > 1 ? `${first} (and ${lines.length - 1} more)` : first, traceback: lines.map((l) => `CompileError: ${l}`) };
}

/** tslab's converters, created on first use (as tslab's own main.js does). */
class Converters {
  private nodeConverter: any;
  private browserConverter: any;
  get node(): any {
    return (this.nodeConverter ??= createConverter({ isJS: false, isBrowser: false }));
  }
  get browser(): any {
    return (this.browserConverter ??= createConverter({ isJS: false, isBrowser: true }));
  }
  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
  }
}

/**
 * Lets tslab's TypeScript compiler find packages in the `NODE_PATH` folders, as Node's
 * `require` already does: a kernel registered system-wide (scripts/register-kernel.mjs
 * `--prefix`) sets `NODE_PATH` to the workbook's node_modules, so a notebook in any user's
 * folder imports `rnn-workbook` with its types. A package installed in the notebook's own
 * folder is found first, as with Node.
 */
function shareNodePath(rootDir: string): void {
  const shared = (process.env.NODE_PATH ?? "").split(path.delimiter).filter((p) => p !== "").map((p) => path.resolve(p));
  if (shared.length === 0) return;
  const sys = tslabRequire("@tslab/typescript-for-tslab").sys as Record<string, (...args: any[]) => any>;
  const original = { fileExists: sys.fileExists, directoryExists: sys.directoryExists, readFile: sys.readFile, realpath: sys.realpath };
  const local = path.join(rootDir, "node_modules");
  const exists = (p: string) => original.fileExists.call(sys, p) || original.directoryExists.call(sys, p);
  /** `<notebook folder>/node_modules/x` → `<NODE_PATH folder>/x` when only the latter exists. */
  const redirect = (p: string): string => {
    const full = path.resolve(p);
    if (!full.startsWith(local + path.sep) || exists(p)) return p;
    const rest = full.slice(local.length + 1);
    for (const dir of shared) {
      const candidate = path.join(dir, rest);
      if (exists(candidate)) return candidate;
    }
    return p;
  };
  sys.fileExists = (p: string) => original.fileExists.call(sys, redirect(p));
  sys.directoryExists = (p: string) => original.directoryExists.call(sys, redirect(p));
  sys.readFile = (p: string, encoding?: string) => original.readFile.call(sys, redirect(p), encoding);
  // A redirected file keeps its path inside the notebook's folder, so TypeScript can name its
  // types by package ("danfojs-node") when it writes a cell's declarations; given the real path
  // outside the folder, it stops with "The inferred type of 'df' cannot be named…".
  if (original.realpath) sys.realpath = (p: string) => (redirect(p) !== p ? path.resolve(p) : original.realpath.call(sys, p));
}

/** Loads `rnn-workbook` as the notebook would and waits for its backend; nothing when it does not resolve there. */
async function preloadLibrary(rootDir: string): Promise<void> {
  // The same resolution as tslab's `require` for the cells (tslab/dist/executor.js: createRequire).
  const notebookRequire = createRequire(path.join(rootDir, "src.js"));
  let file: string;
  try {
    file = notebookRequire.resolve("rnn-workbook");
  } catch {
    return; // not a workbook folder: plain tslab behaviour
  }
  try {
    const lib = notebookRequire(file);
    if (typeof lib.ready === "function") await lib.ready();
  } catch {
    // `await ready()` in the notebook reports a failed backend choice with its reason.
  }
}

/**
 * A view of `socket` whose `send` is safe to call any number of times in a row: zeromq 6 allows one send in
 * progress per socket (a second throws EBUSY), and now and then sends later rather than at
 * once (every 513th message), while tslab calls `send` without waiting. Messages keep their
 * order; one that cannot be sent is logged on stderr instead of rejecting unhandled. The view's
 * `flushed()` settles once every message given to `send` so far has been sent (or logged).
 */
export function serialiseSends<S extends { send(message: unknown): Promise<void> }>(socket: S, name: string): S & { flushed(): Promise<void> } {
  const send = socket.send.bind(socket) as (message: unknown) => Promise<void>;
  let tail: Promise<void> | undefined;
  // Straight to the file descriptor: console output may itself be sent as a message (tslab sends a
  // cell's stderr to iopub), and a report of a failed send that fails in turn would loop forever —
  // as it did after tslab closes the sockets on shutdown, spinning the CPU until Jupyter killed it.
  const report = (error: unknown): void => void writeSync(2, `The kernel could not send a message on its ${name} socket: ${error instanceof Error ? error.message : String(error)}\n`);
  const serialised = (message: unknown): Promise<void> => {
    let sent: Promise<void>;
    if (tail === undefined) {
      try {
        sent = Promise.resolve(send(message)); // usually sent at once, as before
      } catch (error) {
        sent = Promise.reject(error);
      }
    } else {
      sent = tail.then(() => send(message));
    }
    const settled = sent.then(() => undefined, report);
    tail = settled;
    void settled.then(() => {
      if (tail === settled) tail = undefined;
    });
    return settled;
  };
  // zeromq's sockets are sealed: a proxy answers `send`, the socket itself everything else.
  return new Proxy(socket as S & { flushed(): Promise<void> }, {
    get(target, property) {
      if (property === "send") return serialised;
      if (property === "flushed") return () => tail ?? Promise.resolve();
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Starts the kernel on the connection file `configPath`. */
export function startKernel(configPath: string): void {
  const rootDir = process.cwd();
  shareNodePath(rootDir);
  const convs = new Converters();
  void convs.node; // warm the converter, as tslab does
  const cells = new AsyncLocalStorage<number>();
  const state = interruptState();
  state.cellOfCaller = () => cells.getStore();

  // tslab prints a failing cell's error with console.error; capture it instead.
  let captured: { diagnostics: string[]; thrown: unknown[] } = { diagnostics: [], thrown: [] };
  const executor = createExecutor(rootDir, convs, {
    log: console.log,
    error: (...args: unknown[]) => {
      if (args[0] === "%s%d:%d - %s") {
        const [, file, line, column, text] = args as [string, string, number, number, string];
        captured.diagnostics.push(`${file}${line}:${column} - ${text}`);
      } else if (args.length === 1) {
        captured.thrown.push(args[0]);
      } else {
        console.error(...args);
      }
    },
  });

  let lastError: CellError | undefined;
  let interruptedByKernel = false;
  let executing = false;
  let graceTimer: NodeJS.Timeout | undefined;
  // Loading the lib takes seconds: bind the sockets first, so Jupyter sees the kernel start.
  let startPreload: () => void = () => undefined;
  const preloaded = new Promise<void>((resolve) => (startPreload = () => void preloadLibrary(rootDir).then(resolve, resolve)));

  const wrapped: TslabExecutor = {
    ...executor,
    async execute(src: string): Promise<boolean> {
      await preloaded;
      const cell = ++state.cell;
      captured = { diagnostics: [], thrown: [] };
      lastError = undefined;
      interruptedByKernel = false;
      executing = true;
      try {
        const ok = await cells.run(cell, () => executor.execute(src));
        if (ok) {
          // A module cell's diagnostics do not fail it (tslab's rule): show them as before.
          for (const line of captured.diagnostics) console.error(line);
          for (const thrown of captured.thrown) console.error(thrown);
        } else if (captured.thrown.length > 0) {
          lastError = errorFromThrown(captured.thrown[captured.thrown.length - 1], interruptedByKernel);
        } else {
          lastError = errorFromDiagnostics(captured.diagnostics);
        }
        return ok;
      } finally {
        executing = false;
        if (graceTimer) clearTimeout(graceTimer);
        graceTimer = undefined;
      }
    },
  };

  class Handler extends JupyterHandlerImpl {
    async handleExecute(req: { stop_on_error?: boolean }, writeStream: unknown, writeDisplayData: unknown): Promise<Record<string, unknown>> {
      if (req.stop_on_error === false) return this.executeContinuingOnError(req, writeStream, writeDisplayData);
      const reply = await super.handleExecute(req, writeStream, writeDisplayData);
      if (reply.status === "error") {
        const error = lastError ?? { ename: "Error", evalue: "The cell failed.", traceback: ["Error: the cell failed."] };
        return { ...reply, ...error };
      }
      return reply;
    }

    /**
     * A request with `stop_on_error: false` (nbclient's `allow_errors`, papermill): tslab would
     * abort the requests queued behind a failing cell; here the next cells run.
     */
    async executeContinuingOnError(req: unknown, writeStream: unknown, writeDisplayData: unknown): Promise<Record<string, unknown>> {
      let failed = false;
      try {
        const count = await this.execQueue.add(async () => {
          try {
            return await this.handleExecuteImpl(req, writeStream, writeDisplayData);
          } catch (thrown) {
            if (thrown !== null && typeof thrown === "object" && typeof (thrown as { count?: unknown }).count === "number") {
              failed = true; // tslab's ExecutionCount: the cell failed
              return thrown;
            }
            throw thrown;
          }
        });
        if (!failed) return { status: "ok", execution_count: count.count };
        const error = lastError ?? { ename: "Error", evalue: "The cell failed.", traceback: ["Error: the cell failed."] };
        return { status: "error", execution_count: count.count, ...error };
      } catch (thrown) {
        if ((thrown as Error)?.name === "TaskCanceledError") return { status: "abort" }; // queued behind a cell that stopped on its error
        return { status: "error", ...errorFromThrown(thrown, false) };
      }
    }
  }

  class Server extends ZmqServer {
    constructor(...args: any[]) {
      super(...args);
      // tslab's init() assigns the sockets: every one is made safe as it is assigned (serialiseSends).
      for (const name of ["iopub", "shell", "control", "stdin", "hb"]) {
        let socket: any;
        Object.defineProperty(this, name, {
          configurable: true,
          enumerable: true,
          get: () => socket,
          set: (value: any) => (socket = value ? serialiseSends(value, name) : value),
        });
      }
    }

    /**
     * tslab answers a shutdown_request, then calls this to close its sockets at once — dropping
     * the reply or the last status still queued (serialiseSends) — and waits for the process to
     * end by itself, which handles a lesson leaves open (TensorFlow.js, timers) prevent: Jupyter
     * then waited its shutdown_wait_time (5 s for nbconvert, every notebook) and sent SIGTERM.
     * Here the sockets close once every queued message is sent, and the kernel exits, as the
     * protocol expects (a restart starts a new process).
     */
    close(): void {
      const sockets = [this.shell, this.control, this.iopub, this.stdin] as ({ flushed?: () => Promise<void> } | undefined)[];
      void Promise.all(sockets.map((s) => s?.flushed?.())).finally(() => {
        super.close();
        process.exit(0);
      });
    }

    /** tslab's handleExecute, plus the iopub `error` message Jupyter front ends and tools read. */
    async handleExecute(sock: unknown, msg: any): Promise<void> {
      noteExecuteRequest(msg); // which browser page sent it, so charts reach a reloaded page (display.ts)
      const send = (type: string, content: unknown) => {
        const out = msg.createReply();
        out.header.msg_type = type;
        out.content = content;
        out.signAndSend(this.connInfo.key, this.iopub);
      };
      const writeStream = (name: string, text: string) => send("stream", { name, text });
      const writeDisplayData = (data: unknown, update: boolean) => send(update ? "update_display_data" : "display_data", data);
      const content = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData);
      if (content.status === "error") send("error", { ename: content.ename, evalue: content.evalue, traceback: content.traceback });
      const reply = msg.createReply();
      reply.header.msg_type = "execute_reply";
      reply.content = content;
      reply.signAndSend(this.connInfo.key, sock);
    }
  }

  const server = new Server(new Handler(wrapped, false), configPath);
  const abandonCell = () => {
    interruptedByKernel = true;
    executor.interrupt();
  };
  process.on("SIGINT", () => {
    const stopsItself = requestInterrupt();
    if (!executing) return;
    if (stopsItself && graceTimer === undefined) {
      graceTimer = setTimeout(abandonCell, GRACE_MS); // a second interrupt abandons at once
    } else {
      abandonCell();
    }
  });
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  // A kernel that exits says so, on the stderr Jupyter's tools log (the main job shows it). Written
  // to the file descriptor itself: while a cell runs, tslab sends process.stderr to the notebook.
  process.on("exit", (code) => {
    if (code !== 0) writeSync(2, `The TypeScript kernel (pid ${process.pid}) is exiting with code ${code}.\n`);
  });
  server.init().then(() => setImmediate(startPreload), (error: unknown) => {
    console.error("The kernel could not open its sockets:", error);
    process.exit(1);
  });
}

/** `node kernel.js --config-path <connection file>` (also accepts tslab's `kernel` subcommand before it). */
function main(argv: string[]): void {
  const args = argv[0] === "kernel" ? argv.slice(1) : argv;
  const at = args.indexOf("--config-path");
  const configPath = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith("--config-path="))?.slice("--config-path=".length);
  if (!configPath) {
    console.error("Usage: node kernel.js --config-path <connection file>   (Jupyter starts it through the kernelspec)");
    process.exit(2);
  }
  startKernel(configPath);
}

if (require.main === module) main(process.argv.slice(2));
