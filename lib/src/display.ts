/**
 * Rich output in a tslab notebook, with a plain-text fallback in a terminal.
 * Introduced in notebook 00 (getting started).
 *
 * tslab's public `display` sends one MIME type per output. A chart must carry
 * several (the Plotly MIME type for JupyterLab and VS Code, HTML for classic
 * Notebook and the HTML export, plain text for everything else), so this module
 * sends a bundle through the writer tslab keeps for the running cell. tslab is a
 * peer dependency: the lib must use the very copy the kernel loaded.
 */
import { randomBytes } from "crypto";
import { fail } from "./validate";

/** A MIME bundle: MIME type → content (strings, or JSON for `+json` types). */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** The display writer of the running tslab cell, or null outside a tslab kernel. */
function writer(): WriteDisplayData | null {
  try {
    // Internal module of tslab 1.0.x; its public API cannot send several MIME types at once.
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/**
 * Who asked for the cell now running: the front end's session (one per browser
 * page or window of Jupyter, from the execute request's header) and the cell.
 */
export interface ExecuteRequest {
  /** The front end's session id (`header.session`): a new one after a reload, in a second window, in a reopened tab. */
  session: string;
  /** The cell's id, when the front end sends it (JupyterLab's `cellId` metadata), else null (classic Notebook, nbconvert). */
  cellId: string | null;
  /** The cell's code. */
  code: string;
  /** Ids of cells deleted since the previous request (JupyterLab's `deletedCells` metadata), else empty. */
  deletedCells: string[];
}

/** Reads an {@link ExecuteRequest} from a Jupyter execute_request message (header, metadata, content). */
export function executeRequestOf(message: { header?: { session?: unknown }; metadata?: Record<string, unknown>; content?: { code?: unknown } }): ExecuteRequest {
  const metadata = message.metadata ?? {};
  const cellId = metadata.cellId ?? metadata.cell_id;
  const deleted = metadata.deletedCells;
  return {
    session: typeof message.header?.session === "string" ? message.header.session : "",
    cellId: typeof cellId === "string" && cellId !== "" ? cellId : null,
    code: typeof message.content?.code === "string" ? message.content.code : "",
    deletedCells: Array.isArray(deleted) ? deleted.filter((d): d is string => typeof d === "string") : [],
  };
}

/** Process-wide (shared by every copy of this module the kernel loads): request content → request, and the running one. */
interface RequestRegistry {
  byContent: WeakMap<object, ExecuteRequest>;
  running: ExecuteRequest | null;
}
const REGISTRY = Symbol.for("rnn-workbook.executeRequests");

/**
 * Makes tslab remember the header of each execute request. tslab 1.0.x hands
 * only the request's content to the code that runs a cell, so two of its
 * internal methods are wrapped: `ZmqServer.handleExecute` (sees the whole
 * message when it arrives) and `JupyterHandlerImpl.handleExecuteImpl` (runs
 * the cells one at a time, in order). Does nothing outside a tslab kernel.
 */
function trackExecuteRequests(): RequestRegistry | null {
  const global = globalThis as unknown as Record<symbol, RequestRegistry | undefined>;
  if (global[REGISTRY]) return global[REGISTRY]!;
  type Method = (this: unknown, ...args: unknown[]) => unknown;
  let jupyter: { ZmqServer?: { prototype: Record<string, Method> }; JupyterHandlerImpl?: { prototype: Record<string, Method> } };
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    return null;
  }
  const server = jupyter.ZmqServer?.prototype;
  const handler = jupyter.JupyterHandlerImpl?.prototype;
  if (!server || !handler || typeof server.handleExecute !== "function" || typeof handler.handleExecuteImpl !== "function") return null;
  const registry: RequestRegistry = { byContent: new WeakMap(), running: null };
  global[REGISTRY] = registry;
  const receive = server.handleExecute;
  server.handleExecute = function (this: unknown, ...args: unknown[]) {
    noteExecuteRequest(args[1] as Parameters<typeof executeRequestOf>[0] | undefined);
    return receive.apply(this, args);
  };
  const execute = handler.handleExecuteImpl;
  handler.handleExecuteImpl = function (this: unknown, ...args: unknown[]) {
    const content = args[0];
    registry.running = (typeof content === "object" && content !== null && registry.byContent.get(content)) || null;
    return execute.apply(this, args);
  };
  return registry;
}
trackExecuteRequests();

/**
 * Remembers an execute request as it arrives, so the cell it runs can learn its
 * front-end session ({@link currentExecuteRequest}). tslab's own server does this
 * through the wrapped `handleExecute`; the workbook's kernel (kernel.ts), whose
 * server replaces that method, calls it directly.
 */
export function noteExecuteRequest(message: Parameters<typeof executeRequestOf>[0] | undefined): void {
  const registry = trackExecuteRequests();
  if (registry && message && typeof message.content === "object" && message.content !== null) {
    registry.byContent.set(message.content, executeRequestOf(message));
  }
}

/**
 * The execute request of the cell now running, or null when unknown: outside a
 * notebook, or in the cell during which the library was first imported (its
 * request had arrived before the library could note it).
 */
export function currentExecuteRequest(): ExecuteRequest | null {
  return inNotebook() ? trackExecuteRequests()?.running ?? null : null;
}

/** True when running inside a tslab kernel (a notebook), false in a terminal or test. */
export function inNotebook(): boolean {
  return writer() !== null;
}

/** An output area that can be written once and then replaced in place (e.g. a live training chart). */
export interface DisplayHandle {
  /** Shows `bundle` here, replacing what this handle showed before. */
  update(bundle: MimeBundle): void;
}

/**
 * Shows a MIME bundle in the notebook; outside a notebook prints its
 * `text/plain` part (if any) to stdout.
 */
export function displayBundle(bundle: MimeBundle): void {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle) || Object.keys(bundle).length === 0) {
    fail("bundle", 'an object of MIME type → content, e.g. { "text/plain": "hello" }', bundle);
  }
  const write = writer();
  if (write === null) {
    if (typeof bundle["text/plain"] === "string") console.log(bundle["text/plain"]);
    return;
  }
  write({ data: bundle, metadata: {}, transient: {} }, false);
}

