# The workbook's configuration for the classic Notebook (`npm start`; scripts/jupyter.ts puts this
# folder on JUPYTER_CONFIG_PATH): every saved notebook keeps exactly one copy of plotly.js.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rnn_workbook_save_hook import pre_save_hook  # noqa: E402

c = get_config()  # noqa: F821 (provided by Jupyter's config loader)
c.FileContentsManager.pre_save_hook = pre_save_hook
