/**
 * `rnn-workbook init <folder>`: an instructor's course folder in one command.
 *
 * Creates or updates a folder holding a `package.json` (the library as a vendored
 * tarball, tslab, the danfo override), installs it, registers a Jupyter kernel for it
 * with absolute paths, and writes a starter notebook and a GitHub Actions workflow.
 * Re-running is safe: every file init writes is recorded with its hash in
 * `.rnn-workbook.json`; a file whose hash no longer matches was edited by the
 * instructor and is left alone (and reported).
 *
 * Imports only Node's own modules: it runs from `npx --package <repo>/lib`, where the
 * library's dependencies are not installed.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { homedir } from "os";
import * as path from "path";
import { starterNotebook, workflowFile, gitignoreFile } from "./course-templates";
import { described, fail, WorkbookInputError } from "./validate";

/** tslab version the course folder installs (the one the workbook itself uses). */
export const TSLAB_VERSION = "1.0.22";

/**
 * The danfo override: danfojs-node's hard dependency on `@tensorflow/tfjs-node` 3.x
 * maps to the workbook's TensorFlow.js, as in the repository's own package.json.
 */
export const COURSE_OVERRIDES = { "danfojs-node": { "@tensorflow/tfjs-node": "npm:@tensorflow/tfjs@4.22.0" } } as const;

/** npm 11 `allowScripts`: tfjs-node's install step may run; the others ship their binaries. */
export const COURSE_ALLOW_SCRIPTS = { "@tensorflow/tfjs-node": true, zeromq: false, esbuild: false, "core-js": false } as const;

/** The manifest init keeps in the course folder: what it wrote last, by hash. */
export const MANIFEST_FILE = ".rnn-workbook.json";

/** The starter notebook's path inside the course folder. */
export const STARTER_NOTEBOOK = "notebooks/00-starter.ipynb";

/** The CI workflow's path inside the course folder. */
export const WORKFLOW_FILE = ".github/workflows/notebooks.yml";

/** Where the kernel is registered. */
export const KERNEL_SCOPES = ["user", "prefix", "system"] as const;
/** One of {@link KERNEL_SCOPES}. */
export type KernelScope = (typeof KERNEL_SCOPES)[number];

/** Options of {@link registerKernel}. */
export interface KernelOptions {
  /** The course folder (absolute or relative to the working directory). Required. */
  folder: string;
  /** Where to register: `"user"` (your Jupyter data folder), `"prefix"` (`<prefix>/share/jupyter/kernels`) or `"system"` (`/usr/local/share/jupyter/kernels`). Default: `"user"`. */
  scope?: KernelScope;
  /** The prefix for scope `"prefix"`. Default: none (required with that scope). */
  prefix?: string;
  /** The kernel's name. Default: the one recorded in the folder's manifest, else `tslab-<folder name>`. */
  kernelName?: string;
}

/** Options of {@link initCourse}. */
export interface InitOptions extends KernelOptions {
  /** Run `npm install` in the folder. Default: true. */
  install?: boolean;
  /** Where progress lines go. Default: `console.log`. */
  log?: (line: string) => void;
}

/** What happened to one file. */
export type FileAction = "created" | "updated" | "unchanged" | "skipped";

/** One line of init's report. */
export interface FileReport {
  /** Path, relative to the course folder (absolute for the kernel). */
  file: string;
  /** What init did. */
  action: FileAction;
  /** Why, for skipped files. */
  reason?: string;
}

/** What {@link initCourse} did. */
export interface InitReport {
  /** The course folder, absolute. */
  folder: string;
  /** The kernel's name. */
  kernelName: string;
  /** The kernel's folder (holding kernel.json). */
  kernelDir: string;
  /** Every file init considered, in order. */
  files: FileReport[];
}

/** The manifest's shape. */
interface Manifest {
  /** Always "rnn-workbook init". */
  writtenBy: string;
  /** The kernel name init registered. */
  kernelName: string;
  /** SHA-256 of each file as init last wrote it, by relative path. */
  files: Record<string, string>;
  /** Values init last wrote into package.json, by dotted path. */
  packageJson: Record<string, unknown>;
}

/** The library package this code runs from (dist/course.js → the package folder). */
export function libraryDir(): string {
  return path.resolve(__dirname, "..");
}

/** SHA-256 of bytes or text, hex. */
export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes `data` to `file` atomically (temporary file beside it, then rename). */
export function writeAtomic(file: string, data: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** A folder name turned into a kernel-name-safe slug ("My Course 2025" → "my-course-2025"). */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "course";
}

