/**
 * What the browser tests (test/browser.test.ts) need: Debian's chromium driven by
 * playwright-core, a classic Notebook server on loopback with its own temporary
 * Jupyter folders (always stopped, kernels included), and checks that read the
 * charts Plotly actually drew.
 */
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";

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

/** A running classic Notebook server. */
export interface NotebookServer {
  url: string;
  token: string;
  child: ChildProcess;
  log: () => string;
}

/** Starts `jupyter notebook` on 127.0.0.1 serving `dir`, with the given Jupyter environment. */
export async function startNotebookServer(dir: string, env: NodeJS.ProcessEnv): Promise<NotebookServer> {
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const args = [
    "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0",
    `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`,
  ];
  if (process.getuid?.() === 0) args.push("--allow-root");
  // Its own process group, so that stopping it reaches everything it started in that group.
  const child = spawn("jupyter", args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const server: NotebookServer = { url: `http://127.0.0.1:${port}`, token, child, log: () => log };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`jupyter notebook exited early:\n${log}`);
    try {
      const response = await fetch(`${server.url}/api/status?token=${token}`);
      if (response.ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`jupyter notebook did not answer within 60 s:\n${log}`);
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
  /** Plotly drew it: a plot element with data traces and their SVG/WebGL layers. */
  drawn: boolean;
  traces: number;
  drawnTraces: number;
  title: string;
  height: number;
  text: string;
}

/** The state of every workbook chart on the page. */
export async function chartStates(page: Page): Promise<ChartState[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>(".rnn-workbook-chart")).map((div) => {
      const gd = div as HTMLElement & { data?: unknown[] };
      const traces = Array.isArray(gd.data) ? gd.data.length : 0;
      const drawnTraces = div.querySelectorAll(".scatterlayer .trace, .barlayer .trace").length;
      return {
        id: div.id,
        drawn: div.classList.contains("js-plotly-plot") && traces > 0 && drawnTraces >= traces && div.querySelector("svg.main-svg") !== null,
        traces,
        drawnTraces,
        title: div.querySelector(".gtitle")?.textContent ?? "",
        height: div.getBoundingClientRect().height,
        text: div.querySelector(".svg-container") ? "" : (div.textContent ?? "").trim().slice(0, 300),
      };
    }),
  );
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
  await page.locator(`#${id}`).scrollIntoViewIfNeeded();
  const point = await page.evaluate((chartId) => {
    type Axis = { _offset: number; c2p: (v: unknown) => number };
    const gd = document.getElementById(chartId) as unknown as {
      _fullLayout: { xaxis: Axis; yaxis: Axis };
      calcdata: Array<Array<{ x: unknown; y: unknown }>>;
      getBoundingClientRect(): DOMRect;
    };
    const trace = gd.calcdata[0];
    const k = Math.floor(trace.length / 2);
    const rect = gd.getBoundingClientRect();
    const { xaxis, yaxis } = gd._fullLayout;
    return { x: rect.left + xaxis._offset + xaxis.c2p(trace[k].x), y: rect.top + yaxis._offset + yaxis.c2p(trace[k].y) };
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

/** Takes a screenshot of the whole document (classic Notebook scrolls inside #site, so the viewport grows to fit). */
export async function screenshotAll(page: Page, file: string): Promise<void> {
  const height = await page.evaluate(() => {
    const container = document.querySelector("#notebook-container") as HTMLElement | null;
    const header = document.querySelector("#header") as HTMLElement | null;
    if (container) return container.scrollHeight + (header?.offsetHeight ?? 0) + 80;
    return document.documentElement.scrollHeight;
  });
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 16_000) });
  await sleep(500); // charts are responsive: let them lay out again
  await page.screenshot({ path: file, fullPage: true });
  await page.setViewportSize(viewport);
}