/** Creates an output area that overwrites itself on every {@link DisplayHandle.update}. */
export function newDisplayHandle(): DisplayHandle {
  const id = randomBytes(8).toString("hex");
  let shown = false;
  return {
    update(bundle: MimeBundle) {
      const write = writer();
      if (write === null) return; // In a terminal, progress is printed by the caller instead.
      write({ data: bundle, metadata: {}, transient: { display_id: id } }, shown);
      shown = true;
    },
  };
}

/** Shows Markdown (with a plain-text copy for terminals and text exports). */
export function showMarkdown(markdown: string): void {
  if (typeof markdown !== "string") fail("markdown", "a string of Markdown", markdown);
  displayBundle({ "text/markdown": markdown, "text/plain": markdown });
}

/** Shows an HTML fragment with a plain-text alternative. */
export function showHtml(html: string, text: string): void {
  if (typeof html !== "string") fail("html", "a string of HTML", html);
  if (typeof text !== "string") fail("text", "a plain-text alternative (a string)", text);
  displayBundle({ "text/html": html, "text/plain": text });
}

/** The parts of a danfo DataFrame (or any table like it) that {@link showDataFrame} reads. */
export interface DataFrameLike {
  /** Column names. */
  columns: string[];
  /** Rows of cell values, one array per row (a one-column frame may give plain values). */
  values: unknown[];
  /** Row labels. */
  index: Array<string | number>;
}

/** Options of {@link showDataFrame} and {@link dataFrameHtml}. */
export interface ShowDataFrameOptions {
  /** Significant digits of non-integer numbers. Default: 5. */
  digits?: number;
  /** A caption shown above the table. Default: none. */
  caption?: string;
  /** Show the row labels as a first column. Default: false (a fresh danfo frame's labels are just 0, 1, 2, …). */
  showIndex?: boolean;
  /** Rows shown at most; the rest are summarised in one line. Default: 50. */
  maxRows?: number;
}