/** Valid Jupyter kernel names: letters, digits, `.`, `_`, `-`. */
const KERNEL_NAME = /^[a-zA-Z0-9._-]+$/;

/** Checks a kernel name. */
export function assertKernelName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !KERNEL_NAME.test(name)) {
    fail("--kernel-name", "a Jupyter kernel name made of letters, digits, '.', '_' and '-'", name, "E.g. --kernel-name tslab-my-course.");
  }
}

/** The per-user Jupyter data folder, as Jupyter computes it on Linux and macOS. */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === "darwin") return path.join(homedir(), "Library", "Jupyter");
  return path.join(process.env.XDG_DATA_HOME || path.join(homedir(), ".local", "share"), "jupyter");
}

/** The folder holding kernel folders for a scope. */
export function kernelsDir(scope: KernelScope, prefix?: string): string {
  if (scope === "user") return path.join(userDataDir(), "kernels");
  if (scope === "system") {
    if (process.platform === "win32") fail("--system", "a Linux or macOS machine", described("Windows"), "Use --prefix <sys.prefix of your Jupyter's Python> instead.");
    return "/usr/local/share/jupyter/kernels";
  }
  if (typeof prefix !== "string" || prefix === "") fail("--prefix", "a folder", prefix, "E.g. --prefix /opt/jupyter (the kernel goes to /opt/jupyter/share/jupyter/kernels).");
  return path.join(path.resolve(prefix), "share", "jupyter", "kernels");
}

/**
 * The kernel.json that starts this folder's copy of the workbook's kernel (tslab with
 * readable errors, interrupts that stop training and a ready backend: kernel.ts) with this
 * Node, by absolute paths.
 */
export function kernelSpec(folder: string, kernelName: string): object {
  return {
    argv: [process.execPath, path.join(folder, "node_modules", "rnn-workbook", "dist", "kernel.js"), "--config-path", "{connection_file}"],
    display_name: `TypeScript (${path.basename(folder)})`,
    language: "typescript",
    metadata: { "rnn-workbook": { folder, kernelName } },
  };
}

/** The course folder a registered kernel belongs to, or null when it is not one init registered. */
function kernelFolder(kernelJson: string): string | null {
  try {
    return JSON.parse(readFileSync(kernelJson, "utf8"))?.metadata?.["rnn-workbook"]?.folder ?? null;
  } catch {
    return null;
  }
}

/** Reads the folder's manifest, or an empty one. */
function readManifest(folder: string): Manifest {
  const file = path.join(folder, MANIFEST_FILE);
  if (!existsSync(file)) return { writtenBy: "rnn-workbook init", kernelName: "", files: {}, packageJson: {} };
  try {
    const manifest = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    return { writtenBy: "rnn-workbook init", kernelName: manifest.kernelName ?? "", files: manifest.files ?? {}, packageJson: manifest.packageJson ?? {} };
  } catch (error) {
    throw new WorkbookInputError(MANIFEST_FILE, `Could not read ${file} (${(error as Error).message}). Delete it to let init treat every existing file as yours.`);
  }
}

/** The course folder, resolved, created if missing, checked to be a folder. */
function courseFolder(folder: unknown): string {
  if (typeof folder !== "string" || folder.trim() === "") fail("<folder>", "the path of the course folder", folder, "E.g. rnn-workbook init my-course.");
  const dir = path.resolve(folder);
  if (existsSync(dir) && !statSync(dir).isDirectory()) fail("<folder>", "a folder (or a path that does not exist yet)", described(`${dir}, which is a file`), "Pick another path.");
  return dir;
}

/** Applies the manifest rule to one file: write it when new or untouched since init wrote it, else skip. */
function placeFile(folder: string, rel: string, data: string | Buffer, manifest: Manifest): FileReport {
  const file = path.join(folder, rel);
  const wanted = sha256(data);
  if (!existsSync(file)) {
    writeAtomic(file, data);
    manifest.files[rel] = wanted;
    return { file: rel, action: "created" };
  }
  const current = sha256(readFileSync(file));
  if (current === wanted) {
    manifest.files[rel] = wanted;
    return { file: rel, action: "unchanged" };
  }
  if (manifest.files[rel] === current) {
    writeAtomic(file, data);
    manifest.files[rel] = wanted;
    return { file: rel, action: "updated" };
  }
  const reason = manifest.files[rel] ? "edited since init wrote it; delete it and re-run init to get the new version" : "it existed before and was not written by init";
  return { file: rel, action: "skipped", reason };
}

