// Charts, seen in a real browser (Debian's chromium driven by playwright-core):
//  1. live: a classic Notebook server on loopback; notebook 00 opened, Cell → Run All through
//     the UI; every chart drawn (hover works), the training chart updated in place, no errors;
//  2. site: the main job's index.html and notebook pages opened from disk with the network
//     off; every chart drawn, nothing requested from anywhere but the disk;
//  3. signed: an executed-and-signed notebook opened in the server without running it shows
//     its charts (and an unsigned copy does not, proving the check can fail).
// The main job runs first, for notebook 00 and a small notebook of this test's own, into a
// temporary folder inside build/ (tslab resolves "rnn-workbook" from the repository).
// Screenshots: build/screenshots/browser-*.png. Everything started here is stopped and every
// temporary folder removed, also when a test fails. Skipped, saying why, only when chromium
// or Jupyter is missing outside CI; with CI set, a missing tool fails.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { REPO, run } from "../scripts/jupyter";
import { budgetBytes, plotlyCopies } from "../scripts/budget";
import { chartBundle, lineChart, plotlyLibraryHtml } from "../lib/src/charts";
import {
  BrowserRig, chartOutputs, chartStates, guardedContext, hoverText, launchChromium, missingBrowserTools,
  NotebookServer, screenshotAll, SCREENSHOTS, setUpRig, skipUnlessTools, sleep, startNotebookServer, waitForCharts, watchErrors,
} from "./browser-support";

const missing = missingBrowserTools();
const skip = skipUnlessTools(missing);
const LIVE = "00-getting-started";
const CHECK = "99-browser-check";

