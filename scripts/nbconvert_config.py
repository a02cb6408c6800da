# Configuration for `jupyter nbconvert --execute`, loaded by the main job (scripts/workbook.ts).
#
# When a cell fails, print the error the kernel reported (its name, message and traceback,
# from the execute_reply: see lib/src/kernel.ts) between markers the main job reads, so
# its report says why (e.g. "CheckFailedError: Check failed: ...") and not just which cell.
# A kernel that reports no error name (plain tslab) leaves the text in the cell's stderr
# output; that is printed instead.
import sys


def print_failing_cell_error(cell, cell_index, execute_reply):
    content = execute_reply.get("content", {})
    if content.get("ename"):
        lines = [f"[workbook] error: {content['ename']}: {content.get('evalue', '')}"]
        lines += [line for line in content.get("traceback", [])]
        text = "\n".join(lines)
    else:
        text = "".join(
            "".join(output.get("text", ""))
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream" and output.get("name") == "stderr"
        )
    if text.strip():
        print(f"[workbook] cell {cell_index + 1} failed; its error output:\n{text.rstrip()}\n[workbook] end of error output", file=sys.stderr)


c = get_config()  # noqa: F821 (provided by Jupyter's config loader)
c.ExecutePreprocessor.on_cell_error = print_failing_cell_error
