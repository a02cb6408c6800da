# Configuration for `jupyter nbconvert --execute`, loaded by the main job (scripts/workbook.ts).
#
# tslab reports a failing cell with an empty error name and no traceback; the error text
# is only in the cell's stderr output. Print that text when a cell fails, so the main
# job's report says why (e.g. "Check failed: ...") and not just which cell.
import sys


def print_failing_cell_stderr(cell, cell_index, execute_reply):
    text = "".join(
        "".join(output.get("text", ""))
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )
    if text.strip():
        print(f"[workbook] cell {cell_index + 1} failed; its error output:\n{text.rstrip()}\n[workbook] end of error output", file=sys.stderr)


c = get_config()  # noqa: F821 (provided by Jupyter's config loader)
c.ExecutePreprocessor.on_cell_error = print_failing_cell_stderr
