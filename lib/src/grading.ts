/**
 * Exercises as notebook files: the layout rules, the student edition, and a
 * submission prepared for grading and read back. Pure transforms of notebook
 * JSON — no TensorFlow.js, no files, no processes — so an instructor can reuse
 * them on notebooks of their own; `rnn-workbook student-edition` and
 * `rnn-workbook grade` (lib/src/grader.ts) do the reading, writing and running.
 * Introduced with the exercises at the end of every notebook (notebook 00 on).
 *
 * The layout (EXERCISES.md): an answer cell has the metadata
 * `{"exercise": {"id": "05.1", "role": "answer"}}` and holds the solution
 * between a line `// BEGIN SOLUTION` and a line `// END SOLUTION`; its check
 * cell, later in the notebook, has the role `"check"`, calls
 * `checkExercise("05.1", …)`, and may hold cases between `// BEGIN HIDDEN TESTS`
 * and `// END HIDDEN TESTS` that only the grader runs.
 */
import { EXERCISE_ID, EXERCISE_MIME, exerciseStub } from "./exercises";
import { WorkbookInputError } from "./validate";

/** One cell of a notebook (nbformat 4). */
export interface NotebookCell {
  /** `"code"`, `"markdown"` or `"raw"`. */
  cell_type: string;
  /** The cell's id (nbformat 4.5). */
  id?: string;
  /** The cell's metadata; an exercise cell carries `exercise: {id, role}`. */
  metadata?: Record<string, unknown>;
  /** The text, as one string or as lines. */
  source: string | string[];
  /** A code cell's outputs. */
  outputs?: Array<Record<string, unknown>>;
  /** A code cell's execution count. */
  execution_count?: number | null;
  [key: string]: unknown;
}

/** A notebook (nbformat 4). */
export interface NotebookDocument {
  /** The cells, in order. */
  cells: NotebookCell[];
  /** Notebook metadata (kernelspec, language_info, …). */
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
  [key: string]: unknown;
}

/** The roles of an exercise cell. */
export const EXERCISE_ROLES = ["answer", "check"] as const;
/** One of {@link EXERCISE_ROLES}. */
export type ExerciseRole = (typeof EXERCISE_ROLES)[number];

/** The marker lines, each alone on its line (indentation allowed). */
export const MARKERS = {
  beginSolution: "// BEGIN SOLUTION",
  endSolution: "// END SOLUTION",
  beginHidden: "// BEGIN HIDDEN TESTS",
  endHidden: "// END HIDDEN TESTS",
} as const;

/** Valid cell ids (nbformat 4.5). */
export const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/** A notebook that breaks the exercise layout: every problem found, each naming the cell and what to fix. */
export class NotebookLayoutError extends WorkbookInputError {
  /** The notebook, as named by the caller (usually its file). */
  readonly notebook: string;
  /** One sentence per problem. */
  readonly problems: string[];

  constructor(notebook: string, problems: string[]) {
    super(notebook, `${notebook} does not follow the exercise layout (EXERCISES.md):\n${problems.map((p) => `  * ${p}`).join("\n")}`);
    this.name = "NotebookLayoutError";
    this.notebook = notebook;
    this.problems = problems;
  }
}

/** A cell's text. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/** Sets a cell's text, keeping the form (one string, or lines) it had. */
function setSource(cell: NotebookCell, text: string): void {
  cell.source = Array.isArray(cell.source) ? splitLines(text) : text;
}

