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
