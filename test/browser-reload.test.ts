// Charts on a kernel that outlives its browser page (issue 11), in a real browser (Debian's
// chromium driven by playwright-core) against a classic Notebook server on loopback:
//  * Run All, reload the page, Run All again on the same kernel → every chart draws;
//  * a second page on the same kernel, running a late chart cell, then Run All → its charts draw;
//  * save sequences in one kernel session — Run All twice; cells out of order; only a late
//    chart cell re-run; the cell carrying plotly.js cleared; that cell deleted; a reload after a
//    save, then a late chart cell run (two copies on the page) — each saved
//    notebook holds plotly.js exactly once (within the size budget); opened again without
//    running it (trusted: the server signs what it saves) it draws every chart, and so does
//    its HTML export (jupyter nbconvert --to html) opened from disk with the network off.
// The server runs with the workbook's configuration (scripts/jupyter-config, on
// JUPYTER_CONFIG_PATH through jupyterEnv), as `npm start` does: its pre-save hook.
// Each scenario has a notebook (and so a kernel) of its own. Autosave is switched off in
// every page, so a file holds only what a scenario saved. Everything started here is
// stopped and every temporary folder removed, also when a test fails. Skipped, saying why,
// only when chromium or Jupyter is missing outside CI; with CI set, a missing tool fails.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { run } from "../scripts/jupyter";
import { budgetBytes, plotlyCopies } from "../scripts/budget";
import {
  BrowserRig, guardedContext, launchChromium, missingBrowserTools, NotebookServer, screenshotAll, SCREENSHOTS,
  setUpRig, skipUnlessTools, sleep, startNotebookServer, waitForCharts, watchErrors,
} from "./browser-support";

const missing = missingBrowserTools();
const skip = skipUnlessTools(missing);

/** Cell indices of the test notebook. */
const CELL = { title: 0, setup: 1, bars: 2, line: 3, text: 4, train: 5 } as const;
/** Charts the notebook draws: bars, line, training. */
const CHARTS = 3;