/** Text as nbformat's list of lines, each keeping its "\n". */
function splitLines(text: string): string[] {
  return text === "" ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

/** A deep copy of a notebook. */
function copyNotebook(nb: NotebookDocument): NotebookDocument {
  return JSON.parse(JSON.stringify(nb)) as NotebookDocument;
}

/** The `exercise` metadata of a cell, or null. */
export function exerciseOf(cell: NotebookCell): { id: string; role: string } | null {
  const ex = cell.metadata?.exercise as { id?: unknown; role?: unknown } | undefined;
  if (!ex || typeof ex !== "object") return null;
  return { id: String(ex.id), role: String(ex.role) };
}

/** How a cell is named in messages: its id and position. */
function cellName(cell: NotebookCell, index: number): string {
  return typeof cell.id === "string" ? `cell ${cell.id} (cell ${index + 1})` : `cell ${index + 1} (no id)`;
}

/**
 * Parses a notebook file's text; a clear error when it is not JSON, not a
 * notebook, or has no cells. `name` names the file in errors.
 */
export function parseNotebook(text: string, name: string): NotebookDocument {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (error) {
    throw new NotebookLayoutError(name, [`it is not valid JSON (${(error as Error).message}); a notebook file is JSON: open it in Jupyter and save it again, or send the .ipynb file itself.`]);
  }
  if (!nb || typeof nb !== "object" || Array.isArray(nb)) throw new NotebookLayoutError(name, ["it is JSON but not a notebook (expected an object with `cells`)."]);
  const cells = (nb as NotebookDocument).cells;
  if (!Array.isArray(cells)) throw new NotebookLayoutError(name, ["it has no `cells` list, so it is not a Jupyter notebook (nbformat 4)."]);
  if (cells.length === 0) throw new NotebookLayoutError(name, ["it has no cells."]);
  const bad = cells.findIndex((c) => !c || typeof c !== "object" || typeof c.cell_type !== "string" || !(typeof c.source === "string" || Array.isArray(c.source)));
  if (bad >= 0) throw new NotebookLayoutError(name, [`cell ${bad + 1} is not a notebook cell (expected \`cell_type\` and \`source\`).`]);
  return nb as NotebookDocument;
}

/** A region between two marker lines, by line index (the markers' own lines). */
interface Region {
  begin: number;
  end: number;
  indent: string;
}

/** Finds the regions of one kind in `lines`, adding a problem for every unbalanced or misplaced marker. */
function findRegions(lines: string[], begin: string, end: string, where: string, problems: string[]): Region[] {
  const regions: Region[] = [];
  let open: { line: number; indent: string } | null = null;
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === begin) {
      if (open) problems.push(`${where}: \`${begin}\` at line ${i + 1} comes before the \`${end}\` of the one at line ${open.line + 1}; regions cannot nest: add \`${end}\` first.`);
      else open = { line: i, indent: line.slice(0, line.length - line.trimStart().length) };
    } else if (text === end) {
      if (!open) problems.push(`${where}: \`${end}\` at line ${i + 1} has no \`${begin}\` before it; add one, or delete this line.`);
      else {
        regions.push({ begin: open.line, end: i, indent: open.indent });
        open = null;
      }
    }
  });
  if (open) problems.push(`${where}: \`${begin}\` at line ${(open as { line: number }).line + 1} has no \`${end}\` after it; add a line \`${end}\` where the region ends.`);
  return regions;
}

/** One exercise of an instructor's notebook. */
export interface ExerciseLayout {
  /** The exercise id, e.g. `"05.1"`. */
  id: string;
  /** The answer cell's id. */
  answerCell: string;
  /** The check cell's id. */
  checkCell: string;
  /** Index of the answer cell in the notebook. */
  answerIndex: number;
  /** Index of the check cell in the notebook. */
  checkIndex: number;
  /** The solution's lines (between the markers), for leak tests. */
  solutionLines: string[];
  /** The hidden cases' lines (between the markers). */
  hiddenLines: string[];
}

/** Lines of a cell's text, without their "\n". */
function linesOf(cell: NotebookCell): string[] {
  return cellSource(cell).split("\n");
}

const ANY_MARKER = /\b(BEGIN|END) (SOLUTION|HIDDEN TESTS)\b/;

/**
 * Checks a notebook against the exercise layout and returns its exercises in
 * order; throws a {@link NotebookLayoutError} listing every problem (unbalanced
 * markers, a region in the wrong kind of cell, an answer without its check,
 * duplicate ids…), each naming the cell and what to fix. A notebook without
 * exercises is valid and has none.
 */
