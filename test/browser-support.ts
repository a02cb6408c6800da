/**
 * What the browser tests (test/browser*.test.ts) need: Debian's chromium driven by
 * playwright-core; a test rig (a temporary folder under build/ with its own Jupyter
 * folders, the lib rebuilt when stale, everything stopped and removed afterwards, also on
 * Ctrl-C); Jupyter servers on loopback (classic Notebook, or JupyterLab built from npm),
 * always stopped with their kernels; browser contexts that may reach nothing but the
 * server; and checks that read the charts Plotly actually drew.
 */
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { jupyterEnv, REPO, run } from "../scripts/jupyter";

/** Whether this is a CI run (a missing tool then fails the browser tests instead of skipping them). */
export const IN_CI = Boolean(process.env.CI) && process.env.CI !== "false";

/** Where the browser tests put their screenshots. */
export const SCREENSHOTS = path.join(REPO, "build", "screenshots");

/** The `skip` option of a browser test suite: a reason outside CI when tools are missing, else false. */
export function skipUnlessTools(missing: string[]): string | false {
  return missing.length > 0 && !IN_CI ? `browser tests skipped: missing ${missing.join("; ")}` : false;
}

/** Debian's chromium (RNN_WORKBOOK_CHROMIUM overrides it). */
export const CHROMIUM = process.env.RNN_WORKBOOK_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a headless chromium that talks to nothing but the pages it is given. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-dev-shm-usage",
];

/** The tools the browser tests need that are missing here (empty when all are present). */
export function missingBrowserTools(): string[] {
  const missing: string[] = [];
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    missing.push(`chromium (${CHROMIUM}; apt-get install -y chromium)`);
  }
  for (const sub of ["notebook", "nbconvert"]) {
    const probe = spawnSync("jupyter", [sub, "--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) missing.push(`jupyter ${sub} (apt-get install -y jupyter-notebook jupyter-nbconvert python3-ipykernel)`);
  }
  return missing;
}

/**
 * Launches chromium. playwright-core gives it a fresh profile of its own (a
 * temporary --user-data-dir, removed when the browser closes).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** A port on loopback that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A running Jupyter server (classic Notebook or JupyterLab). */
export interface NotebookServer {
  url: string;
  token: string;
  child: ChildProcess;
  log: () => string;
}

/**
 * Starts a Jupyter server: `args(port, token)` gives its command line; resolves once
 * /api/status answers. It runs in a process group of its own, so that stopping it reaches
 * everything it started in that group.
 */
export async function startJupyterServer(what: string, command: string, args: (port: number, token: string) => string[], env: NodeJS.ProcessEnv): Promise<NotebookServer> {
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const child = spawn(command, args(port, token), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const server: NotebookServer = { url: `http://127.0.0.1:${port}`, token, child, log: () => log };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited early:\n${log}`);
    try {
      const response = await fetch(`${server.url}/api/status?token=${token}`);
      if (response.ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  killGroup(child, "SIGKILL");
  throw new Error(`${what} did not answer within 60 s:\n${log}`);
}

/** Starts `jupyter notebook` (classic) on 127.0.0.1 serving `dir`, with the given Jupyter environment. */
export function startNotebookServer(dir: string, env: NodeJS.ProcessEnv): Promise<NotebookServer> {
  return startJupyterServer("jupyter notebook", "jupyter", (port, token) => [
    "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0",
    `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ], env);
}

/** Shuts the server's kernels down, stops the server's process group, and kills what is left of it. */
export async function stopNotebookServer(server: NotebookServer | undefined, runtimeDir: string): Promise<void> {
  if (server) {
    try {
      const kernels = (await (await fetch(`${server.url}/api/kernels?token=${server.token}`)).json()) as Array<{ id: string }>;
      for (const kernel of kernels) await fetch(`${server.url}/api/kernels/${kernel.id}?token=${server.token}`, { method: "DELETE" });
    } catch {
      // the server may be gone already
    }
    killGroup(server.child, "SIGTERM");
    if (!(await exited(server.child, 10_000))) {
      killGroup(server.child, "SIGKILL");
      await exited(server.child, 5_000);
    }
  }
  killLeftovers(runtimeDir);
}

