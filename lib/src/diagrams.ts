/**
 * Small diagrams drawn as inline SVG (no picture files): the five shapes of a
 * recurrent problem, unrolled over time. Introduced in notebook 01 (an RNN cell by hand).
 */
import { displayBundle } from "./display";
import { assertKnownOptions, assertOneOf, assertPositiveInteger, described, fail } from "./validate";

/** The five shapes of a recurrent problem, in the order the workbook teaches them. */
export const RECURRENT_SHAPES = ["one-to-one", "one-to-many", "many-to-one", "many-to-many", "encoder-decoder"] as const;
/** One of {@link RECURRENT_SHAPES}. */
export type RecurrentShape = (typeof RECURRENT_SHAPES)[number];

/** How one shape is unrolled: how many cells, and which of them read an input or emit an output. */
export interface ShapeLayout {
  /** Heading of the panel. */
  title: string;
  /** Number of unrolled time steps (cells). */
  cells: number;
  /** Steps (0-based) that read an input x. */
  inputsAt: number[];
  /** Steps (0-based) that emit an output y. */
  outputsAt: number[];
  /** Steps that belong to the decoder (drawn in another colour). */
  decoderAt: number[];
}

/** The unrolled layout of each shape. */
export const SHAPE_LAYOUTS: Record<RecurrentShape, ShapeLayout> = {
  "one-to-one": { title: "one-to-one", cells: 1, inputsAt: [0], outputsAt: [0], decoderAt: [] },
  "one-to-many": { title: "one-to-many", cells: 4, inputsAt: [0], outputsAt: [0, 1, 2, 3], decoderAt: [] },
  "many-to-one": { title: "many-to-one", cells: 4, inputsAt: [0, 1, 2, 3], outputsAt: [3], decoderAt: [] },
  "many-to-many": { title: "many-to-many (equal lengths)", cells: 4, inputsAt: [0, 1, 2, 3], outputsAt: [0, 1, 2, 3], decoderAt: [] },
  "encoder-decoder": { title: "encoder–decoder", cells: 6, inputsAt: [0, 1, 2], outputsAt: [3, 4, 5], decoderAt: [3, 4, 5] },
};

/** The caption under each panel unless the caller gives another. */
export const DEFAULT_SHAPE_CAPTIONS: Record<RecurrentShape, string> = {
  "one-to-one": "one value → one value",
  "one-to-many": "one start → a sequence",
  "many-to-one": "a window → the next value",
  "many-to-many": "a sequence → a value per step",
  "encoder-decoder": "a sentence → its translation",
};

/** Options of {@link recurrentShapesSvg}. */
export interface RecurrentShapesSvgOptions {
  /** Which shapes to draw, in this order. Default: all five, {@link RECURRENT_SHAPES}. */
  shapes?: RecurrentShape[];
  /** Panels per row before wrapping to the next row. Default: 3. */
  perRow?: number;
  /** Caption under a panel, by shape; shapes not named keep {@link DEFAULT_SHAPE_CAPTIONS}. Default: none. */
  captions?: Partial<Record<RecurrentShape, string>>;
}

const BOX = 30;
const GAP = 20;
const PAD = 20;
const PANEL_HEIGHT = 250;
const PANEL_SPACING = 16;
const MIN_PANEL_WIDTH = 170;
const COLOURS = { input: "#f4a261", cell: "#2a9d8f", decoder: "#8e6fb8", output: "#457b9d", line: "#444", text: "#222" };
const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

/** Escapes text for use inside SVG/XML. */
function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A letter with a Unicode subscript number, e.g. x₁. */
function subscripted(letter: string, n: number): string {
  return letter + String(n).split("").map((d) => SUBSCRIPTS[Number(d)]).join("");
}

function panelWidth(layout: ShapeLayout): number {
  return Math.max(MIN_PANEL_WIDTH, 2 * PAD + layout.cells * BOX + (layout.cells - 1) * GAP);
}

function box(x: number, y: number, fill: string, label: string): string {
  return (
    `<rect x="${x}" y="${y}" width="${BOX}" height="${BOX}" rx="5" fill="${fill}" stroke="${COLOURS.line}" stroke-width="1"/>` +
    `<text x="${x + BOX / 2}" y="${y + BOX / 2 + 5}" text-anchor="middle" font-size="13" fill="#fff">${xml(label)}</text>`
  );
}

function arrow(x1: number, y1: number, x2: number, y2: number): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${COLOURS.line}" stroke-width="1.5" marker-end="url(#rnnwb-arrow)"/>`;
}