export function exerciseLayout(nb: NotebookDocument, name: string): ExerciseLayout[] {
  const problems: string[] = [];
  const seenIds = new Map<string, number>();
  const answers = new Map<string, number>();
  const checks = new Map<string, number>();
  nb.cells.forEach((cell, index) => {
    const where = cellName(cell, index);
    if (typeof cell.id !== "string" || !CELL_ID.test(cell.id)) {
      problems.push(`${where}: every cell needs an id of 1-64 letters, digits, '-' or '_' (nbformat 4.5), got ${JSON.stringify(cell.id)}; the grader matches cells by id. Save the notebook with a current Jupyter, or add "id" fields.`);
    } else if (seenIds.has(cell.id)) {
      problems.push(`${where}: its id is also the id of cell ${seenIds.get(cell.id)! + 1}; give each cell its own id.`);
    } else seenIds.set(cell.id, index);
    const ex = exerciseOf(cell);
    const lines = linesOf(cell);
    const solution = cell.cell_type === "code" ? findRegions(lines, MARKERS.beginSolution, MARKERS.endSolution, where, problems) : [];
    const hidden = cell.cell_type === "code" ? findRegions(lines, MARKERS.beginHidden, MARKERS.endHidden, where, problems) : [];
    lines.forEach((line, i) => {
      const exact = (Object.values(MARKERS) as string[]).includes(line.trim());
      if (cell.cell_type !== "code" && exact) problems.push(`${where}: a ${cell.cell_type} cell holds the marker \`${line.trim()}\` (line ${i + 1}); markers belong in exercise code cells only.`);
      else if (cell.cell_type === "code" && !exact && ANY_MARKER.test(line)) {
        problems.push(`${where}: line ${i + 1} mentions "${line.match(ANY_MARKER)![0]}" but is not a marker; a marker stands alone on its line, exactly \`// ${line.match(ANY_MARKER)![0]}\` (indentation allowed).`);
      }
    });
    if (!ex) {
      if (solution.length > 0) problems.push(`${where}: it holds a solution region but is not an answer cell; add the metadata {"exercise": {"id": "NN.k", "role": "answer"}} or move the solution into its answer cell.`);
      if (hidden.length > 0) problems.push(`${where}: it holds hidden tests but is not a check cell; add the metadata {"exercise": {"id": "NN.k", "role": "check"}} or move them into the check cell.`);
      return;
    }
    if (!EXERCISE_ID.test(ex.id)) problems.push(`${where}: exercise id ${JSON.stringify(ex.id)} should be like "05.1" (notebook number, dot, exercise number).`);
    if (!(EXERCISE_ROLES as readonly string[]).includes(ex.role)) {
      problems.push(`${where}: exercise role ${JSON.stringify(ex.role)} should be one of ${EXERCISE_ROLES.map((r) => `"${r}"`).join(", ")}.`);
      return;
    }
    if (cell.cell_type !== "code") problems.push(`${where}: an exercise's ${ex.role} cell must be a code cell, not ${cell.cell_type}.`);
    const table = ex.role === "answer" ? answers : checks;
    if (table.has(ex.id)) problems.push(`${where}: exercise ${ex.id} already has ${ex.role === "answer" ? "an" : "a"} ${ex.role} cell (cell ${table.get(ex.id)! + 1}); each exercise has exactly one answer and one check cell, and every exercise its own id.`);
    else table.set(ex.id, index);
    if (ex.role === "answer") {
      if (hidden.length > 0) problems.push(`${where}: hidden tests belong in the check cell of ${ex.id}, not in its answer cell.`);
      if (solution.length === 0 && cell.cell_type === "code") problems.push(`${where}: the answer cell of ${ex.id} has no \`${MARKERS.beginSolution}\` … \`${MARKERS.endSolution}\` region, so the student edition would give the answer away; mark the solution.`);
      for (const r of solution) {
        if (r.indent === "") problems.push(`${where}: the solution region at line ${r.begin + 1} is not indented; it must sit inside a function body, or the student edition's stub would throw when the cell runs.`);
      }
    } else {
      if (solution.length > 0) problems.push(`${where}: a solution region belongs in the answer cell of ${ex.id}, not in its check cell.`);
      const calls = new RegExp(`checkExercise\\(\\s*["'\`]${ex.id.replace(".", "\\.")}["'\`]`);
      if (!calls.test(cellSource(cell))) problems.push(`${where}: the check cell of ${ex.id} should call checkExercise("${ex.id}", …), whose result the grader reads.`);
    }
  });
  const exercises: ExerciseLayout[] = [];
  const ids = [...new Set([...answers.keys(), ...checks.keys()])];
  for (const id of ids) {
    const a = answers.get(id);
    const c = checks.get(id);
    if (a === undefined) problems.push(`exercise ${id}: its check cell (${cellName(nb.cells[c!], c!)}) has no answer cell; add one with the metadata {"exercise": {"id": "${id}", "role": "answer"}} above it.`);
    else if (c === undefined) problems.push(`exercise ${id}: its answer cell (${cellName(nb.cells[a], a)}) has no check cell; add one with the metadata {"exercise": {"id": "${id}", "role": "check"}} below it.`);
    else if (c < a) problems.push(`exercise ${id}: the check cell (${cellName(nb.cells[c], c)}) comes before the answer cell (${cellName(nb.cells[a], a)}); move it below.`);
    else {
      const between = (cell: NotebookCell, begin: string, end: string) => {
        const lines = linesOf(cell);
        const inner: string[] = [];
        for (const r of findRegions(lines, begin, end, "", [])) inner.push(...lines.slice(r.begin + 1, r.end));
        return inner;
      };
      exercises.push({
        id,
        answerCell: String(nb.cells[a].id),
        checkCell: String(nb.cells[c].id),
        answerIndex: a,
        checkIndex: c,
        solutionLines: between(nb.cells[a], MARKERS.beginSolution, MARKERS.endSolution),
        hiddenLines: between(nb.cells[c], MARKERS.beginHidden, MARKERS.endHidden),
      });
    }
  }
  if (problems.length > 0) throw new NotebookLayoutError(name, problems);
  return exercises.sort((x, y) => x.answerIndex - y.answerIndex);
}

