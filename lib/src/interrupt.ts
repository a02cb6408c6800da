/**
 * Stopping long loops when the kernel is interrupted (Kernel → Interrupt).
 * Introduced in notebook 00 (getting started); used by `fit`.
 *
 * The workbook's kernel (see kernel.ts) records an interrupt here; a long loop
 * wrapped in {@link interruptible} calls {@link throwIfInterrupted} (or reads
 * {@link interruptRequested}) between its steps and stops there with an
 * {@link InterruptedError} that says how far it got. While such a loop runs,
 * the kernel waits for it to stop itself instead of abandoning it in the
 * background.
 *
 * An interrupt stops the work of the cell that was running and of every
 * earlier cell; work that a later cell starts runs normally. Outside a kernel
 * (a plain Node script) {@link requestInterrupt} stays in force until
 * {@link clearInterrupt}.
 *
 * The state lives on `globalThis` under a registered symbol, so the kernel and
 * every copy of the library loaded in one process share it.
 */

/** Thrown by an interrupted long loop; its message is one plain line saying where it stopped. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

/** The process-wide interrupt state shared by the kernel and the library. */
export interface InterruptState {
  /** Number of the cell executing now (0 outside a kernel). */
  cell: number;
  /** Work of this cell and of every earlier one is interrupted (-1: none). */
  interruptedCell: number;
  /** Interruptible loops running, by the cell that started them. */
  active: Map<number, number>;
  /** The cell that started the running code, when the kernel tracks it (an AsyncLocalStorage). */
  cellOfCaller?: () => number | undefined;
}

const KEY = Symbol.for("rnn-workbook.interrupt");

/** The shared interrupt state (created on first use). */
export function interruptState(): InterruptState {
  const holder = globalThis as unknown as Record<symbol, InterruptState | undefined>;
  return (holder[KEY] ??= { cell: 0, interruptedCell: -1, active: new Map() });
}

/** The cell whose code is calling (the current cell when unknown). */
function callerCell(state: InterruptState): number {
  return state.cellOfCaller?.() ?? state.cell;
}

/** Whether the calling work has been interrupted and should stop at its next step. */
export function interruptRequested(): boolean {
  const state = interruptState();
  return callerCell(state) <= state.interruptedCell;
}

let lastTurn = 0;

/**
 * Gives the event loop a turn (at most every 100 ms) and then says whether the calling
 * work has been interrupted. Kernel → Interrupt arrives as a signal, which Node handles on
 * the event loop: a loop whose steps only await promises (e.g. many short `model.fit`
 * calls) never gives it a turn, so without this the interrupt would wait until the loop
 * ends. Await it between the steps of a long loop.
 */
export async function interruptionPoint(): Promise<boolean> {
  if (Date.now() - lastTurn >= 100) {
    await new Promise<void>((resolve) => setImmediate(resolve)); // timers, I/O and signals run here
    lastTurn = Date.now();
  }
  return interruptRequested();
}

/**
 * Throws an {@link InterruptedError} with `message` when the calling work has
 * been interrupted; call it between the steps of a long loop (which must
 * `await` between steps, or the interrupt cannot arrive).
 */
export function throwIfInterrupted(message: string | (() => string) = "Interrupted."): void {
  if (interruptRequested()) throw new InterruptedError(typeof message === "function" ? message() : message);
}

/**
 * Runs `work`, a long loop that checks {@link throwIfInterrupted} between its
 * steps, as interruptible: on Kernel → Interrupt the kernel lets it stop
 * itself and shows its {@link InterruptedError} as the cell's error.
 */
export async function interruptible<T>(work: () => Promise<T>): Promise<T> {
  const state = interruptState();
  const cell = callerCell(state);
  state.active.set(cell, (state.active.get(cell) ?? 0) + 1);
  try {
    return await work();
  } finally {
    const left = (state.active.get(cell) ?? 1) - 1;
    if (left > 0) state.active.set(cell, left);
    else state.active.delete(cell);
  }
}

/**
 * Interrupts the work of the current cell and of every earlier one (what the
 * kernel does on SIGINT); returns whether an interruptible loop of the current
 * cell is running and will stop itself.
 */
export function requestInterrupt(): boolean {
  const state = interruptState();
  state.interruptedCell = state.cell;
  return (state.active.get(state.cell) ?? 0) > 0;
}

/** Withdraws every interrupt request (for scripts and tests; the kernel starts each cell afresh). */
export function clearInterrupt(): void {
  interruptState().interruptedCell = -1;
}
