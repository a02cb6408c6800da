"""JupyterLab 4.5, built from its npm packages (this folder), served by Debian's jupyter_server 1.x.

Run by scripts/jupyterlab.ts (`npm start` where no JupyterLab is installed, and the browser
tests) with /usr/bin/python3, after the front end was built into a cache folder:

    RNN_WORKBOOK_LAB_BUILD=<cache>/build /usr/bin/python3 jupyterlab/serve.py \
        --ServerApp.root_dir=<notebooks> [--RnnWorkbookLab.plotly=False] [jupyter_server options]

The same as JupyterLab's own examples/app/main.py, plus what jupyter_server 1.x lacks and
JupyterLab 4.5's front end asks for: `/api/me` (who the user is; JupyterLab shows their
initials) and `/api/events/subscribe` (a websocket of server events; this server has none, so
it stays silent). Without them the page logs 404 errors on every load.

Unlike examples/app, the Jupyter configuration system stays on: the workbook's server
configuration (scripts/jupyter-config, the pre-save hook) applies here as in the classic
Notebook.

`--RnnWorkbookLab.plotly=False` disables the Plotly MIME renderer (jupyterlab-plotly) as
`jupyter labextension disable jupyterlab-plotly` does in a JupyterLab of pip's: the page then
draws charts from their HTML, as a JupyterLab without that extension does.
"""
import getpass
import json
import os

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket
from traitlets import Bool

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("RNN_WORKBOOK_LAB_BUILD", os.path.join(HERE, "build"))
STATE = os.environ.get("RNN_WORKBOOK_LAB_STATE", os.path.join(BUILD, "state"))

with open(os.path.join(HERE, "package.json"), encoding="utf-8") as fid:
    VERSION = json.load(fid)["version"]


class MeHandler(APIHandler):
    """GET /api/me: the user's identity, as jupyter_server 2 answers it."""

    @web.authenticated
    def get(self):
        name = getpass.getuser()
        self.finish(json.dumps({
            "identity": {"username": name, "name": name, "display_name": name, "initials": name[:1].upper(), "avatar_url": None, "color": None},
            "permissions": {},
        }))


class EventsHandler(JupyterHandler, websocket.WebSocketHandler):
    """GET /api/events/subscribe: a websocket that accepts the front end and sends nothing."""

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return await super().get(*args, **kwargs)

    def on_message(self, message):
        pass


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": RnnWorkbookLab}]


class RnnWorkbookLab(LabServerApp):
    """JupyterLab's front end from the build folder, with the workbook's kernel and configuration."""

    extension_url = "/lab"
    default_url = "/lab"
    name = __name__
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = VERSION
    static_dir = BUILD
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    templates_dir = os.path.join(HERE, "templates")
    app_settings_dir = os.path.join(STATE, "application_settings")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    plotly = Bool(True, help="Load the Plotly MIME renderer (jupyterlab-plotly); False disables it.").tag(config=True)

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))

    def initialize_settings(self):
        super().initialize_settings()
        settings = self.serverapp.web_app.settings
        settings["terminals_available"] = False
        plotly = self.plotly
        previous = settings.get("page_config_hook")

        def page_config_hook(handler, page_config):
            if previous:
                page_config = previous(handler, page_config)
            # get_page_config reads disabledExtensions as {name: true}; the front end wants a list.
            disabled = page_config.get("disabledExtensions") or []
            if isinstance(disabled, dict):
                disabled = [name for name, off in disabled.items() if off]
            disabled = [name for name in disabled if name != "jupyterlab-plotly"]
            if not plotly:
                disabled.append("jupyterlab-plotly")
            page_config["disabledExtensions"] = disabled
            return page_config

        settings["page_config_hook"] = page_config_hook


if __name__ == "__main__":
    RnnWorkbookLab.launch_instance()