/** Replaces each region by `replacement(region)` lines (none to delete it). */
function replaceRegions(text: string, begin: string, end: string, replacement: (r: Region) => string[]): string {
  const lines = text.split("\n");
  const regions = findRegions(lines, begin, end, "", []);
  for (const r of [...regions].reverse()) lines.splice(r.begin, r.end - r.begin + 1, ...replacement(r));
  return lines.join("\n");
}

/** Clears a code cell's outputs and execution count. */
function clearOutputs(cell: NotebookCell): void {
  if (cell.cell_type !== "code") return;
  cell.outputs = [];
  cell.execution_count = null;
}

/**
 * The student edition of an instructor's notebook: every solution region
 * replaced by {@link exerciseStub} (at the region's indentation), hidden tests
 * removed, outputs and execution counts cleared; cell ids and metadata kept.
 * Throws a {@link NotebookLayoutError} when the notebook breaks the layout.
 */
export function studentEdition(nb: NotebookDocument, name: string): NotebookDocument {
  exerciseLayout(nb, name);
  const out = copyNotebook(nb);
  for (const cell of out.cells) {
    clearOutputs(cell);
    const ex = exerciseOf(cell);
    if (!ex || cell.cell_type !== "code") continue;
    if (ex.role === "answer") setSource(cell, replaceRegions(cellSource(cell), MARKERS.beginSolution, MARKERS.endSolution, (r) => [`${r.indent}${exerciseStub(ex.id)}`]));
    else setSource(cell, replaceRegions(cellSource(cell), MARKERS.beginHidden, MARKERS.endHidden, () => []));
  }
  return out;
}

/**
 * The solution and hidden-test lines of `instructor` that appear in `student`
 * (trimmed, any cell, outputs included) although the instructor's notebook holds
 * them nowhere outside those regions: what a student edition must never show.
 * A line counts when a student cell holds it whole, or (24 characters or more)
 * anywhere in the notebook's JSON.
 * Empty for a correct student edition.
 */
export function leakedLines(instructor: NotebookDocument, student: NotebookDocument, name = "notebook"): string[] {
  const secret = new Set<string>();
  const outside = new Set<string>();
  for (const cell of instructor.cells) {
    const lines = linesOf(cell);
    const inside = new Set<number>();
    for (const [begin, end] of [[MARKERS.beginSolution, MARKERS.endSolution], [MARKERS.beginHidden, MARKERS.endHidden]]) {
      for (const r of findRegions(lines, begin, end, name, [])) for (let i = r.begin; i <= r.end; i++) inside.add(i);
    }
    lines.forEach((line, i) => (inside.has(i) ? secret : outside).add(line.trim()));
  }
  const shown = JSON.stringify(student);
  const studentLines = new Set(student.cells.flatMap((c) => linesOf(c).map((l) => l.trim())));
  return [...secret].filter((line) => line !== "" && !outside.has(line) && (studentLines.has(line) || (line.length >= 24 && shown.includes(JSON.stringify(line).slice(1, -1)))));
}