/** Sends a signal to a child's process group (it was spawned detached). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves true once the child has exited, false after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Kills, by process id, every process whose command line names `marker` (the
 * tests' own temporary Jupyter runtime folder, which each kernel's connection
 * file lives in): kernels run in sessions of their own and outlive a killed server.
 */
export function killLeftovers(marker: string): number[] {
  const killed: number[] = [];
  if (!existsSync("/proc")) return killed;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(marker)) {
        process.kill(Number(entry), "SIGKILL");
        killed.push(Number(entry));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return killed;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many chart outputs (the Plotly MIME type) an executed notebook holds. */
export function chartOutputs(notebookFile: string): number {
  const nb = JSON.parse(readFileSync(notebookFile, "utf8"));
  let count = 0;
  for (const cell of nb.cells) for (const output of cell.outputs ?? []) if (output.data?.["application/vnd.plotly.v1+json"]) count++;
  return count;
}

/** What the page shows for one chart of the workbook. */
export interface ChartState {
  id: string;
  /** Who drew it: "html" = the chart's own HTML and script; "mime" = a renderer of the Plotly MIME type (jupyterlab-plotly). */
  kind: "html" | "mime";
  /** Plotly drew it: a plot element with data traces and their SVG/WebGL layers. */
  drawn: boolean;
  traces: number;
  drawnTraces: number;
  title: string;
  height: number;
  text: string;
}

/** The elements of the workbook's charts: its HTML charts, and charts JupyterLab's Plotly MIME renderer drew. */
export const CHART_SELECTOR = ".rnn-workbook-chart, .jp-RenderedPlotly";

/** The state of every workbook chart on the page (a chart without an id gets one, for {@link hoverText}). */
export async function chartStates(page: Page): Promise<ChartState[]> {
  return page.evaluate((selector) =>
    Array.from(document.querySelectorAll<HTMLElement>(selector)).map((div, i) => {
      if (!div.id) div.id = `test-chart-${i}-${Math.random().toString(16).slice(2, 8)}`;
      const gd = div as HTMLElement & { data?: unknown[] };
      const traces = Array.isArray(gd.data) ? gd.data.length : 0;
      const drawnTraces = div.querySelectorAll(".scatterlayer .trace, .barlayer .trace").length;
      return {
        id: div.id,
        kind: div.classList.contains("rnn-workbook-chart") ? ("html" as const) : ("mime" as const),
        drawn: div.classList.contains("js-plotly-plot") && traces > 0 && drawnTraces >= traces && div.querySelector("svg.main-svg") !== null,
        traces,
        drawnTraces,
        title: div.querySelector(".gtitle")?.textContent ?? "",
        height: div.getBoundingClientRect().height,
        text: div.querySelector(".svg-container") ? "" : (div.textContent ?? "").trim().slice(0, 300),
      };
    }),
  CHART_SELECTOR);
}

/** Waits until `count` charts are drawn (or the timeout passes), then returns the charts' states. */
export async function waitForCharts(page: Page, count: number, timeoutMs = 30_000): Promise<ChartState[]> {
  const deadline = Date.now() + timeoutMs;
  let states = await chartStates(page);
  while (Date.now() < deadline && !(states.length >= count && states.every((s) => s.drawn))) {
    await sleep(250);
    states = await chartStates(page);
  }
  return states;
}

/**
 * Moves the mouse onto a data point of the first scatter trace of chart `id` and
 * returns the text of Plotly's hover label (empty when none appeared).
 */
export async function hoverText(page: Page, id: string): Promise<string> {
  // The whole chart in view (a chart only partly in view counts as visible to scrollIntoViewIfNeeded).
  // JupyterLab scrolls the notebook inside a panel of its own, so scroll the nearest scrolling
  // ancestor directly; scrollIntoView moved nothing there.
  await page.evaluate((chartId) => {
    const chart = document.getElementById(chartId)!;
    let scroller = chart.parentElement;
    // (an output area may scroll by a pixel: the notebook's scroller is the one smaller than the window)
    // (no named function in here: the test runner's compiler would wrap it in a helper the page lacks)
    while (scroller && !(scroller.scrollHeight > scroller.clientHeight + 1 && scroller.clientHeight < window.innerHeight && /(auto|scroll)/.test(getComputedStyle(scroller).overflowY))) {
      scroller = scroller.parentElement;
    }
    if (!scroller || scroller === document.body || scroller === document.documentElement) {
      chart.scrollIntoView({ block: "center" });
      return;
    }
    const r = chart.getBoundingClientRect();
    const box = scroller.getBoundingClientRect();
    scroller.scrollTop += r.top + r.height / 2 - (box.top + box.height / 2);
  }, id);
  // Still not in view (JupyterLab's windowed notebook ignores a scroll set from script): scroll
  // with the mouse wheel over the notebook, as a user would.
  for (let attempt = 0; attempt < 4; attempt++) {
    const offset = await page.evaluate((chartId) => {
      const area = document.getElementById(chartId)!.querySelector(".draglayer .nsewdrag")!.getBoundingClientRect();
      const hit = document.elementFromPoint(area.left + area.width / 2, area.top + area.height / 2);
      return document.getElementById(chartId)!.contains(hit) ? 0 : area.top + area.height / 2 - window.innerHeight / 2;
    }, id);
    if (offset === 0) break;
    const size = page.viewportSize() ?? { width: 1280, height: 900 };
    await page.mouse.move(size.width / 2, size.height / 2);
    await page.mouse.wheel(0, offset);
    await sleep(600);
  }
  // JupyterLab may scroll smoothly: wait until the chart stands still before aiming at it.
  let last = "";
  for (let i = 0, same = 0; i < 50 && same < 3; i++) {
    const where = await page.evaluate((chartId) => JSON.stringify(document.getElementById(chartId)!.getBoundingClientRect()), id);
    same = where === last ? same + 1 : 0;
    last = where;
    await sleep(100);
  }
  const point = await page.evaluate((chartId) => {
    type Axis = { _offset: number; c2p: (v: unknown) => number };
    const gd = document.getElementById(chartId) as unknown as {
      _fullLayout: { xaxis: Axis; yaxis: Axis };
      calcdata: Array<Array<{ x: unknown; y: unknown }>>;
      getBoundingClientRect(): DOMRect;
    };
    const trace = gd.calcdata[0];
    // The plot area (Plotly's drag layer), wherever the chart's element puts it (renderers add padding).
    const area = (gd as unknown as HTMLElement).querySelector(".draglayer .nsewdrag")!.getBoundingClientRect();
    const { xaxis, yaxis } = gd._fullLayout;
    // The point nearest the middle of the trace that the page shows (a chart may be partly out of view).
    const middle = Math.floor(trace.length / 2);
    const chosen = { x: area.left + xaxis.c2p(trace[middle].x), y: area.top + yaxis.c2p(trace[middle].y) };
    for (let d = 0; d < trace.length; d++) {
      for (const k of [middle - d, middle + d]) {
        if (k < 0 || k >= trace.length) continue;
        const p = { x: area.left + xaxis.c2p(trace[k].x), y: area.top + yaxis.c2p(trace[k].y) };
        if ((gd as unknown as HTMLElement).contains(document.elementFromPoint(p.x, p.y))) return p;
      }
    }
    return chosen;
  }, id);
  await page.mouse.move(point.x - 30, point.y - 30);
  await page.mouse.move(point.x, point.y, { steps: 5 });
  try {
    await page.waitForFunction((chartId) => document.querySelector(`#${chartId} .hoverlayer .hovertext`) !== null, id, { timeout: 5_000 });
  } catch {
    return "";
  }
  return page.evaluate((chartId) => document.querySelector(`#${chartId} .hoverlayer .hovertext`)?.textContent ?? "", id);
}

/**
 * Takes a screenshot of the whole document. Classic Notebook scrolls inside #site and
 * JupyterLab inside the notebook's panel, so the viewport grows to fit the notebook.
 */
export async function screenshotAll(page: Page, file: string): Promise<void> {
  const height = await page.evaluate(() => {
    const container = document.querySelector("#notebook-container") as HTMLElement | null;
    const header = document.querySelector("#header") as HTMLElement | null;
    if (container) return container.scrollHeight + (header?.offsetHeight ?? 0) + 80;
    const lab = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer") as HTMLElement | null;
    if (lab) return lab.scrollHeight + lab.getBoundingClientRect().top + 60;
    return document.documentElement.scrollHeight;
  });
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 16_000) });
  await sleep(500); // charts are responsive: let them lay out again
  await page.screenshot({ path: file, fullPage: true });
  await page.setViewportSize(viewport);
}