/** A small notebook of this test's own: a bar chart, a line chart and a short live training chart. */
function checkNotebook(): unknown {
  const code = (id: string, source: string) => ({ id, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: [
      { id: "title", cell_type: "markdown", metadata: {}, source: "# 99 · Browser check\n\nCharts for test/browser.test.ts." },
      code("setup", 'import { ready, lineChart, barChart, showChart, buildRecurrentModel, fit, reportMetrics } from "rnn-workbook";\nawait ready();'),
      code("bars", 'showChart(barChart(["one", "two", "three"], { first: [1, 2, 3], second: [3, 1, 2] }, { title: "Bars" }));'),
      code("line", 'showChart(lineChart([{ name: "squares", y: [0, 1, 4, 9, 16, 25], mode: "lines+markers" }], { title: "Squares", xTitle: "n" }));'),
      code(
        "train",
        [
          "const x = [[[0.1], [0.2], [0.3]], [[0.2], [0.3], [0.4]], [[0.3], [0.4], [0.5]], [[0.4], [0.5], [0.6]], [[0.5], [0.6], [0.7]]]; // [5, 3, 1]",
          "const y = x.map((s) => [s[0][0] + s[1][0] + s[2][0]]); // [5, 1]",
          'const model = buildRecurrentModel({ cell: "simpleRNN", units: 4, lookBack: 3, numFeatures: 1, learningRate: 0.05, seed: 1 });',
          'const history = await fit(model, x, y, { epochs: 60, batchSize: 2, seed: 1, validationSplit: 0.2, title: "Check training" });',
        ].join("\n"),
      ),
      code("metrics", 'reportMetrics({ charts: 3, "final loss": Number(history.loss[history.loss.length - 1].toPrecision(3)) });'),
    ],
  };
}

describe("charts in a real browser", { skip, timeout: 15 * 60_000 }, () => {
  let rig: BrowserRig;
  let server: NotebookServer;
  let out = "";
  const started = Date.now();
  const timings: string[] = [];
  const lap = (label: string, since: number) => timings.push(`${label} ${((Date.now() - since) / 1000).toFixed(1)} s`);

  before(async () => {
    if (missing.length > 0) throw new Error(`CI is set, and the browser tests need: ${missing.join("; ")}. .ci/run must install them.`);
    // One Jupyter data folder for signing (the main job's `jupyter trust`) and for the server.
    rig = await setUpRig("browser-test");
    const root = rig.root;

    // The main job, for notebook 00 and the check notebook, into a folder of this test.
    const notebooks = path.join(root, "notebooks");
    mkdirSync(notebooks);
    writeFileSync(path.join(notebooks, `${CHECK}.ipynb`), JSON.stringify(checkNotebook(), null, 1));
    out = path.join(root, "workbook");
    let t = Date.now();
    const job = await run(
      process.execPath,
      ["--import", "tsx", path.join(REPO, "scripts", "workbook.ts"), "00", path.join(notebooks, `${CHECK}.ipynb`), "--out", out, "--jobs", "2"],
      { cwd: REPO, env: rig.env, timeoutSeconds: 600 },
    );
    lap("main job (2 notebooks)", t);
    assert.equal(job.code, 0, `the main job failed:\n${job.stdout}\n${job.stderr}`);

    // A fresh, unexecuted copy of notebook 00 for the live session.
    copyFileSync(path.join(REPO, "notebooks", `${LIVE}.ipynb`), path.join(notebooks, `${LIVE}.ipynb`));
    t = Date.now();
    rig.browser = await launchChromium();
    server = await startNotebookServer(root, rig.env);
    rig.servers.push(server);
    lap("chromium + notebook server start", t);
  }, { timeout: 12 * 60_000 });

  after(async () => {
    await rig?.tearDown();
    console.log(`browser tests: ${timings.join(", ")}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /** A browser context for the notebook server (requests elsewhere are aborted and recorded in rig.external). */
  async function serverContext() {
    return { context: await guardedContext(rig, server), external: rig.external };
  }

  /** Opens a notebook in the classic Notebook UI and waits until it is loaded and its kernel connected. */
  async function openNotebook(page: Page, relative: string): Promise<void> {
    await page.goto(`${server.url}/notebooks/${relative.split(path.sep).map(encodeURIComponent).join("/")}?token=${server.token}`);
    await page.waitForFunction(
      () => {
        const jupyter = (window as unknown as { Jupyter?: { notebook?: { _fully_loaded?: boolean; kernel?: { is_connected?: () => boolean } } } }).Jupyter;
        return Boolean(jupyter?.notebook?._fully_loaded && jupyter.notebook.kernel?.is_connected?.());
      },
      null,
      { timeout: 60_000 },
    );
  }

  /** Problems shown by classic Notebook's cells: error and stderr outputs, cells not run (when `ran`). */
  async function cellProblems(page: Page, ran: boolean): Promise<string[]> {
    return page.evaluate((mustHaveRun) => {
      const problems: string[] = [];
      document.querySelectorAll(".output_error, .output_stderr").forEach((e) => problems.push(`error output: ${(e.textContent ?? "").trim().slice(0, 500)}`));
      document.querySelectorAll(".code_cell").forEach((cell, i) => {
        const prompt = (cell.querySelector(".input_prompt")?.textContent ?? "").replace(/\s+/g, "");
        if (mustHaveRun && !/^In\[\d+\]:$/.test(prompt)) problems.push(`code cell ${i} did not run (prompt ${prompt})`);
      });
      return problems;
    }, ran);
  }

  it("live session: Run All in classic Notebook draws every chart, hover works, the training chart updates in place", { timeout: 5 * 60_000 }, async () => {
    const t = Date.now();
    const expected = chartOutputs(path.join(out, "executed", `${LIVE}.ipynb`));
    assert.ok(expected >= 2, `notebook ${LIVE} shows at least a data chart and a training chart (found ${expected})`);
    const { context, external } = await serverContext();
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await openNotebook(page, path.join("notebooks", `${LIVE}.ipynb`));
      // classic Notebook runs require.js: plotly.js must still reach window.Plotly under it.
      assert.equal(await page.evaluate(() => typeof (window as unknown as { define?: { amd?: unknown } }).define?.amd), "object", "require.js is on the page");
      // Record every chart title drawn while the cells run, to see the training chart move.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seenTitles: string[] }).seenTitles = seen;
        new MutationObserver(() => {
          document.querySelectorAll(".rnn-workbook-chart .gtitle").forEach((title) => {
            const text = title.textContent ?? "";
            if (!seen.includes(text)) seen.push(text);
          });
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      await page.click("#celllink");
      await page.click("#run_all_cells > a");
      // Done: some cell has run, none is queued or running, the kernel is idle — and it stays so.
      const done = () =>
        page.waitForFunction(
          () => {
            const prompts = Array.from(document.querySelectorAll(".code_cell .input_prompt")).map((p) => p.textContent ?? "");
            const idle = document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
            return idle && prompts.some((p) => /\[\d+\]/.test(p)) && !prompts.some((p) => p.includes("*"));
          },
          null,
          { timeout: 4 * 60_000, polling: 200 },
        );
      await done();
      await sleep(1500);
      await done();

      assert.deepEqual(await cellProblems(page, true), [], "every cell ran, none shows an error");
      const charts = await waitForCharts(page, expected);
      assert.equal(charts.length, expected, `the live session shows as many charts as the executed notebook: ${JSON.stringify(charts)}`);
      for (const chart of charts) assert.ok(chart.drawn, `chart drawn with its traces: ${JSON.stringify(chart)}`);
      const hover = await hoverText(page, charts[0].id);
      assert.notEqual(hover, "", "hovering over a point shows Plotly's label");

      // The training chart was drawn during training and replaced in place, not appended.
      const seen = (await page.evaluate(() => (window as unknown as { seenTitles: string[] }).seenTitles)) as string[];
      const progress = seen.map((s) => /epoch (\d+)\/(\d+)/.exec(s)).filter((m): m is RegExpExecArray => m !== null);
      assert.ok(progress.some((m) => Number(m[1]) < Number(m[2])), `an intermediate epoch was shown while training: ${JSON.stringify(seen)}`);
      assert.ok(progress.some((m) => m[1] === m[2]), `the final epoch was shown: ${JSON.stringify(seen)}`);
      const trainingCells = await page.evaluate(() =>
        Array.from(document.querySelectorAll(".code_cell"))
          .filter((cell) => /epoch \d+\/\d+/.test(cell.querySelector(".gtitle")?.textContent ?? ""))
          .map((cell) => cell.querySelectorAll(".rnn-workbook-chart").length),
      );
      assert.deepEqual(trainingCells, [1], "one training cell, holding one chart at the end");

      assert.deepEqual(errors, [], "no script errors on the page");
      assert.deepEqual(external, [], "nothing requested from outside the machine");
      await screenshotAll(page, path.join(SCREENSHOTS, `browser-live-${LIVE}.png`));
    } finally {
      await context.close();
      lap("live session", t);
    }
  });

  it("workbook site: index and notebook pages opened from disk, network off, draw every chart", { timeout: 3 * 60_000 }, async () => {
    const t = Date.now();
    const site = path.join(out, "site");
    const context = await rig.browser!.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    context.on("request", (request) => requests.push(request.url()));
    await context.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`file://${path.join(site, "index.html")}`);
      const rows = await page.$$eval("#notebooks tbody tr", (trs) =>
        trs.map((tr) => ({
          cells: Array.from(tr.querySelectorAll("td")).map((td) => (td.textContent ?? "").trim()),
          href: tr.querySelector("a")?.getAttribute("href") ?? "",
        })),
      );
      assert.deepEqual(rows.map((r) => r.cells[0]), [LIVE, CHECK], "the index lists every notebook of the run");
      for (const row of rows) {
        assert.equal(row.cells[1], "ok");
        assert.match(row.cells[2], /^\d+\.\d$/, "seconds");
        assert.ok(row.cells[3].length > 0, "key metrics");
        assert.equal(row.href, `${row.cells[0]}.html`);
      }
      assert.match(rows[0].cells[3], /sum of \[50, 51, 52\] = \d/);
      assert.match(rows[1].cells[3], /charts = 3/);
      await screenshotAll(page, path.join(SCREENSHOTS, "browser-site-index.png"));

      for (const row of rows) {
        const name = row.cells[0];
        const expected = chartOutputs(path.join(out, "executed", `${name}.ipynb`));
        await page.click(`a[href="${row.href}"]`);
        await page.waitForLoadState("load");
        assert.equal(page.url(), `file://${path.join(site, `${name}.html`)}`);
        const charts = await waitForCharts(page, expected);
        assert.equal(charts.length, expected, `${name}: as many charts as the executed notebook`);
        for (const chart of charts) assert.ok(chart.drawn, `${name}: chart drawn: ${JSON.stringify(chart)}`);
        const scatter = await page.evaluate(() =>
          Array.from(document.querySelectorAll(".rnn-workbook-chart")).find((d) => d.querySelector(".scatterlayer .trace"))?.id ?? "",
        );
        assert.notEqual(await hoverText(page, scatter), "", `${name}: hover works`);
        const problems = await page.evaluate(() =>
          Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error')).map((e) => (e.textContent ?? "").slice(0, 300)),
        );
        assert.deepEqual(problems, [], `${name}: no cell shows an error`);
        const remoteScripts = await page.$$eval("script[src]", (scripts) => scripts.map((s) => s.getAttribute("src") ?? "").filter((src) => !src.startsWith("file:")));
        assert.deepEqual(remoteScripts, [], `${name}: no script from a CDN`);
        await screenshotAll(page, path.join(SCREENSHOTS, `browser-site-${name}.png`));
        await page.goBack();
      }
      assert.deepEqual(errors, [], "no script errors");
      assert.deepEqual(requests.filter((url) => !url.startsWith("file:")), [], "nothing but files from disk was requested");
    } finally {
      await context.close();
      lap("site", t);
    }
  });

  it("executed notebook and HTML page hold plotly.js once, within the size budget", () => {
    for (const name of [LIVE, CHECK]) {
      const notebook = path.join(out, "executed", `${name}.ipynb`);
      const page = path.join(out, "site", `${name}.html`);
      assert.equal(plotlyCopies(readFileSync(notebook, "utf8")), 1, `${name}.ipynb holds plotly.js once`);
      assert.equal(plotlyCopies(readFileSync(page, "utf8")), 1, `${name}.html holds plotly.js once`);
      assert.ok(statSync(notebook).size <= budgetBytes("notebook"), `${name}.ipynb: ${statSync(notebook).size} ≤ ${budgetBytes("notebook")} bytes`);
      assert.ok(statSync(page).size <= budgetBytes("page"), `${name}.html: ${statSync(page).size} ≤ ${budgetBytes("page")} bytes`);
      const nb = JSON.parse(readFileSync(notebook, "utf8"));
      for (const cell of nb.cells) {
        for (const output of cell.outputs ?? []) {
          if (!output.data?.["application/vnd.plotly.v1+json"]) continue;
          assert.ok(output.data["text/html"], "each chart output carries HTML as well as the Plotly MIME type");
          assert.ok(output.data["application/vnd.plotly.v1+json"].data.length > 0);
        }
      }
    }
  });

  it("signed: an executed notebook opened in the server, not re-run, shows its charts (an unsigned copy does not)", { timeout: 3 * 60_000 }, async () => {
    const t = Date.now();
    const executed = path.join(out, "executed", `${LIVE}.ipynb`);
    const expected = chartOutputs(executed);
    // The control: the same notebook, changed by one metadata field, so its signature no longer matches.
    const unsigned = JSON.parse(readFileSync(executed, "utf8"));
    unsigned.metadata.rnn_workbook_unsigned_copy = true;
    writeFileSync(path.join(out, "executed", "unsigned-copy.ipynb"), JSON.stringify(unsigned, null, 1));
    const { context, external } = await serverContext();
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await openNotebook(page, path.join("workbook", "executed", `${LIVE}.ipynb`));
      assert.equal((await page.textContent("#notification_trusted"))?.trim(), "Trusted", "the main job signed the notebook");
      const charts = await waitForCharts(page, expected);
      assert.equal(charts.length, expected);
      for (const chart of charts) assert.ok(chart.drawn, `chart drawn without running the notebook: ${JSON.stringify(chart)}`);
      assert.deepEqual(await cellProblems(page, false), []);
      const prompts = await page.$$eval(".code_cell .input_prompt", (ps) => ps.map((p) => (p.textContent ?? "").replace(/\s+/g, "")));
      assert.ok(prompts.every((p) => !p.includes("*")), "no cell was run");
      assert.deepEqual(errors, []);
      await screenshotAll(page, path.join(SCREENSHOTS, `browser-signed-${LIVE}.png`));

      const control = await context.newPage();
      await openNotebook(control, path.join("workbook", "executed", "unsigned-copy.ipynb"));
      assert.equal((await control.textContent("#notification_trusted"))?.trim(), "Not Trusted");
      await sleep(2000);
      const untrusted = await chartStates(control);
      assert.ok(untrusted.every((c) => !c.drawn), "an unsigned notebook's chart scripts do not run");
      const notes = await control.$$eval(".rnn-workbook-chart-note", (ps) => ps.map((p) => p.textContent ?? ""));
      assert.equal(notes.length, expected, "…and each chart says how to see it");
      assert.match(notes[0], /trust it \(File → Trust Notebook\)/);
      assert.deepEqual(external, [], "nothing requested from outside the machine");
    } finally {
      await context.close();
      lap("signed notebook", t);
    }
  });

  it("plotly.js draws under an AMD loader and a CommonJS-looking page (define, module, exports present)", { timeout: 60_000 }, async () => {
    const context = await rig.browser!.newContext({ offline: true });
    try {
      const page = await context.newPage();
      const figure = lineChart([{ name: "a", y: [1, 3, 2] }], { title: "AMD" });
      const html =
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" +
        "<script>window.defined = 0; window.define = function () { window.defined++; }; window.define.amd = {};" +
        " window.module = { exports: {} }; window.exports = window.module.exports;</script>" +
        plotlyLibraryHtml() + (chartBundle(figure)["text/html"] as string) + "</body></html>";
      await page.setContent(html, { waitUntil: "load" });
      const charts = await waitForCharts(page, 1);
      assert.ok(charts[0]?.drawn, JSON.stringify(charts));
      assert.deepEqual(
        await page.evaluate(() => ({ defined: (window as unknown as { defined: number }).defined, exports: Object.keys((window as unknown as { module: { exports: object } }).module.exports) })),
        { defined: 0, exports: [] },
        "plotly.js registered no module",
      );
    } finally {
      await context.close();
    }
  });
});
