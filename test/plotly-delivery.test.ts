// When plotly.js is sent again (issue 11): once per front-end session (a browser page: a
// reload, a reopened tab and a second window are new sessions), again when the cell that
// carried it runs again, never twice for one page otherwise. First the decision itself
// (PlotlyDelivery), then the whole path through tslab's own request handling: the library's
// wrappers around tslab's internal methods see each request's session and cell, and
// showChart sends plotly.js exactly where the decision says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lineChart, PlotlyDelivery, plotlyLibraryHtml, showChart } from "../lib/src/charts";
import { currentExecuteRequest, ExecuteRequest, executeRequestOf } from "../lib/src/display";
import { plotlyCopies } from "../scripts/budget";

const request = (session: string, code: string, cellId: string | null = null, deletedCells: string[] = []): ExecuteRequest => ({ session, code, cellId, deletedCells });

/** Runs cells (one request each) through `delivery`; returns the codes of the cells that got a copy. */
function copiesFor(delivery: PlotlyDelivery, requests: ExecuteRequest[]): string[] {
  const got: string[] = [];
  for (const r of requests) {
    for (let chart = 0; chart < 2; chart++) { // two charts per cell: at most one copy per cell
      if (delivery.needsCopy(r)) {
        delivery.sent(r);
        got.push(r.cellId ?? r.code);
      }
    }
  }
  return got;
}

test("executeRequestOf reads the session from the header and the cell from JupyterLab's metadata", () => {
  assert.deepEqual(
    executeRequestOf({ header: { session: "s1" }, metadata: { cellId: "c1", deletedCells: ["c0", 3] }, content: { code: "x" } }),
    { session: "s1", cellId: "c1", code: "x", deletedCells: ["c0"] },
  );
  assert.deepEqual(executeRequestOf({ header: { session: "s2" }, metadata: {}, content: { code: "y" } }), { session: "s2", cellId: null, code: "y", deletedCells: [] });
  assert.deepEqual(executeRequestOf({}), { session: "", cellId: null, code: "", deletedCells: [] });
});

test("one copy per page: Run All, Run All again, a reload and a second window", () => {
  const delivery = new PlotlyDelivery();
  const runAll = (session: string) => ["setup", "chart A", "chart B", "train"].map((code) => request(session, code));
  assert.deepEqual(copiesFor(delivery, runAll("page 1")), ["setup"], "the first cell that draws gets it");
  // Run All again on the same page: the carrier's outputs are replaced, so it gets it again.
  assert.deepEqual(copiesFor(delivery, runAll("page 1")), ["setup"]);
  // The page reloaded (a new front-end session) and Run All again: the new page needs its own copy.
  assert.deepEqual(copiesFor(delivery, runAll("page 2")), ["setup"]);
  // A second window on the same kernel, running one late chart cell only.
  assert.deepEqual(copiesFor(delivery, [request("window 3", "train")]), ["train"]);
  // Back in the reloaded page: a late chart cell re-run does not add a second copy.
  assert.deepEqual(copiesFor(delivery, [request("page 2", "chart B"), request("page 2", "train")]), []);
});

test("cells out of order: the copy follows the cell that carries it", () => {
  const delivery = new PlotlyDelivery();
  const r = (code: string) => request("page", code);
  assert.deepEqual(copiesFor(delivery, [r("chart B"), r("chart A"), r("chart B"), r("chart A")]), ["chart B", "chart B"]);
});

test("with JupyterLab's cell ids: same code in two cells is two cells; a deleted carrier is replaced", () => {
  const delivery = new PlotlyDelivery();
  assert.deepEqual(copiesFor(delivery, [request("lab", "show()", "c1"), request("lab", "show()", "c2")]), ["c1"]);
  assert.deepEqual(copiesFor(delivery, [request("lab", "show()", "c2", ["c1"])]), ["c2"], "c1 (the carrier) was deleted");
  assert.deepEqual(copiesFor(delivery, [request("lab", "show()", "c3", ["c1"])]), [], "c2 carries it now");
});