/**
 * A browser test's surroundings: a temporary folder under build/ with Jupyter folders of its
 * own (config, data, runtime), the environment that uses them with this checkout's kernel and
 * server configuration, and what must be stopped at the end.
 */
export interface BrowserRig {
  root: string;
  env: NodeJS.ProcessEnv;
  browser?: Browser;
  servers: NotebookServer[];
  /** URLs that pages of a {@link guardedContext} tried to reach outside their server (aborted). */
  external: string[];
  /** Stops everything and removes the folder (also run on exit and on SIGINT/SIGTERM). */
  tearDown(): Promise<void>;
}

/** Rebuilds the lib (lib/dist, which the notebooks import) when a source is newer than its build. */
export async function rebuildLibIfStale(): Promise<void> {
  const src = path.join(REPO, "lib", "src");
  const stale = readdirSync(src).some((f) => {
    const built = path.join(REPO, "lib", "dist", f.replace(/\.ts$/, ".js"));
    return f.endsWith(".ts") && (!existsSync(built) || statSync(built).mtimeMs < statSync(path.join(src, f)).mtimeMs);
  });
  if (!stale) return;
  const build = await run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(REPO, "lib", "tsconfig.json")], { cwd: REPO });
  assert.equal(build.code, 0, `building the lib failed:\n${build.stdout}${build.stderr}`);
}

