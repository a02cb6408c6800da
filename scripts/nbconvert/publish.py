"""Signs an executed notebook and writes its HTML page, in one Python process.

Used by the main job (scripts/workbook.ts) after `jupyter nbconvert --execute`. It does what
`jupyter trust NOTEBOOK` and `jupyter nbconvert --to html --template-file TEMPLATE NOTEBOOK`
do, with the same nbformat and nbconvert classes, but starts Python once instead of twice and
skips the nbconvert application's start-up (which imports every exporter it knows to list
them): about 1.5 s of CPU per notebook.

    python3 publish.py NOTEBOOK TEMPLATE HTML

Signs NOTEBOOK in the Jupyter data folder of the environment (as `jupyter trust` does), then
writes HTML atomically (a temporary file, then a rename). Prints "signed" or "not signed:
<reason>" on stdout; an export failure exits non-zero with Python's traceback on stderr.
"""
import os
import sys

import nbformat
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary


def main(notebook_path: str, template_file: str, html_path: str) -> None:
    try:
        notary = NotebookNotary()
        with open(notebook_path, encoding="utf-8") as f:
            notebook = nbformat.read(f, nbformat.NO_CONVERT)  # as `jupyter trust` reads it
        notary.sign(notebook)
        print("signed")
    except Exception as error:  # the page is still worth writing; the caller reports the signature
        print(f"not signed: {type(error).__name__}: {error}")
    exporter = HTMLExporter(template_file=template_file)
    body, _ = exporter.from_filename(notebook_path)
    partial = f"{html_path}.{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(partial, html_path)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: publish.py NOTEBOOK TEMPLATE HTML")
    main(*sys.argv[1:])
