// The workbook in JupyterLab, in a real browser (Debian's chromium driven by playwright-core).
// JupyterLab 4.5 is built from its npm packages (jupyterlab/, scripts/jupyterlab.ts; once per
// lockfile, cached under build/jupyterlab/) and served by Debian's jupyter_server and
// jupyterlab_server with the workbook's server configuration (the pre-save hook), in two
// configurations that students meet:
//  * "plotly": with the Plotly MIME renderer (jupyterlab-plotly), which draws every chart
//    from its application/vnd.plotly.v1+json part, trusted or not;
//  * "plain": without it, as a JupyterLab without that extension: charts draw from their
//    HTML part, which needs a trusted notebook (or outputs of the running session).
// In each, one notebook (a training notebook with the renderer, notebook 00 without it) opened
// and run with Run → Run All Cells:
// every chart drawn by the expected renderer, hover works, the live training chart updates
// in place (one chart in its cell at the end), no cell shows an error, no script error,
// nothing requested from outside the machine; the notebook saved (the server signs it and
// its hook keeps one copy of plotly.js and drops the renderer's PNG snapshots) and opened
// again in a new page, not run: every chart draws. Then the main job's executed, signed notebook 00 opened without running it: every
// chart draws; its unsigned copy draws only with the Plotly renderer (the control).
// One build, one browser, two servers. Screenshots: build/screenshots/browser-lab-*.png.
// Skipped, saying why, only when chromium, Jupyter or the JupyterLab server packages are
// missing outside CI; with CI set, a missing tool fails.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { REPO, run } from "../scripts/jupyter";
import { ensureJupyterLab, LabBuild, labServerCommand, missingLabServer } from "../scripts/jupyterlab";
import { budgetBytes, plotlyCopies } from "../scripts/budget";
import {
  BrowserRig, ChartState, chartOutputs, CHART_SELECTOR, chartStates, guardedContext, hoverText, launchChromium, missingBrowserTools,
  NotebookServer, screenshotAll, SCREENSHOTS, setUpRig, skipUnlessTools, sleep, startJupyterServer, waitForCharts, watchErrors,
} from "./browser-support";

const missing = [...missingBrowserTools(), ...missingLabServer()];
const skip = skipUnlessTools(missing);

/** The notebook opened signed, without running it, in both configurations. */
const SIGNED = "00-getting-started";
/**
 * The two configurations; `kind` is who must draw the charts; `run`: the notebook run there with
 * Run All — a training notebook with the Plotly renderer (six trainings and their live charts, every
 * chart through that renderer), notebook 00 without it (the HTML path, as in the classic Notebook).
 * One notebook per configuration keeps the test within its share of CI's time; each is run in one.
 */
const CONFIGS = [
  { name: "plotly", plotly: true, kind: "mime", run: "04-multi-output" },
  { name: "plain", plotly: false, kind: "html", run: "00-getting-started" },
] as const;
type Config = (typeof CONFIGS)[number];