/** Sets up a {@link BrowserRig} in build/<prefix>-XXXXXX; call its tearDown in `after`. */
export async function setUpRig(prefix: string): Promise<BrowserRig> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const root = mkdtempSync(path.join(REPO, "build", `${prefix}-`));
  const dirs = { config: path.join(root, "jupyter", "config"), data: path.join(root, "jupyter", "data"), runtime: path.join(root, "jupyter", "runtime") };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const env = jupyterEnv({ JUPYTER_CONFIG_DIR: dirs.config, JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime, RNN_WORKBOOK_USER_KERNEL: "0" });
  // Synchronous last resort if the process ends without `after` (e.g. killed by a timeout).
  const emergency = () => {
    for (const server of rig.servers) killGroup(server.child, "SIGKILL");
    killLeftovers(dirs.runtime);
    rmSync(root, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, a CI cancel): clean up, then end as the signal would have.
  const onSignal = (signal: NodeJS.Signals) => {
    emergency();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", emergency);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, onSignal);
  const rig: BrowserRig = {
    root,
    env,
    servers: [],
    external: [],
    async tearDown() {
      try {
        await rig.browser?.close();
      } catch {
        // closed already
      }
      for (const server of rig.servers) await stopNotebookServer(server, dirs.runtime);
      killLeftovers(dirs.runtime);
      rmSync(root, { recursive: true, force: true });
      process.removeListener("exit", emergency);
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeListener(signal, onSignal);
    },
  };
  await rebuildLibIfStale();
  return rig;
}

/** A browser context for `server`: every request not to the server is aborted and recorded in `rig.external`. */
export async function guardedContext(rig: BrowserRig, server: NotebookServer, options: { width?: number; height?: number } = {}): Promise<BrowserContext> {
  const context = await rig.browser!.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.url}/`) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    rig.external.push(url);
    return route.abort();
  });
  return context;
}

/** Script errors of a page, collected for the assertions. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
