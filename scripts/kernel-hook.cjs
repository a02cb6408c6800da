// Loaded by this workbook's TypeScript kernel before tslab starts (`node --require`, see
// kernel.json written by register-kernel.mjs). It loads the library's display module, which
// makes tslab note the header of every execute request from the very first one — which
// front-end session (browser page) sent it, and from which cell — so the charts can send
// plotly.js again to a reloaded page or a second window (lib/src/charts.ts, PlotlyDelivery).
// Requests queued before the library is imported would otherwise stay unknown.
// A library not built yet is no reason to stop the kernel: charts then fall back to one
// copy of plotly.js per kernel session.
try {
  require("../lib/dist/display.js");
} catch {
  // not built yet (npm install builds it)
}