/** Reads a dotted path ("a.b") of an object, keys may contain "/" and "@". */
function getPath(object: Record<string, unknown>, keys: string[]): unknown {
  return keys.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), object);
}

/** Sets a path of an object, creating the objects on the way. */
function setPath(object: Record<string, unknown>, keys: string[], value: unknown): void {
  let o = object;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== "object") o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** The package.json entries init maintains, by path, for the vendored tarball `tarball`. */
export function packageEntries(tarball: string): Array<[string[], unknown]> {
  const entries: Array<[string[], unknown]> = [
    [["dependencies", "rnn-workbook"], `file:vendor/${tarball}`],
    [["dependencies", "tslab"], TSLAB_VERSION],
    [["overrides", "danfojs-node"], COURSE_OVERRIDES["danfojs-node"]],
  ];
  for (const [name, allowed] of Object.entries(COURSE_ALLOW_SCRIPTS)) entries.push([["allowScripts", name], allowed]);
  return entries;
}

/**
 * Creates package.json, or merges init's entries into an existing one: a missing entry is
 * added, one still holding what init last wrote is updated, one the instructor changed is kept.
 */
function placePackageJson(folder: string, tarball: string, manifest: Manifest, reports: FileReport[]): void {
  const file = path.join(folder, "package.json");
  let pkg: Record<string, unknown>;
  const existed = existsSync(file);
  if (existed) {
    try {
      pkg = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new WorkbookInputError("package.json", `Expected ${file} to be valid JSON, but it is not (${(error as Error).message}). Fix it, or move it away and re-run init.`);
    }
  } else {
    pkg = { name: slug(path.basename(folder)), private: true, description: "Course notebooks on the RNN workbook library (created by rnn-workbook init)." };
  }
  const before = JSON.stringify(pkg, null, 2) + "\n";
  const kept: string[] = [];
  for (const [keys, value] of packageEntries(tarball)) {
    const key = keys.join(".");
    const current = getPath(pkg, keys);
    const same = JSON.stringify(current) === JSON.stringify(value);
    if (current === undefined || same || JSON.stringify(current) === JSON.stringify(manifest.packageJson[key])) {
      if (!same) setPath(pkg, keys, value);
      manifest.packageJson[key] = value;
    } else {
      kept.push(`${key} (yours: ${JSON.stringify(current)}; init would write ${JSON.stringify(value)})`);
    }
  }
  const after = JSON.stringify(pkg, null, 2) + "\n";
  if (!existed || after !== before) writeAtomic(file, after);
  const action: FileAction = !existed ? "created" : after !== before ? "updated" : "unchanged";
  reports.push({ file: "package.json", action });
  if (kept.length > 0) reports.push({ file: "package.json", action: "skipped", reason: `kept your values of ${kept.join(", ")}` });
}

/** Runs a command, throwing a readable error when it fails. */
function run(command: string, args: string[], cwd: string, quiet: boolean): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", stdio: quiet ? "pipe" : ["ignore", "inherit", "inherit"], shell: process.platform === "win32" });
  if (result.error) throw new Error(`Could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(" ")}\` failed in ${cwd} (exit ${result.status}).${quiet ? "\n" + result.stdout + result.stderr : ""}`);
  return result.stdout ?? "";
}

/**
 * Packs the library this code runs from into a fresh temporary folder inside `folder`;
 * returns the tarball's path. From a checkout (tsconfig.json present) npm runs the
 * library's prepack (build, copy the datasets in); from an installed package it is
 * packed as it is.
 */
