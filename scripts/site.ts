/**
 * The workbook site: build/workbook/site/index.html lists every notebook with
 * its status, seconds and key metrics, linking to each notebook's HTML page.
 * It works opened from disk, with no network.
 */
import { mkdirSync, renameSync, writeFileSync } from "fs";
import * as path from "path";
import type { WorkbookSummary } from "./workbook";

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Formats a metric value for the index page and the main job's table. */
export function formatMetric(value: number | string): string {
  if (typeof value === "string") return value;
  return Number.isInteger(value) ? String(value) : Number(value.toPrecision(5)).toString();
}

/** The index page's HTML. */
export function indexHtml(summary: WorkbookSummary): string {
  const rows = summary.notebooks
    .map((r) => {
      const title = r.status === "ok" ? `<a href="${encodeURIComponent(r.name)}.html">${escapeHtml(r.name)}</a>` : escapeHtml(r.name);
      const metrics = Object.entries(r.metrics).map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(formatMetric(v))}`).join("<br>");
      const error = r.error ? `<pre class="error">${escapeHtml(r.error)}</pre>` : "";
      return `<tr class="${r.status}"><td>${title}</td><td>${r.status}</td><td>${r.seconds.toFixed(1)}</td><td>${metrics}${error}</td></tr>`;
    })
    .join("\n");
  const ok = summary.notebooks.filter((r) => r.status === "ok").length;
  // The backend the notebooks report using (their "backend" metric); else what was requested.
  const used = [...new Set(summary.notebooks.map((r) => r.metrics.backend).filter((b): b is string => typeof b === "string"))];
  const backend = used.length > 0 ? used.join(", ") : `${summary.backend} (requested)`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>RNN workbook</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }
tr.failed td:nth-child(2) { color: #b00020; font-weight: bold; }
tr.ok td:nth-child(2) { color: #1b7f1b; }
pre.error { white-space: pre-wrap; font-size: .8rem; color: #b00020; }
</style>
</head>
<body>
<h1>RNN workbook</h1>
<p>${ok} of ${summary.notebooks.length} notebooks executed successfully on ${escapeHtml(summary.started.slice(0, 10))} (TensorFlow.js backend: ${escapeHtml(backend)}).</p>
<table id="notebooks">
<thead><tr><th>notebook</th><th>status</th><th>seconds</th><th>key metrics</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}

/** Writes the index page atomically. */
export function writeSite(out: string, summary: WorkbookSummary): string {
  mkdirSync(path.join(out, "site"), { recursive: true });
  const file = path.join(out, "site", "index.html");
  writeFileSync(`${file}.tmp`, indexHtml(summary));
  renameSync(`${file}.tmp`, file);
  return file;
}