test("an unidentified request (no tracking) gets one copy per kernel session, as before", () => {
  const delivery = new PlotlyDelivery();
  assert.equal(delivery.needsCopy(null), true);
  delivery.sent(null);
  assert.equal(delivery.needsCopy(null), false);
  assert.equal(delivery.needsCopy(request("page", "x")), true, "an identified page still gets its own");
});

// --- Through tslab's own request handling -------------------------------------------------

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;
const jupyter = require("tslab/dist/jupyter") as {
  ZmqServer: { prototype: { handleExecute: Method } };
  JupyterHandlerImpl: { prototype: object };
  lastWriteDisplayData: unknown;
};

/** Sends one execute_request through tslab's ZmqServer.handleExecute and JupyterHandlerImpl; returns the display_data it published. */
async function execute(header: { session: string }, metadata: Record<string, unknown>, code: string, body: () => void): Promise<Array<Record<string, unknown>>> {
  const published: Array<Record<string, unknown>> = [];
  const handler = Object.assign(Object.create(jupyter.JupyterHandlerImpl.prototype), {
    execCount: 0,
    execQueue: { add: (task: () => Promise<unknown>) => task(), reset: () => undefined },
    executor: { execute: async () => { body(); return true; } },
  });
  const server = { handler, connInfo: { key: "" }, iopub: {} };
  const message = {
    header: { ...header, msg_type: "execute_request" },
    metadata,
    content: { code },
    createReply() {
      const reply = { header: {} as Record<string, unknown>, content: {} as Record<string, unknown>, signAndSend: () => {
        if (reply.header.msg_type === "display_data") published.push(reply.content.data as Record<string, unknown>);
      } };
      return reply;
    },
  };
  const { write: out } = process.stdout;
  const { write: err } = process.stderr;
  try {
    await jupyter.ZmqServer.prototype.handleExecute.call(server, {}, message);
  } finally {
    process.stdout.write = out; // tslab redirects them to the cell
    process.stderr.write = err;
    jupyter.lastWriteDisplayData = null;
  }
  return published;
}

const chart = () => showChart(lineChart([{ name: "a", y: [1, 2, 3] }]));
const copies = (outputs: Array<Record<string, unknown>>) => outputs.map((o) => plotlyCopies(String(o["text/html"] ?? "")));

test("tslab's request handling: the running cell's session and cell are known to the library", async () => {
  let seen: ExecuteRequest | null = null;
  await execute({ session: "tslab page" }, { cellId: "cell-7" }, "seen()", () => { seen = currentExecuteRequest(); });
  assert.deepEqual(seen, { session: "tslab page", cellId: "cell-7", code: "seen()", deletedCells: [] });
  let outside: ExecuteRequest | null = { session: "x", cellId: null, code: "", deletedCells: [] };
  outside = currentExecuteRequest();
  assert.equal(outside, null, "outside a cell: no request");
});

test("showChart through tslab: plotly.js before the first chart of each page, once per cell, again in a re-run carrier", async () => {
  const page1 = { session: "reload test page 1" };
  assert.deepEqual(copies(await execute(page1, {}, "chart(); chart();", () => { chart(); chart(); })), [1, 0, 0], "first chart cell: the copy, then two charts");
  assert.deepEqual(copies(await execute(page1, {}, "chart(); // later", chart)), [0], "a later cell reuses it");
  assert.deepEqual(copies(await execute(page1, {}, "chart(); chart();", () => { chart(); chart(); })), [1, 0, 0], "the carrier re-run (Run All again)");
  const page2 = { session: "reload test page 2" };
  assert.deepEqual(copies(await execute(page2, {}, "chart(); // later", chart)), [1, 0], "a reloaded page gets its own copy with its first chart");
  assert.deepEqual(copies(await execute(page2, {}, "chart(); chart();", () => { chart(); chart(); })), [0, 0], "…and only one");
  assert.equal(plotlyCopies(plotlyLibraryHtml()), 1);
});