/** A notebook as the workbook stores it: JSON indented by one space, non-ASCII as is, a final newline. */
export function notebookText(nb: NotebookDocument): string {
  return JSON.stringify(nb, null, 1) + "\n";
}

// ---------------------------------------------------------------- grading

/** An instructor's notebook, ready to grade submissions against. */
export interface InstructorNotebook {
  /** Its name (file name without .ipynb), e.g. `"05-car-sales"`. */
  name: string;
  /** The notebook. */
  notebook: NotebookDocument;
  /** Its exercises. */
  exercises: ExerciseLayout[];
}

/** Which instructor notebook a submission was made from, by cell ids (then exercise metadata). */
export interface Identification {
  /** The instructor notebook, or null when none matches. */
  match: InstructorNotebook | null;
  /** How many of its cell ids the submission holds. */
  sharedIds: number;
  /** Why there is no match, or a note about it. */
  reason?: string;
}

/** Cell ids of a notebook, as a set. */
function idsOf(nb: NotebookDocument): Set<string> {
  return new Set(nb.cells.map((c) => c.id).filter((id): id is string => typeof id === "string"));
}

/**
 * Identifies the instructor notebook a submission was made from: the one
 * sharing most cell ids with it; failing that (ids lost by an old tool), the
 * one with the same exercise ids in the cells' metadata.
 */
export function identifyNotebook(submission: NotebookDocument, instructors: InstructorNotebook[]): Identification {
  const ids = idsOf(submission);
  let best: InstructorNotebook | null = null;
  let bestShared = 0;
  for (const inst of instructors) {
    const shared = [...idsOf(inst.notebook)].filter((id) => ids.has(id)).length;
    if (shared > bestShared) {
      best = inst;
      bestShared = shared;
    }
  }
  if (best) return { match: best, sharedIds: bestShared };
  const exerciseIds = new Set(submission.cells.map((c) => exerciseOf(c)?.id).filter((id): id is string => !!id));
  const byMetadata = instructors.find((inst) => inst.exercises.length > 0 && inst.exercises.every((e) => exerciseIds.has(e.id)));
  if (byMetadata) return { match: byMetadata, sharedIds: 0, reason: "no cell id matched; identified by the exercise ids in the cells' metadata" };
  const names = instructors.map((i) => i.name).join(", ");
  return { match: null, sharedIds: 0, reason: `made from none of the instructor's notebooks (${names || "none given"}): none of its ${submission.cells.length} cells has an id or exercise of theirs` };
}

/** A grade's status for one exercise. */
export const GRADE_STATUSES = ["pass", "fail", "error", "time-out", "not run"] as const;
/** One of {@link GRADE_STATUSES}. */
export type GradeStatus = (typeof GRADE_STATUSES)[number];

/** One exercise's grade. */
export interface ExerciseGrade {
  /** The exercise, e.g. `"05.1"`. */
  id: string;
  /** pass, fail (wrong or not answered, with the check's hint), error (the check could not say), time-out, not run. */
  status: GradeStatus;
  /** What went wrong, for every status but pass. */
  hint?: string;
  /** True when the answer still holds the student edition's stub. */
  notAnswered?: boolean;
}

/** A submission made ready to execute. */
export interface GradingPlan {
  /** The notebook to execute: the submission with the instructor's check cells, outputs cleared, the instructor's kernel. */
  notebook: NotebookDocument;
  /** The instructor notebook it was made from. */
  instructor: InstructorNotebook;
  /** Exercises settled without running (an answer cell deleted). */
  settled: ExerciseGrade[];
  /** What differs from the instructor's notebook (deleted, reordered, replaced cells). */
  notes: string[];
}

/** Lists at most `n` items, then how many more. */
function listSome(items: string[], n = 5): string {
  return items.slice(0, n).join(", ") + (items.length > n ? ` and ${items.length - n} more` : "");
}

/**
 * Puts the instructor's check cells (hidden tests included, `checkExercise`
 * imported afresh: {@link checkImport}) in place of the submission's, matched by
 * cell id (else by exercise metadata); re-inserts a
 * deleted check cell after its answer cell; clears every output (so nothing the
 * student pasted can count) and uses the instructor's kernel. Notes deleted,
 * reordered and edited check cells.
 */
