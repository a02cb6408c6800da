"""Keeps exactly one copy of plotly.js in every notebook the Jupyter server saves, and no
static PNG snapshot of a workbook chart.

The workbook's charts (lib/src/charts.ts) draw with plotly.js, which the kernel sends in an
output of its own (the "carrier") before the first chart of each browser page. The kernel
cannot see what happens to that output afterwards: a cleared or deleted carrier cell, or
one page's copy next to another's, would leave a saved notebook with no copy (its charts
then do not draw when it is reopened or exported to HTML) or with two (twice the size).
This pre-save hook fixes the file as it is saved: a notebook that shows workbook charts
keeps its first carrier and loses any other; one with none gets one, built from the same
plotly.js-dist-min file the library sends, just before its first chart. Notebooks without
workbook charts are left alone. The server signs the notebook after this hook runs, so a
trusted notebook stays trusted.

JupyterLab's Plotly renderer (jupyterlab-plotly) writes a PNG snapshot of every chart it draws
into that chart's output (`image/png`, beside the Plotly MIME type). When a notebook holding such
a snapshot is opened, the renderer shows the snapshot instead of the chart (no hover, no zoom,
not resized with the page) until the mouse pointer enters it; only then does it draw the chart
from its data. The workbook's charts do not need the snapshot: their HTML part already draws them
in the classic Notebook and in the HTML export (nbconvert prefers HTML to PNG), and each
snapshot adds tens of kilobytes to the file. So the hook drops `image/png` from workbook charts,
and a saved notebook reopened in JupyterLab draws every chart at once.

Loaded by jupyter_notebook_config.py / jupyter_server_config.py beside it, which the
workbook's `npm start` and tests put on JUPYTER_CONFIG_PATH (scripts/jupyter.ts).
"""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOTLY_FILE = os.path.join(REPO, "node_modules", "plotly.js-dist-min", "plotly.min.js")

# What lib/src/charts.ts writes: plotlyLibraryHtml() and the carrier's text/plain.
CARRIER_TEXT = "(plotly.js loaded for the charts of this notebook)"
CARRIER_HTML_START = "<script type=\"text/javascript\">/* plotly.js from the plotly.js-dist-min package, for the workbook's charts */\n"
CHART_CLASS = 'class="rnn-workbook-chart"'
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _text(value):
    """A MIME bundle entry as one string (nbformat may split it into lines)."""
    return "".join(value) if isinstance(value, list) else (value if isinstance(value, str) else "")


def is_carrier(output):
    """Whether an output is the workbook's copy of plotly.js."""
    data = output.get("data") or {}
    return _text(data.get("text/plain")) == CARRIER_TEXT or _text(data.get("text/html")).startswith(CARRIER_HTML_START)


def is_chart(output):
    """Whether an output is one of the workbook's charts."""
    data = output.get("data") or {}
    return PLOTLY_MIME in data and CHART_CLASS in _text(data.get("text/html"))


def carrier_html(source):
    """The carrier's HTML, exactly as plotlyLibraryHtml() in lib/src/charts.ts builds it."""
    import re

    escaped = re.sub(r"</script", lambda m: "<\\/script", source, flags=re.IGNORECASE)
    return CARRIER_HTML_START + "(function (define, module, exports) {\n" + escaped + "\n}).call(window);\n</script>"


def carrier_output(plotly_file=PLOTLY_FILE):
    """A display_data output carrying plotly.js."""
    with open(plotly_file, encoding="utf-8") as f:
        source = f.read()
    return {"output_type": "display_data", "data": {"text/html": carrier_html(source), "text/plain": CARRIER_TEXT}, "metadata": {}}


def one_plotly_copy(nb, plotly_file=PLOTLY_FILE):
    """Leaves exactly one carrier in a notebook (a dict) that shows workbook charts; returns what it did."""
    cells = nb.get("cells") or []
    carriers = [(c, o) for c, cell in enumerate(cells) for o, out in enumerate(cell.get("outputs") or []) if is_carrier(out)]
    charts = [(c, o) for c, cell in enumerate(cells) for o, out in enumerate(cell.get("outputs") or []) if is_chart(out)]
    if not charts or len(carriers) == 1:
        return "unchanged"
    if carriers:
        for c, o in reversed(carriers[1:]):
            del cells[c]["outputs"][o]
        return f"removed {len(carriers) - 1} extra copies of plotly.js"
    if not os.path.exists(plotly_file):
        return f"no copy of plotly.js, and {plotly_file} is missing"
    c, o = charts[0]
    cells[c]["outputs"].insert(o, carrier_output(plotly_file))
    return "added the copy of plotly.js its charts need"


def drop_png_snapshots(nb):
    """Removes the renderer's PNG snapshot (`image/png`) from every workbook chart of a notebook (a dict); returns what it did."""
    dropped = 0
    for cell in nb.get("cells") or []:
        for out in cell.get("outputs") or []:
            if is_chart(out) and "image/png" in out["data"]:
                del out["data"]["image/png"]
                dropped += 1
    return f"removed the PNG snapshots of {dropped} charts" if dropped else "unchanged"


def pre_save_hook(model, path, contents_manager=None, **kwargs):
    """Jupyter's FileContentsManager.pre_save_hook: one copy of plotly.js and no chart snapshots per saved notebook."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    done = []
    for step in (one_plotly_copy, drop_png_snapshots):
        try:
            done.append(step(model["content"]))
        except Exception as error:  # a hook that fails must not stop the save
            done.append(f"left as it is ({error})")
    done = [d for d in done if d != "unchanged"]
    if done and contents_manager is not None:
        contents_manager.log.info("rnn-workbook: %s: %s", path, "; ".join(done))