/** A small notebook: two charts, a cell without one, and a short training with its live chart. */
function reloadNotebook(): unknown {
  const code = (id: string, source: string) => ({ id, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: [
      { id: "title", cell_type: "markdown", metadata: {}, source: "# 98 · Reload check\n\nCharts for test/browser-reload.test.ts." },
      code("setup", 'import { ready, lineChart, barChart, showChart, buildRecurrentModel, fit } from "rnn-workbook";\nawait ready();'),
      code("bars", 'showChart(barChart(["one", "two", "three"], { first: [1, 2, 3], second: [3, 1, 2] }, { title: "Bars" }));'),
      code("line", 'showChart(lineChart([{ name: "squares", y: [0, 1, 4, 9, 16, 25], mode: "lines+markers" }], { title: "Squares" }));'),
      code("text", 'console.log("no chart here");'),
      code(
        "train",
        [
          "const x = [[[0.1], [0.2], [0.3]], [[0.2], [0.3], [0.4]], [[0.3], [0.4], [0.5]], [[0.4], [0.5], [0.6]]]; // [4, 3, 1]",
          "const y = x.map((s) => [s[0][0] + s[1][0] + s[2][0]]); // [4, 1]",
          'const model = buildRecurrentModel({ cell: "simpleRNN", units: 4, lookBack: 3, numFeatures: 1, seed: 1 });',
          'const history = await fit(model, x, y, { epochs: 20, batchSize: 2, seed: 1, title: "Check training" });',
        ].join("\n"),
      ),
    ],
  };
}

describe("charts after a reload, in a second page, and in notebooks saved after any run order", { skip, timeout: 20 * 60_000 }, () => {
  let rig: BrowserRig;
  let root = "";
  let env: NodeJS.ProcessEnv;
  let server: NotebookServer;
  let context: BrowserContext | undefined;
  let external: string[] = [];
  const started = Date.now();

  before(async () => {
    if (missing.length > 0) throw new Error(`CI is set, and the browser tests need: ${missing.join("; ")}. .ci/run must install them.`);
    rig = await setUpRig("browser-reload");
    ({ root, env, external } = rig);
    mkdirSync(path.join(root, "notebooks"));
    rig.browser = await launchChromium();
    server = await startNotebookServer(root, env);
    rig.servers.push(server);
    context = await guardedContext(rig, server);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await rig?.tearDown();
    console.log(`browser reload tests: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /** A fresh copy of the test notebook, for one scenario; returns its path relative to the server's root. */
  function newNotebook(name: string): string {
    writeFileSync(path.join(root, "notebooks", `${name}.ipynb`), JSON.stringify(reloadNotebook(), null, 1));
    return `notebooks/${name}.ipynb`;
  }

  /** Opens a notebook in a new page and waits until it is loaded and its kernel connected; autosave off. */
  async function open(relative: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context!.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/notebooks/${relative}?token=${server.token}`); // classic Notebook's /notebooks/<path>
    await loaded(page);
    return { page, errors };
  }

  /** Waits until the classic Notebook page has loaded its notebook and connected to the kernel; switches autosave off. */
  async function loaded(page: Page): Promise<void> {
    await page.waitForFunction(
      () => {
        const jupyter = (window as unknown as { Jupyter?: { notebook?: { _fully_loaded?: boolean; kernel?: { is_connected?: () => boolean } } } }).Jupyter;
        return Boolean(jupyter?.notebook?._fully_loaded && jupyter.notebook.kernel?.is_connected?.());
      },
      null,
      { timeout: 90_000 },
    );
    await page.evaluate(() => (window as any).Jupyter.notebook.set_autosave_interval(0));
  }

  /** The page's kernel id and front-end session id. */
  function kernelOf(page: Page): Promise<{ kernel: string; session: string }> {
    return page.evaluate(() => ({ kernel: (window as any).Jupyter.notebook.kernel.id, session: (window as any).Jupyter.notebook.kernel.session_id }));
  }

  /** Waits until no cell is queued or running and the kernel is idle, twice 1.5 s apart. */
  async function settled(page: Page): Promise<void> {
    const once = () =>
      page.waitForFunction(
        () => {
          const prompts = Array.from(document.querySelectorAll(".code_cell .input_prompt")).map((p) => p.textContent ?? "");
          const idle = document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
          return idle && !prompts.some((p) => p.includes("*"));
        },
        null,
        { timeout: 4 * 60_000, polling: 200 },
      );
    await once();
    await sleep(1500);
    await once();
  }

  /** Cell → Run All, and wait for it. */
  async function runAll(page: Page): Promise<void> {
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    await sleep(500);
    await settled(page);
  }

  /** Runs the cells at `indices`, one after the other, and waits for them. */
  async function runCells(page: Page, indices: number[]): Promise<void> {
    for (const i of indices) {
      await page.evaluate((index) => (window as any).Jupyter.notebook.get_cell(index).execute(), i);
      await sleep(300);
      await settled(page);
    }
  }

  /** Saves the notebook from the page (the server signs it) and resolves when saved. */
  async function save(page: Page): Promise<void> {
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const notebook = (window as any).Jupyter.notebook;
          notebook.events.one("notebook_saved.Notebook", () => resolve());
          notebook.events.one("notebook_save_failed.Notebook", (_: unknown, error: unknown) => reject(new Error(String(error))));
          notebook.save_notebook();
        }),
    );
  }

  /** Error and stderr outputs shown by the page's cells. */
  function cellErrors(page: Page): Promise<string[]> {
    return page.$$eval(".output_error, .output_stderr", (es) => es.map((e) => (e.textContent ?? "").trim().slice(0, 500)));
  }

  /** Asserts that the page shows `count` charts, every one drawn by Plotly. */
  async function assertAllDrawn(page: Page, count: number, what: string): Promise<void> {
    const charts = await waitForCharts(page, count, 40_000);
    assert.equal(charts.length, count, `${what}: ${count} charts on the page: ${JSON.stringify(charts)}`);
    for (const chart of charts) assert.ok(chart.drawn, `${what}: chart drawn: ${JSON.stringify(chart)}`);
  }

  /** Asserts that a saved notebook holds plotly.js once, within the budget, and that opened again (not run) it draws every chart. */
  async function assertSavedShowsCharts(relative: string, count: number, what: string): Promise<void> {
    const file = path.join(root, relative);
    const text = readFileSync(file, "utf8");
    assert.equal(plotlyCopies(text), 1, `${what}: the saved notebook holds plotly.js exactly once`);
    assert.ok(statSync(file).size <= budgetBytes("notebook"), `${what}: ${statSync(file).size} ≤ ${budgetBytes("notebook")} bytes`);
    const { page, errors } = await open(relative);
    try {
      assert.equal((await page.textContent("#notification_trusted"))?.trim(), "Trusted", `${what}: the server signed what it saved`);
      await assertAllDrawn(page, count, `${what}, reopened`);
      const prompts = await page.$$eval(".code_cell .input_prompt", (ps) => ps.map((p) => (p.textContent ?? "").replace(/\s+/g, "")));
      assert.ok(prompts.every((p) => !p.includes("*")), `${what}: nothing ran when reopened`);
      assert.deepEqual(errors, [], `${what}: no script errors when reopened`);
      await screenshotAll(page, path.join(SCREENSHOTS, `browser-reload-${path.basename(relative, ".ipynb")}-reopened.png`));
    } finally {
      await page.close();
    }
    // The HTML export of the saved notebook, opened from disk with the network off.
    const htmlDir = path.join(root, "html");
    const name = path.basename(relative, ".ipynb");
    const exported = await run("jupyter", ["nbconvert", "--to", "html", "--output-dir", htmlDir, "--output", name, file], { env, timeoutSeconds: 300 });
    assert.equal(exported.code, 0, `${what}: nbconvert --to html failed:\n${exported.stderr}`);
    const html = path.join(htmlDir, `${name}.html`);
    assert.equal(plotlyCopies(readFileSync(html, "utf8")), 1, `${what}: the HTML export holds plotly.js exactly once`);
    const offline = await rig.browser!.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    offline.on("request", (request) => requests.push(request.url()));
    await offline.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    try {
      const exportPage = await offline.newPage();
      const exportErrors = watchErrors(exportPage);
      await exportPage.goto(`file://${html}`);
      await assertAllDrawn(exportPage, count, `${what}, HTML export`);
      assert.deepEqual(exportErrors, [], `${what}: no script errors in the HTML export`);
      assert.deepEqual(requests.filter((url) => !url.startsWith("file:")), [], `${what}: the HTML export requested nothing from the network`);
    } finally {
      await offline.close();
    }
  }

  it("Run All, reload the page, Run All again on the same kernel: every chart draws", { timeout: 8 * 60_000 }, async () => {
    const nb = newNotebook("reload");
    const { page, errors } = await open(nb);
    try {
      await runAll(page);
      await assertAllDrawn(page, CHARTS, "first Run All");
      const before = await kernelOf(page);
      await page.reload();
      await loaded(page);
      const after = await kernelOf(page);
      assert.equal(after.kernel, before.kernel, "the reloaded page is on the same, still running kernel");
      assert.notEqual(after.session, before.session, "…as a new front-end session");
      assert.equal(await page.evaluate(() => typeof (window as any).Plotly), "undefined", "the new page has no plotly.js yet");
      await runAll(page);
      assert.deepEqual(await cellErrors(page), []);
      await assertAllDrawn(page, CHARTS, "Run All after the reload");
      assert.deepEqual(errors, []);
      await screenshotAll(page, path.join(SCREENSHOTS, "browser-reload-after-reload.png"));
    } finally {
      await page.close();
    }
  });

  it("a second page on the same kernel: a late chart cell alone, then Run All, draws its charts", { timeout: 8 * 60_000 }, async () => {
    const nb = newNotebook("second-page");
    const first = await open(nb);
    const second = await open(nb);
    try {
      await runAll(first.page);
      await assertAllDrawn(first.page, CHARTS, "first page");
      assert.equal((await kernelOf(second.page)).kernel, (await kernelOf(first.page)).kernel, "both pages are on one kernel");
      await runCells(second.page, [CELL.line]);
      await assertAllDrawn(second.page, 1, "second page, one late chart cell run");
      await runAll(second.page);
      assert.deepEqual(await cellErrors(second.page), []);
      await assertAllDrawn(second.page, CHARTS, "second page, Run All");
      await assertAllDrawn(first.page, CHARTS, "first page, still");
      assert.deepEqual([...first.errors, ...second.errors], []);
    } finally {
      await first.page.close();
      await second.page.close();
    }
  });

  const sequences: Array<{ name: string; what: string; charts: number; steps: (page: Page) => Promise<void> }> = [
    { name: "run-all-twice", what: "Run All twice, then save", charts: CHARTS, steps: async (page) => { await runAll(page); await runAll(page); } },
    {
      name: "out-of-order", what: "cells run out of order, then save", charts: CHARTS,
      steps: async (page) => runCells(page, [CELL.setup, CELL.train, CELL.line, CELL.bars, CELL.train, CELL.text]),
    },
    { name: "late-cell", what: "Run All, then only a late chart cell re-run, then save", charts: CHARTS, steps: async (page) => { await runAll(page); await runCells(page, [CELL.line]); } },
    {
      name: "carrier-cleared", what: "Run All, the cell carrying plotly.js cleared, then save", charts: CHARTS - 1,
      steps: async (page) => {
        await runAll(page);
        await page.evaluate((i) => (window as any).Jupyter.notebook.get_cell(i).clear_output(), CELL.bars);
      },
    },
    {
      name: "carrier-deleted", what: "Run All, the cell carrying plotly.js deleted, then save", charts: CHARTS - 1,
      steps: async (page) => {
        await runAll(page);
        await page.evaluate((i) => (window as any).Jupyter.notebook.delete_cell(i), CELL.bars);
      },
    },
    {
      name: "reload-late-cell", what: "Run All, save, reload, then only a late chart cell run (a second copy on the page), then save", charts: CHARTS,
      steps: async (page) => {
        await runAll(page);
        await save(page);
        await page.reload();
        await loaded(page);
        await runCells(page, [CELL.line]);
        const carriers = await page.evaluate(() =>
          (window as any).Jupyter.notebook.get_cells()
            .flatMap((cell: any) => cell.output_area?.outputs ?? [])
            .filter((output: any) => output.data?.["text/plain"] === "(plotly.js loaded for the charts of this notebook)").length,
        );
        assert.equal(carriers, 2, "the saved copy and the reloaded page's own");
      },
    },
  ];
  for (const sequence of sequences) {
    it(`${sequence.what}: the saved notebook holds plotly.js once; reopened and exported to HTML, it draws every chart`, { timeout: 8 * 60_000 }, async () => {
      const nb = newNotebook(sequence.name);
      const { page, errors } = await open(nb);
      try {
        await sequence.steps(page);
        assert.deepEqual(await cellErrors(page), []);
        await assertAllDrawn(page, sequence.charts, `${sequence.what}, live`);
        await save(page);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
      await assertSavedShowsCharts(nb, sequence.charts, sequence.what);
    });
  }

  it("nothing was requested from outside the machine", () => {
    assert.deepEqual(external, []);
  });
});