export function prepareSubmission(submission: NotebookDocument, instructor: InstructorNotebook): GradingPlan {
  const nb = copyNotebook(submission);
  const notes: string[] = [];
  const settled: ExerciseGrade[] = [];
  for (const cell of nb.cells) clearOutputs(cell);
  const reimport = checkImport(instructor.notebook);
  const findCell = (id: string, exercise: string, role: ExerciseRole): number => {
    const byId = nb.cells.findIndex((c) => c.id === id);
    if (byId >= 0) return byId;
    return nb.cells.findIndex((c) => {
      const ex = exerciseOf(c);
      return ex?.id === exercise && ex.role === role;
    });
  };
  for (const ex of instructor.exercises) {
    const instructorCheck = instructor.notebook.cells[ex.checkIndex];
    const answer = findCell(ex.answerCell, ex.id, "answer");
    const check = findCell(ex.checkCell, ex.id, "check");
    if (answer < 0) {
      settled.push({ id: ex.id, status: "error", hint: `the answer cell of exercise ${ex.id} (id ${ex.answerCell}) was deleted from the submission.` });
      if (check >= 0) nb.cells.splice(check, 1); // nothing to check
      notes.push(`answer cell of ${ex.id} deleted`);
      continue;
    }
    const fresh: NotebookCell = { ...JSON.parse(JSON.stringify(instructorCheck)), outputs: [], execution_count: null };
    if (reimport) setSource(fresh, reimport + cellSource(fresh));
    if (check < 0) {
      nb.cells.splice(answer + 1, 0, fresh);
      notes.push(`check cell of ${ex.id} deleted; the instructor's put back after the answer`);
      continue;
    }
    if (cellSource(nb.cells[check]) !== cellSource(instructorCheck) && cellSource(nb.cells[check]) !== cellSource(studentCheckOf(instructorCheck))) {
      notes.push(`check cell of ${ex.id} edited; replaced by the instructor's`);
    }
    if (check < answer) notes.push(`check cell of ${ex.id} moved above its answer cell`);
    nb.cells[check] = fresh;
  }
  // Deleted and reordered cells, against the instructor's order.
  const position = new Map(instructor.notebook.cells.map((c, i) => [String(c.id), i]));
  const present = nb.cells.map((c) => position.get(String(c.id))).filter((i): i is number => i !== undefined);
  const missing = instructor.notebook.cells.filter((c) => !nb.cells.some((s) => s.id === c.id) && !exerciseOf(c));
  if (missing.length > 0) notes.push(`${missing.length} of the instructor's cells deleted (${listSome(missing.map((c) => String(c.id)))})`);
  const outOfPlace = present.findIndex((p, i) => i > 0 && p < present[i - 1]);
  if (outOfPlace > 0) notes.push(`cells reordered (first out of place: ${instructor.notebook.cells[present[outOfPlace]].id}); run in the submission's order`);
  const added = nb.cells.filter((c) => !position.has(String(c.id))).length;
  if (added > 0) notes.push(`${added} cell(s) of the student's own`);
  nb.metadata = { ...(nb.metadata ?? {}), kernelspec: instructor.notebook.metadata?.kernelspec, language_info: instructor.notebook.metadata?.language_info };
  return { notebook: nb, instructor, settled, notes };
}

/**
 * The line that imports `checkExercise` the way the instructor's notebook does
 * (e.g. `import { checkExercise } from "rnn-workbook";\n`), or "" when it does
 * not. The grader puts it at the top of every check cell, so a student cell that
 * declares a `checkExercise` of its own cannot stand in for the real one.
 */
export function checkImport(nb: NotebookDocument): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const match = cellSource(cell).match(/import\s*\{[^}]*\bcheckExercise\b[^}]*\}\s*from\s*(["'])([^"']+)\1/);
    if (match) return `import { checkExercise } from ${match[1]}${match[2]}${match[1]};\n`;
  }
  return "";
}

/** The check cell as the student edition shows it (hidden tests removed). */
function studentCheckOf(cell: NotebookCell): NotebookCell {
  return { ...cell, source: replaceRegions(cellSource(cell), MARKERS.beginHidden, MARKERS.endHidden, () => []) };
}