/** One panel's SVG elements, drawn with its top-left corner at (0, 0). */
function panel(shape: RecurrentShape, caption: string): { width: number; body: string } {
  const layout = SHAPE_LAYOUTS[shape];
  const width = panelWidth(layout);
  const rowWidth = layout.cells * BOX + (layout.cells - 1) * GAP;
  const left = (width - rowWidth) / 2;
  const yOut = 45;
  const yCell = 115;
  const yIn = 185;
  const parts: string[] = [
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${PANEL_HEIGHT - 1}" rx="8" fill="#fafafa" stroke="#ccc"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="14" font-weight="bold" fill="${COLOURS.text}">${xml(layout.title)}</text>`,
  ];
  for (let t = 0; t < layout.cells; t++) {
    const x = left + t * (BOX + GAP);
    const decoder = layout.decoderAt.includes(t);
    parts.push(box(x, yCell, decoder ? COLOURS.decoder : COLOURS.cell, subscripted("h", t + 1)));
    if (t > 0) parts.push(arrow(x - GAP, yCell + BOX / 2, x - 2, yCell + BOX / 2)); // the state passed on
    if (layout.inputsAt.includes(t)) {
      parts.push(box(x, yIn, COLOURS.input, subscripted("x", layout.inputsAt.indexOf(t) + 1)));
      parts.push(arrow(x + BOX / 2, yIn, x + BOX / 2, yCell + BOX + 2));
    }
    if (layout.outputsAt.includes(t)) {
      parts.push(box(x, yOut, COLOURS.output, subscripted("y", layout.outputsAt.indexOf(t) + 1)));
      parts.push(arrow(x + BOX / 2, yCell, x + BOX / 2, yOut + BOX + 2));
    }
  }
  parts.push(`<text x="${width / 2}" y="${PANEL_HEIGHT - 14}" text-anchor="middle" font-size="12" fill="${COLOURS.text}">${xml(caption)}</text>`);
  return { width, body: parts.join("") };
}

/**
 * The shapes of a recurrent problem as one SVG picture: each shape unrolled
 * over time, inputs x (orange) below the cells h (green; decoder purple),
 * outputs y (blue) above, arrows for the state passed from step to step.
 * Introduced in notebook 01.
 */
export function recurrentShapesSvg(options: RecurrentShapesSvgOptions = {}): string {
  assertKnownOptions(options, ["shapes", "perRow", "captions"], '{ shapes: ["many-to-one"], perRow: 3 }');
  const shapes = options.shapes ?? [...RECURRENT_SHAPES];
  if (!Array.isArray(shapes) || shapes.length === 0) fail("options.shapes", `a non-empty array of shape names (${RECURRENT_SHAPES.join(", ")})`, shapes);
  shapes.forEach((s, i) => assertOneOf(`options.shapes[${i}]`, s, RECURRENT_SHAPES));
  if (new Set(shapes).size !== shapes.length) fail("options.shapes", "each shape at most once", shapes);
  const perRow = options.perRow ?? 3;
  assertPositiveInteger("options.perRow", perRow, "It is the number of panels side by side, e.g. perRow: 3.");
  const captions = options.captions ?? {};
  assertKnownOptions(captions, RECURRENT_SHAPES, '{ "many-to-one": "a week → tomorrow" }', "options.captions");
  for (const [shape, caption] of Object.entries(captions)) {
    if (typeof caption !== "string") fail(`options.captions["${shape}"]`, "a short text", caption);
  }

  const rows: Array<Array<{ width: number; body: string }>> = [];
  shapes.forEach((shape, i) => {
    if (i % perRow === 0) rows.push([]);
    rows[rows.length - 1].push(panel(shape, captions[shape] ?? DEFAULT_SHAPE_CAPTIONS[shape]));
  });
  const rowWidths = rows.map((row) => row.reduce((sum, p) => sum + p.width, 0) + (row.length - 1) * PANEL_SPACING);
  const width = Math.max(...rowWidths);
  const height = rows.length * PANEL_HEIGHT + (rows.length - 1) * PANEL_SPACING;
  const groups: string[] = [];
  rows.forEach((row, r) => {
    let x = 0;
    for (const p of row) {
      groups.push(`<g transform="translate(${x},${r * (PANEL_HEIGHT + PANEL_SPACING)})">${p.body}</g>`);
      x += p.width + PANEL_SPACING;
    }
  });
  const title = `The shapes of a recurrent problem: ${shapes.join(", ")}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${xml(title)}">` +
    `<title>${xml(title)}</title>` +
    `<defs><marker id="rnnwb-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="${COLOURS.line}"/></marker></defs>` +
    groups.join("") +
    `</svg>`
  );
}

/**
 * Shows an SVG picture in the notebook, with `text` as the plain-text
 * alternative (printed instead outside a notebook). Introduced in notebook 01.
 */
export function showSvg(svg: string, text: string): void {
  if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) {
    fail("svg", "an SVG document as a string, starting with <svg", typeof svg === "string" ? described(`a string starting ${JSON.stringify(svg.slice(0, 20))}`) : svg);
  }
  if (typeof text !== "string" || text.length === 0) fail("text", "a short plain-text description of the picture", text);
  displayBundle({ "image/svg+xml": svg, "text/plain": text });
}
