// JupyterLab 4.5's front end, assembled from its npm packages as in JupyterLab's own
// examples/app/index.js, plus the Plotly MIME renderer (jupyterlab-plotly). An extension
// package named in the page config's `disabledExtensions` is not loaded (serve.py's
// `--RnnWorkbookLab.plotly=False` disables jupyterlab-plotly), nor a plugin named there.
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';

// The webpack public path needs to be set before loading the CSS assets.
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';

// The CSS of every extension below (written by Build.ensureAssets in webpack.config.js).
const styles = import('./build/style.js');

/** Loads an extension package unless page config disables it; drops its disabled plugins. */
function load(name, importer, keep = () => true) {
  if (PageConfig.Extension.isDisabled(name)) return null;
  return importer().then(module => {
    // As JupyterLab's registerPluginModule reads a module: its default export, or a CommonJS module itself.
    const data = Object.prototype.hasOwnProperty.call(module, '__esModule') ? module.default : module;
    const plugins = Array.isArray(data) ? data : [data];
    return { __esModule: true, default: plugins.filter(p => keep(p) && !PageConfig.Extension.isDisabled(p.id)) };
  });
}

// Without a language server on this server, the notebook's and editor's LSP plugins are left out.
const noLsp = ({ id }) => !id.includes(':language-server');

const extensions = [
  load('@jupyterlab/application-extension', () => import('@jupyterlab/application-extension')),
  load('@jupyterlab/apputils-extension', () => import('@jupyterlab/apputils-extension')),
  load('@jupyterlab/celltags-extension', () => import('@jupyterlab/celltags-extension')),
  load('@jupyterlab/codemirror-extension', () => import('@jupyterlab/codemirror-extension')),
  load('@jupyterlab/completer-extension', () => import('@jupyterlab/completer-extension')),
  load('@jupyterlab/console-extension', () => import('@jupyterlab/console-extension')),
  load('@jupyterlab/csvviewer-extension', () => import('@jupyterlab/csvviewer-extension')),
  load('@jupyterlab/docmanager-extension', () => import('@jupyterlab/docmanager-extension')),
  load('@jupyterlab/documentsearch-extension', () => import('@jupyterlab/documentsearch-extension')),
  load('@jupyterlab/filebrowser-extension', () => import('@jupyterlab/filebrowser-extension')),
  load('@jupyterlab/fileeditor-extension', () => import('@jupyterlab/fileeditor-extension'), noLsp),
  load('@jupyterlab/help-extension', () => import('@jupyterlab/help-extension')),
  load('@jupyterlab/imageviewer-extension', () => import('@jupyterlab/imageviewer-extension')),
  load('@jupyterlab/inspector-extension', () => import('@jupyterlab/inspector-extension')),
  load('@jupyterlab/launcher-extension', () => import('@jupyterlab/launcher-extension')),
  load('@jupyterlab/mainmenu-extension', () => import('@jupyterlab/mainmenu-extension')),
  load('@jupyterlab/markdownviewer-extension', () => import('@jupyterlab/markdownviewer-extension')),
  load('@jupyterlab/markedparser-extension', () => import('@jupyterlab/markedparser-extension')),
  load('@jupyterlab/mathjax-extension', () => import('@jupyterlab/mathjax-extension')),
  load('@jupyterlab/metadataform-extension', () => import('@jupyterlab/metadataform-extension')),
  load('@jupyterlab/notebook-extension', () => import('@jupyterlab/notebook-extension'), noLsp),
  load('@jupyterlab/rendermime-extension', () => import('@jupyterlab/rendermime-extension')),
  load('@jupyterlab/running-extension', () => import('@jupyterlab/running-extension')),
  load('@jupyterlab/settingeditor-extension', () => import('@jupyterlab/settingeditor-extension')),
  load('@jupyterlab/shortcuts-extension', () => import('@jupyterlab/shortcuts-extension')),
  load('@jupyterlab/statusbar-extension', () => import('@jupyterlab/statusbar-extension')),
  load('@jupyterlab/theme-dark-extension', () => import('@jupyterlab/theme-dark-extension')),
  load('@jupyterlab/theme-light-extension', () => import('@jupyterlab/theme-light-extension')),
  load('@jupyterlab/toc-extension', () => import('@jupyterlab/toc-extension')),
  load('@jupyterlab/tooltip-extension', () => import('@jupyterlab/tooltip-extension')),
  load('@jupyterlab/translation-extension', () => import('@jupyterlab/translation-extension')),
  load('@jupyterlab/ui-components-extension', () => import('@jupyterlab/ui-components-extension'))
].filter(Boolean);

const mimeExtensions = [
  load('@jupyterlab/json-extension', () => import('@jupyterlab/json-extension')),
  // The renderer alone (its mimeExtension entry), not its ipywidgets plugin: no widget manager here.
  load('jupyterlab-plotly', () => import('jupyterlab-plotly/lib/plotly-renderer'))
].filter(Boolean);

window.addEventListener('load', async function () {
  await styles;
  const lab = new JupyterLab({ mimeExtensions: await Promise.all(mimeExtensions) });
  lab.registerPlugins((await Promise.all(extensions)).flatMap(m => m.default));
  await lab.start();
  await lab.restored;
  // For the browser tests: the application, and which mime renderers were loaded.
  window.jupyterapp = lab;
  document.body.dataset.rnnWorkbookLab = 'restored';
});