/** How one cell's execution went, as the grader's runner reports it. */
export interface CellRun {
  /** The cell's id. */
  id: string;
  /** ok, error (it threw), time-out (the time limit ran out in it), died (the kernel died in it), not run. */
  status: "ok" | "error" | "time-out" | "died" | "not run";
  /** The error's name, e.g. `"ExerciseFailedError"`, `"CompileError"`. */
  ename?: string;
  /** The error's message. */
  evalue?: string;
}

/** An exercise result as a check cell shows it (see EXERCISE_MIME). */
interface ShownResult {
  id?: string;
  status?: string;
  hint?: string;
  notAnswered?: boolean;
}

/** The last exercise result a cell displayed for exercise `id`, or null. */
function resultIn(cell: NotebookCell | undefined, id: string): ShownResult | null {
  let found: ShownResult | null = null;
  for (const output of cell?.outputs ?? []) {
    const data = (output.data as Record<string, unknown> | undefined)?.[EXERCISE_MIME] as ShownResult | undefined;
    if (data && typeof data === "object" && data.id === id) found = data;
  }
  return found;
}

/**
 * Reads each exercise's grade from the executed notebook and the runner's
 * per-cell report: a check passes only when its cell ran without error and
 * showed a passing result; a failing check gives its hint; an error without a
 * result (e.g. a compile error) gives the error; the exercise in whose cells (from
 * after the previous check to its own check) time ran out or the kernel died gets
 * that; a later exercise is read from the runner's next pass, or "not run".
 */
export function readGrades(plan: GradingPlan, executed: NotebookDocument | null, runs: CellRun[], limits: { timeoutSeconds?: number; memoryMb?: number } = {}): ExerciseGrade[] {
  const cells = executed?.cells ?? plan.notebook.cells;
  const indexOf = (id: string) => cells.findIndex((c) => c.id === id);
  const runOf = new Map(runs.map((r) => [r.id, r]));
  const stops = runs.filter((r) => r.status === "time-out" || r.status === "died").map((r) => ({ run: r, index: indexOf(r.id) }));
  let previousCheck = -1;
  let lastStopped: string | null = null;
  return plan.instructor.exercises.map((ex): ExerciseGrade => {
    const done = plan.settled.find((s) => s.id === ex.id);
    if (done) return done;
    const index = indexOf(ex.checkCell);
    const cell = cells[index];
    const run = runOf.get(ex.checkCell);
    // A cell that ran out of time or killed the kernel, between the previous check and this one (included).
    const stop = stops.find((s) => s.index > previousCheck && s.index <= index);
    if (index >= 0) previousCheck = index;
    if (stop) {
      lastStopped = ex.id;
      const where = stop.run.id === ex.checkCell ? "in this check" : stop.run.id === ex.answerCell ? "in the answer cell" : `in cell ${stop.run.id}`;
      if (stop.run.status === "time-out") return { id: ex.id, status: "time-out", hint: `the time limit${limits.timeoutSeconds ? ` of ${limits.timeoutSeconds} s` : ""} ran out ${where} (an endless loop?).` };
      return { id: ex.id, status: "error", hint: `the kernel died ${where}${stop.run.evalue ? ` (${stop.run.evalue})` : ""}: out of memory${limits.memoryMb ? ` (the limit is ${limits.memoryMb} MB)` : ""}, or a crash.` };
    }
    if (!run || run.status === "not run") return { id: ex.id, status: "not run", hint: lastStopped ? `not run: the runs stopped at exercise ${lastStopped}.` : "the check cell was not run." };
    const result = resultIn(cell, ex.id);
    if (run.status === "ok") {
      if (result?.status === "pass") return { id: ex.id, status: "pass" };
      if (result?.status === "fail") return { id: ex.id, status: "fail", hint: result.hint, ...(result.notAnswered ? { notAnswered: true } : {}) };
      return { id: ex.id, status: "error", hint: "the check cell ran but showed no result of checkExercise." };
    }
    if (result?.status === "fail") return { id: ex.id, status: "fail", hint: result.hint, ...(result.notAnswered ? { notAnswered: true } : {}) };
    const answerRun = runOf.get(ex.answerCell);
    const answerError = answerRun?.status === "error" ? ` The answer cell failed first: ${answerRun.ename}: ${firstLine(answerRun.evalue)}` : "";
    return { id: ex.id, status: "error", hint: `the check failed with ${run.ename ?? "an error"}: ${firstLine(run.evalue)}.${answerError}` };
  });
}