function packLibrary(folder: string): string {
  const lib = libraryDir();
  const tmp = mkdtempSync(path.join(folder, ".rnn-workbook-pack-"));
  const fromCheckout = existsSync(path.join(lib, "tsconfig.json"));
  const args = ["pack", lib, "--pack-destination", tmp, "--json", "--silent", ...(fromCheckout ? [] : ["--ignore-scripts"])];
  try {
    run("npm", args, folder, true);
    const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack ${lib} wrote no tarball.`);
    return path.join(tmp, tarball);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Registers the folder's kernel; the report line, plus the kernel's folder. */
export function registerKernel(options: KernelOptions, manifestKernelName = ""): { report: FileReport; kernelName: string; kernelDir: string } {
  const folder = courseFolder(options.folder);
  const scope = options.scope ?? "user";
  const recorded = manifestKernelName || readManifest(folder).kernelName;
  const kernelName = options.kernelName ?? (recorded || `tslab-${slug(path.basename(folder))}`);
  assertKernelName(kernelName);
  const kernelDir = path.join(kernelsDir(scope, options.prefix), kernelName);
  const file = path.join(kernelDir, "kernel.json");
  const text = JSON.stringify(kernelSpec(folder, kernelName), null, 2) + "\n";
  if (existsSync(file)) {
    const owner = kernelFolder(file);
    if (owner !== folder) {
      const whose = owner ? `the course folder ${owner}` : "another installation";
      return { kernelName, kernelDir, report: { file, action: "skipped", reason: `a kernel named ${kernelName} of ${whose} is registered there; pass --kernel-name <another name>` } };
    }
    if (readFileSync(file, "utf8") === text) return { kernelName, kernelDir, report: { file, action: "unchanged" } };
  }
  const existed = existsSync(file);
  try {
    writeAtomic(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") {
      throw new WorkbookInputError("--system", `Could not write ${file} (${code}). A system-wide kernel needs root: run the command with sudo, or register per user (the default) or under --prefix <folder>.`);
    }
    throw error;
  }
  return { kernelName, kernelDir, report: { file, action: existed ? "updated" : "created" } };
}

/** Creates or updates the course folder; see the module comment. */
export function initCourse(options: InitOptions): InitReport {
  const log = options.log ?? ((line: string) => console.log(line));
  const folder = courseFolder(options.folder);
  if (options.kernelName !== undefined) assertKernelName(options.kernelName);
  if (options.scope === "prefix") kernelsDir("prefix", options.prefix); // checks the prefix before any work
  mkdirSync(folder, { recursive: true });
  const manifest = readManifest(folder);
  const kernelName = options.kernelName ?? (manifest.kernelName || `tslab-${slug(path.basename(folder))}`);
  const reports: FileReport[] = [];

  log(`Packing the library from ${libraryDir()} ...`);
  const packed = packLibrary(folder);
  const tarball = path.basename(packed);
  try {
    reports.push(placeFile(folder, `vendor/${tarball}`, readFileSync(packed), manifest));
  } finally {
    rmSync(path.dirname(packed), { recursive: true, force: true });
  }
  placePackageJson(folder, tarball, manifest, reports);
  reports.push(placeFile(folder, ".gitignore", gitignoreFile(), manifest));
  reports.push(placeFile(folder, STARTER_NOTEBOOK, starterNotebook(kernelName, path.basename(folder)), manifest));
  reports.push(placeFile(folder, WORKFLOW_FILE, workflowFile(kernelName), manifest));

  if (options.install !== false) {
    log(`Installing in ${folder}: npm install (a few minutes the first time) ...`);
    run("npm", ["install", "--no-audit", "--no-fund"], folder, false);
  }
  const kernel = registerKernel({ ...options, folder, kernelName }, manifest.kernelName);
  reports.push(kernel.report);

  manifest.kernelName = kernel.kernelName;
  const manifestText = JSON.stringify({ writtenBy: "rnn-workbook init", kernelName: manifest.kernelName, files: manifest.files, packageJson: manifest.packageJson }, null, 2) + "\n";
  const manifestFile = path.join(folder, MANIFEST_FILE);
  if (!existsSync(manifestFile) || readFileSync(manifestFile, "utf8") !== manifestText) writeAtomic(manifestFile, manifestText);
  return { folder, kernelName: kernel.kernelName, kernelDir: kernel.kernelDir, files: reports };
}

/** init's report as text lines: one per file, then what to do next. */
export function formatReport(report: InitReport, scope: KernelScope = "user", prefix?: string): string[] {
  const lines = report.files.map((f) => `  ${f.action.padEnd(9)} ${f.file}${f.reason ? ` — ${f.reason}` : ""}`);
  const skipped = report.files.filter((f) => f.action === "skipped").length;
  lines.push(skipped > 0 ? `Skipped ${skipped} file(s) you changed (see above); nothing of yours was overwritten.` : "Nothing was skipped.");
  const tslab = path.join(report.folder, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslab)) lines.push(`Note: ${tslab} does not exist yet; run npm install in ${report.folder}, or init without --no-install.`);
  lines.push(`Kernel "${report.kernelName}" registered in ${report.kernelDir}.`);
  if (scope === "prefix") lines.push(`Jupyter finds it with: export JUPYTER_PATH=${path.join(path.resolve(prefix ?? ""), "share", "jupyter")}`);
  lines.push(`Next: cd ${report.folder} && jupyter notebook   (or run headless: jupyter nbconvert --to notebook --execute --output-dir build/executed ${STARTER_NOTEBOOK})`);
  return lines;
}