describe("the workbook in JupyterLab (built from npm), with and without the Plotly renderer", { skip, timeout: 30 * 60_000 }, () => {
  let rig: BrowserRig;
  let out = "";
  let build: LabBuild;
  const servers = new Map<string, NotebookServer>();
  const started = Date.now();
  const timings: string[] = [];
  const lap = (label: string, since: number) => timings.push(`${label} ${((Date.now() - since) / 1000).toFixed(1)} s`);
  let workspace = 0;

  before(async () => {
    if (missing.length > 0) throw new Error(`CI is set, and the JupyterLab browser tests need: ${missing.join("; ")}. .ci/run must install them.`);
    rig = await setUpRig("browser-lab");
    // The build (cached per lockfile) and the main job for the signed notebook, side by side:
    // npm ci waits mostly for the network, the main job mostly for the CPU.
    let t = Date.now();
    out = path.join(rig.root, "workbook");
    const [lab, job] = await Promise.all([
      ensureJupyterLab((line) => console.log(line)).then((b) => (lap(b.cached ? "JupyterLab build (cached)" : "JupyterLab install + build", t), b)),
      run(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "workbook.ts"), SIGNED, "--out", out], { cwd: REPO, env: rig.env, timeoutSeconds: 600 }).then(
        (r) => (lap("main job (notebook 00)", t), r),
      ),
    ]);
    build = lab;
    assert.equal(job.code, 0, `the main job failed:\n${job.stdout}\n${job.stderr}`);
    const seconds = (s?: { wall: number; cpu: number }) => (s ? `${s.wall.toFixed(1)} s wall / ${s.cpu.toFixed(1)} s CPU` : "cached");
    timings.push(`npm ci ${seconds(build.install)}, webpack ${seconds(build.build)}`);

    t = Date.now();
    rig.browser = await launchChromium();
    for (const config of CONFIGS) {
      mkdirSync(path.join(rig.root, config.name), { recursive: true });
      copyFileSync(path.join(REPO, "notebooks", `${config.run}.ipynb`), path.join(rig.root, config.name, `${config.run}.ipynb`));
      const { command, args, env } = labServerCommand(build.dir, { plotly: config.plotly, stateDir: path.join(rig.root, `lab-state-${config.name}`) });
      const server = await startJupyterServer(`JupyterLab (${config.name})`, command, (port, token) => [
        ...args, "--ServerApp.ip=127.0.0.1", `--ServerApp.port=${port}`, "--ServerApp.port_retries=0", `--ServerApp.token=${token}`,
        "--ServerApp.open_browser=False", `--ServerApp.root_dir=${rig.root}`,
      ], { ...rig.env, ...env });
      rig.servers.push(server);
      servers.set(config.name, server);
    }
    lap("chromium + 2 JupyterLab servers start", t);
  }, { timeout: 20 * 60_000 });

  after(async () => {
    await rig?.tearDown();
    console.log(`JupyterLab browser tests: ${timings.join(", ")}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /**
   * Opens `relative` (from the servers' root) in JupyterLab in a new page of `context`, in a fresh
   * workspace (nothing else restored); waits until the notebook is loaded and, with `kernel`, its kernel idle.
   */
  async function openInLab(context: BrowserContext, server: NotebookServer, relative: string, kernel = true): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const tree = relative.split(path.sep).map(encodeURIComponent).join("/");
    await page.goto(`${server.url}/lab/workspaces/test-${++workspace}/tree/${tree}?token=${server.token}`);
    await page.waitForFunction(
      ([file, needKernel]) => {
        const app = (window as any).jupyterapp;
        const widget = app?.shell?.currentWidget;
        const k = widget?.sessionContext?.session?.kernel;
        const loaded = document.body.dataset.rnnWorkbookLab === "restored" && widget?.context?.path === file && widget.context.isReady;
        return loaded && (!needKernel || (k?.connectionStatus === "connected" && k.status === "idle"));
      },
      [relative.split(path.sep).join("/"), kernel] as const,
      { timeout: 120_000, polling: 250 },
    );
    return { page, errors };
  }

  /** Waits until no cell is queued or running and the kernel is idle, twice 1.5 s apart. */
  async function settled(page: Page): Promise<void> {
    const once = () =>
      page.waitForFunction(
        () => {
          const widget = (window as any).jupyterapp.shell.currentWidget;
          const prompts = Array.from(widget.node.querySelectorAll(".jp-CodeCell .jp-InputPrompt")).map((p: any) => p.textContent ?? "");
          return widget.sessionContext.session?.kernel?.status === "idle" && prompts.some((p) => /\[\d+\]/.test(p)) && !prompts.some((p) => p.includes("*"));
        },
        null,
        { timeout: 8 * 60_000, polling: 250 },
      );
    await once();
    await sleep(1500);
    await once();
  }

  /** Problems the notebook shows: error and stderr outputs; code cells without an execution count (when `ran`). */
  async function cellProblems(page: Page, ran: boolean): Promise<string[]> {
    return page.evaluate((mustHaveRun) => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      const problems: string[] = [];
      widget.node.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach((e: Element) => problems.push(`error output: ${(e.textContent ?? "").trim().slice(0, 500)}`));
      if (mustHaveRun) {
        widget.content.widgets.forEach((cell: any, i: number) => {
          if (cell.model.type === "code" && !(cell.model.executionCount > 0)) problems.push(`code cell ${i} did not run (execution count ${cell.model.executionCount})`);
        });
      }
      return problems;
    }, ran);
  }

  /** How many outputs of the open notebook's model are charts (carry the Plotly MIME type). */
  function modelCharts(page: Page): Promise<number> {
    return page.evaluate(() => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      let count = 0;
      for (const cell of widget.content.widgets) {
        const outputs = cell.model.outputs;
        if (!outputs) continue;
        for (let i = 0; i < outputs.length; i++) if (outputs.get(i).data["application/vnd.plotly.v1+json"]) count++;
      }
      return count;
    });
  }

  /** Asserts that `count` charts are on the page, every one drawn by the configuration's renderer. */
  async function assertCharts(page: Page, config: Config, count: number, what: string): Promise<ChartState[]> {
    const charts = await waitForCharts(page, count, 60_000);
    assert.equal(charts.length, count, `${what}: ${count} charts on the page: ${JSON.stringify(charts)}`);
    for (const chart of charts) {
      assert.ok(chart.drawn, `${what}: chart drawn: ${JSON.stringify(chart)}`);
      assert.equal(chart.kind, config.kind, `${what}: drawn by the ${config.kind === "mime" ? "Plotly MIME renderer" : "chart's own HTML"}: ${JSON.stringify(chart)}`);
    }
    return charts;
  }

  /** Saves the open notebook (File → Save) and waits until the file is written. */
  async function save(page: Page, file: string): Promise<void> {
    const before = statSync(file).mtimeMs;
    await page.evaluate(() => (window as any).jupyterapp.commands.execute("docmanager:save"));
    await page.waitForFunction(() => !(window as any).jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 60_000 });
    assert.ok(statSync(file).mtimeMs > before, "the notebook file was written");
  }

  for (const config of CONFIGS) {
    {
      const name = config.run;
      it(`${config.name}: ${name}, Run All: every chart drawn (${config.kind}), hover works, the training chart updates in place; saved and reopened, it draws every chart`, { timeout: 12 * 60_000 }, async () => {
        const t = Date.now();
        const server = servers.get(config.name)!;
        const relative = path.join(config.name, `${name}.ipynb`);
        const context = await guardedContext(rig, server, { height: 1000 });
        try {
          const { page, errors } = await openInLab(context, server, relative);
          // Record every chart title drawn while the cells run, to see the training chart move.
          await page.evaluate((selector) => {
            const seen: string[] = [];
            (window as any).seenTitles = seen;
            new MutationObserver(() => {
              document.querySelectorAll(`:is(${selector}) .gtitle`).forEach((title) => {
                const text = title.textContent ?? "";
                if (!seen.includes(text)) seen.push(text);
              });
            }).observe(document.body, { childList: true, subtree: true, characterData: true });
          }, CHART_SELECTOR);
          // Run → Run All Cells, through the menus.
          await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
          await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
          await sleep(1000);
          await settled(page);
          lap(`${config.name} ${name} Run All`, t);

          assert.deepEqual(await cellProblems(page, true), [], "every cell ran, none shows an error");
          const expected = await modelCharts(page);
          assert.ok(expected >= 2, `${name} shows at least a data chart and a training chart (found ${expected})`);
          const charts = await assertCharts(page, config, expected, `${config.name} ${name} live`);
          // Hover: on the first chart (of up to four, charts in view first) that shows Plotly's label. In the
          // windowed notebook a chart at the notebook's end may sit partly under the status bar, where no label shows.
          const inView = await page.evaluate((ids) => ids.filter((chartId) => {
            const chart = document.getElementById(chartId);
            const area = chart?.querySelector(".draglayer .nsewdrag")?.getBoundingClientRect();
            return Boolean(chart && area && chart.contains(document.elementFromPoint(area.left + area.width / 2, area.top + area.height / 2)));
          }), charts.map((c) => c.id));
          const order = [...charts.filter((c) => inView.includes(c.id)), ...charts.filter((c) => !inView.includes(c.id))].slice(0, 4);
          const tried: string[] = [];
          let hovered = "";
          for (const chart of order) {
            hovered = await hoverText(page, chart.id);
            if (hovered !== "") break;
            tried.push(chart.title);
          }
          assert.notEqual(hovered, "", `hovering over a point shows Plotly's label (no label on: ${JSON.stringify(tried)})`);

          // The training chart was drawn during training and replaced in place, not appended.
          const seen = (await page.evaluate(() => (window as any).seenTitles)) as string[];
          const progress = seen.map((s) => /epoch (\d+)\/(\d+)/.exec(s)).filter((m): m is RegExpExecArray => m !== null);
          assert.ok(progress.some((m) => Number(m[1]) < Number(m[2])), `an intermediate epoch was shown while training: ${JSON.stringify(seen)}`);
          assert.ok(progress.some((m) => m[1] === m[2]), `the final epoch was shown: ${JSON.stringify(seen)}`);
          const trainingCells = await page.evaluate((selector) => {
            const widget = (window as any).jupyterapp.shell.currentWidget;
            return widget.content.widgets
              .filter((cell: any) => Array.from(cell.node.querySelectorAll(`:is(${selector}) .gtitle`)).some((t: any) => /epoch \d+\/\d+/.test(t.textContent ?? "")))
              .map((cell: any) => cell.node.querySelectorAll(selector).length);
          }, CHART_SELECTOR);
          assert.ok(trainingCells.length >= 1 && trainingCells.every((n: number) => n === 1), `each training cell holds one chart at the end: ${JSON.stringify(trainingCells)}`);
          assert.deepEqual(errors, [], "no script errors on the page");
          await screenshotAll(page, path.join(SCREENSHOTS, `browser-lab-${config.name}-live-${name}.png`));

          // Save (the server's hook keeps one copy of plotly.js and drops the PNG snapshots jupyterlab-plotly writes into
          // each chart it draws, which it would show reopened instead of the chart; the server signs the file), then reopen.
          const file = path.join(rig.root, relative);
          await save(page, file);
          await page.close();
          const text = readFileSync(file, "utf8");
          assert.equal(plotlyCopies(text), 1, "the saved notebook holds plotly.js exactly once");
          const snapshots = (JSON.parse(text).cells as Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }>)
            .flatMap((cell) => cell.outputs ?? [])
            .filter((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined && o.data?.["image/png"] !== undefined).length;
          assert.equal(snapshots, 0, "the saved notebook's charts hold no PNG snapshot (the renderer would show it instead of the chart)");
          assert.ok(statSync(file).size <= budgetBytes("notebook"), `saved: ${statSync(file).size} ≤ ${budgetBytes("notebook")} bytes`);
          const reopened = await openInLab(context, server, relative, false);
          assert.equal(await modelCharts(reopened.page), expected, "the saved notebook holds every chart");
          // Scroll through the notebook with the mouse wheel, as a reader does: the windowed notebook may
          // lay out (and so draw) an output far below the first screen only when it comes near the view.
          const size = reopened.page.viewportSize() ?? { width: 1280, height: 1000 };
          await reopened.page.mouse.move(size.width / 2, size.height / 2);
          for (let i = 0; i < 80; i++) {
            await reopened.page.mouse.wheel(0, 700);
            await sleep(120);
          }
          await assertCharts(reopened.page, config, expected, `${config.name} ${name} reopened`);
          assert.deepEqual(await cellProblems(reopened.page, false), []);
          assert.deepEqual(reopened.errors, [], "no script errors when reopened");
          await screenshotAll(reopened.page, path.join(SCREENSHOTS, `browser-lab-${config.name}-reopened-${name}.png`));
          await reopened.page.close();
          assert.deepEqual(rig.external, [], "nothing requested from outside the machine");
        } finally {
          await context.close();
          await shutDownKernels(server);
          lap(`${config.name} ${name}`, t);
        }
      });
    }

    it(`${config.name}: the main job's executed, signed notebook opened without running it draws every chart; its unsigned copy ${config.plotly ? "too (the renderer needs no trust)" : "does not"}`, { timeout: 5 * 60_000 }, async () => {
      const t = Date.now();
      const server = servers.get(config.name)!;
      const executed = path.join(out, "executed", `${SIGNED}.ipynb`);
      const expected = chartOutputs(executed);
      const unsigned = JSON.parse(readFileSync(executed, "utf8"));
      unsigned.metadata.rnn_workbook_unsigned_copy = true; // the signature no longer matches
      writeFileSync(path.join(out, "executed", `unsigned-${config.name}.ipynb`), JSON.stringify(unsigned, null, 1));
      const context = await guardedContext(rig, server, { height: 1000 });
      try {
        const { page, errors } = await openInLab(context, server, path.join("workbook", "executed", `${SIGNED}.ipynb`), false);
        assert.equal(await page.evaluate(() => {
          const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
          for (let i = 0; i < cells.length; i++) if (cells.get(i).type === "code") return cells.get(i).trusted;
          return null;
        }), true, "the main job signed the notebook");
        await assertCharts(page, config, expected, `${config.name} signed`);
        assert.deepEqual(await cellProblems(page, false), []);
        assert.deepEqual(errors, []);
        await screenshotAll(page, path.join(SCREENSHOTS, `browser-lab-${config.name}-signed-${SIGNED}.png`));
        await page.close();

        const control = await openInLab(context, server, path.join("workbook", "executed", `unsigned-${config.name}.ipynb`), false);
        await sleep(3000);
        const states = await chartStates(control.page);
        if (config.plotly) {
          await assertCharts(control.page, config, expected, `${config.name} unsigned copy`);
        } else {
          assert.ok(states.every((c) => !c.drawn), `an unsigned notebook's chart scripts do not run: ${JSON.stringify(states)}`);
          const notes = await control.page.$$eval(".rnn-workbook-chart-note", (ps) => ps.map((p) => p.textContent ?? ""));
          assert.equal(notes.length, expected, "…and each chart says how to see it");
        }
        assert.deepEqual(rig.external, [], "nothing requested from outside the machine");
      } finally {
        await context.close();
        await shutDownKernels(server);
        lap(`${config.name} signed`, t);
      }
    });
  }
});

/** Shuts down every kernel of a server (each opened notebook starts one; they outlive their pages). */
async function shutDownKernels(server: NotebookServer): Promise<void> {
  try {
    const kernels = (await (await fetch(`${server.url}/api/kernels?token=${server.token}`)).json()) as Array<{ id: string }>;
    for (const kernel of kernels) await fetch(`${server.url}/api/kernels/${kernel.id}?token=${server.token}`, { method: "DELETE" });
  } catch {
    // the server may be gone
  }
}