/** The first line of a message, at most 300 characters. */
function firstLine(text: string | undefined): string {
  const line = (text ?? "").split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

// ---------------------------------------------------------------- the table

/** The outcome of a whole submission. */
export const SUBMISSION_STATUSES = ["graded", "invalid", "unrecognised", "failed"] as const;
/** One of {@link SUBMISSION_STATUSES}. */
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** One row of the grade table. */
export interface SubmissionGrade {
  /** The submission's path, as given. */
  submission: string;
  /** graded; invalid (not a notebook); unrecognised (made from none of the instructor's notebooks); failed (it could not be run). */
  status: SubmissionStatus;
  /** The instructor notebook it was made from. */
  notebook?: string;
  /** Why it was not graded, for every status but graded. */
  message?: string;
  /** What differs from the instructor's notebook, and how the run ended. */
  notes: string[];
  /** One grade per exercise of its notebook. */
  exercises: ExerciseGrade[];
  /** Exercises passed. */
  passed: number;
  /** Exercises in its notebook. */
  total: number;
  /** Wall seconds of its run. */
  seconds: number;
  /** The feedback page, relative to the out folder. */
  feedback?: string;
}

/** A CSV field. */
function csvField(value: string | number | undefined): string {
  const text = value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The exercise ids of all rows, sorted. */
export function exerciseColumns(rows: SubmissionGrade[]): string[] {
  const ids = new Set(rows.flatMap((r) => r.exercises.map((e) => e.id)));
  return [...ids].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** The grade table as CSV: one row per submission; per exercise its status and hint. */
export function gradesCsv(rows: SubmissionGrade[]): string {
  const ids = exerciseColumns(rows);
  const header = ["submission", "notebook", "status", "passed", "total", ...ids.flatMap((id) => [id, `${id} hint`]), "notes", "message"];
  const lines = rows.map((r) => {
    const grades = ids.flatMap((id) => {
      const g = r.exercises.find((e) => e.id === id);
      return [g?.status ?? "", g?.hint ?? ""];
    });
    return [r.submission, r.notebook ?? "", r.status, r.passed, r.total, ...grades, r.notes.join("; "), r.message ?? ""].map(csvField).join(",");
  });
  return [header.map(csvField).join(","), ...lines].join("\n") + "\n";
}

/** The grade table as text, for the terminal: submission, notebook, score, one column per exercise. */
export function gradesTable(rows: SubmissionGrade[]): string {
  const ids = exerciseColumns(rows);
  const header = ["submission", "notebook", "score", ...ids];
  const body = rows.map((r) => [
    r.submission,
    r.notebook ?? "-",
    r.status === "graded" ? `${r.passed}/${r.total}` : r.status,
    ...ids.map((id) => r.exercises.find((e) => e.id === id)?.status ?? ""),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** The feedback page of one submission, in Markdown. */
export function feedbackMarkdown(row: SubmissionGrade): string {
  const lines = [`# Feedback: ${row.submission}`, ""];
  if (row.status !== "graded") {
    lines.push(`**Not graded** (${row.status}): ${row.message ?? ""}`, "");
  } else {
    lines.push(`Notebook: **${row.notebook}** · exercises passed: **${row.passed} of ${row.total}**`, "");
    lines.push("| exercise | result | what to do |", "| --- | --- | --- |");
    const mark = { pass: "correct ✓", fail: "not right yet ✗", error: "error ✗", "time-out": "time limit ✗", "not run": "not run" } as const;
    for (const e of row.exercises) {
      const what = e.status === "pass" ? "" : e.notAnswered ? "not answered yet: write your answer in the answer cell" : (e.hint ?? "");
      lines.push(`| ${e.id} | ${mark[e.status]} | ${what.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
    }
    lines.push("");
  }
  if (row.notes.length > 0) lines.push("Notes:", "", ...row.notes.map((n) => `* ${n}`), "");
  if (row.status === "graded") lines.push("The checks ran as the instructor wrote them, with hidden cases added; a check cell you edited was replaced by the original.", "");
  return lines.join("\n");
}