/** Renders one table cell: integers as they are, other numbers to `digits` significant digits. */
export function formatCell(value: unknown, digits = 5): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 10 ** digits ? value.toFixed(0) : String(Number(value.toPrecision(digits)));
  }
  return value === null || value === undefined ? "" : String(value);
}

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Validates a DataFrame-like table and its options; returns header and formatted rows. */
function tableCells(df: DataFrameLike, options: ShowDataFrameOptions): { header: string[]; rows: string[][]; hidden: number; numeric: boolean[] } {
  if (df === null || typeof df !== "object" || !Array.isArray(df.columns) || !Array.isArray(df.values) || !Array.isArray(df.index)) {
    fail("df", "a danfo DataFrame (an object with `columns`, `values` and `index`)", df, 'Make one with `new dfd.DataFrame({ a: [1, 2] })` or the lib\'s loaders.');
  }
  const digits = options.digits ?? 5;
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) fail("options.digits", "an integer from 1 to 21", options.digits);
  const maxRows = options.maxRows ?? 50;
  if (!Number.isInteger(maxRows) || maxRows < 1) fail("options.maxRows", "a positive integer", options.maxRows);
  const showIndex = options.showIndex ?? false;
  const asRow = (row: unknown) => (Array.isArray(row) ? row : [row]);
  const shown = df.values.slice(0, maxRows).map(asRow);
  const numeric = df.columns.map((_, c) => shown.length > 0 && shown.every((row) => typeof row[c] === "number"));
  const rows = shown.map((row, r) => [...(showIndex ? [String(df.index[r])] : []), ...row.map((v) => formatCell(v, digits))]);
  const header = [...(showIndex ? [""] : []), ...df.columns];
  return { header, rows, hidden: df.values.length - shown.length, numeric: [...(showIndex ? [false] : []), ...numeric] };
}

/** The HTML table {@link showDataFrame} shows: numbers right-aligned, a caption, no scripts or styles from outside. */
export function dataFrameHtml(df: DataFrameLike, options: ShowDataFrameOptions = {}): string {
  const { header, rows, hidden, numeric } = tableCells(df, options);
  const align = (c: number) => (numeric[c] ? ' style="text-align:right"' : ' style="text-align:left"');
  const caption = options.caption === undefined ? "" : `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(options.caption)}</caption>`;
  const head = `<thead><tr>${header.map((h, c) => `<th${align(c)}>${escapeHtml(h)}</th>`).join("")}</tr></thead>`;
  const body = `<tbody>${rows.map((row) => `<tr>${row.map((v, c) => `<td${align(c)}>${escapeHtml(v)}</td>`).join("")}</tr>`).join("")}</tbody>`;
  const more = hidden > 0 ? `<p>… ${hidden} more row${hidden === 1 ? "" : "s"}</p>` : "";
  return `<table class="rnn-workbook-table">${caption}${head}${body}</table>${more}`;
}

/** The plain-text table: columns padded to line up (numbers to the right). */
export function dataFrameText(df: DataFrameLike, options: ShowDataFrameOptions = {}): string {
  const { header, rows, hidden, numeric } = tableCells(df, options);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ").trimEnd();
  const lines = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  if (hidden > 0) lines.push(`… ${hidden} more row${hidden === 1 ? "" : "s"}`);
  return (options.caption === undefined ? "" : options.caption + "\n") + lines.join("\n");
}

/**
 * Shows a danfo DataFrame as a readable HTML table (with a plain-text copy for
 * terminals and text exports). danfo's own `print()` writes a box-drawn table
 * to stdout, which wraps badly in a notebook. Introduced in notebook 05 (car sales).
 */
export function showDataFrame(df: DataFrameLike, options: ShowDataFrameOptions = {}): void {
  displayBundle({ "text/html": dataFrameHtml(df, options), "text/plain": dataFrameText(df, options) });
}
