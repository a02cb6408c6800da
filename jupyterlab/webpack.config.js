// Builds JupyterLab's front end into ./build, as JupyterLab's examples/app/webpack.config.js
// does, with two changes measured to halve the build time: no source maps, and a
// development-mode bundle (no minification; the files are served from this machine).
// Build.ensureAssets copies each extension's settings schemas and themes into ./build
// and writes ./build/style.js, which imports their CSS.
const path = require('path');
const data = require('./package.json');
const webpack = require('webpack');
const Build = require('@jupyterlab/builder').Build;
const miniSVGDataURI = require('mini-svg-data-uri');

const extensionAssetConfig = Build.ensureAssets({
  packageNames: [...data.jupyterlab.extensions, ...data.jupyterlab.mimeExtensions],
  output: './build'
});

module.exports = [
  {
    entry: ['./index.js'],
    output: {
      path: path.join(__dirname, 'build'),
      filename: 'bundle.js'
    },
    bail: true,
    devtool: false,
    mode: 'development',
    resolve: {
      // jupyterlab-plotly imports plotly.js's prebuilt bundle; package.json's overrides
      // install plotly.js-dist-min (the same bundle, minified) in plotly.js's place.
      alias: { 'plotly.js/dist/plotly$': 'plotly.js/plotly.min.js' }
    },
    module: {
      // plotly.js-dist-min is one prebuilt file: nothing in it for webpack to resolve.
      noParse: /plotly\.min\.js$/,
      rules: [
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        // Fonts inline when small, images and other files as files of their own.
        { test: /\.(woff2?|ttf)(\?v=[\d.]+)?$/, type: 'asset' },
        { test: /\.(html|jpg|png|gif|eot|js\.map)(\?v=[\d.]+)?$/, type: 'asset/resource' },
        { test: /\.md$/, type: 'asset/source' },
        // SVG: a data URI inside CSS, the SVG text itself inside JavaScript (icons).
        {
          test: /\.svg(\?v=[\d.]+)?$/,
          oneOf: [
            { issuer: /\.css$/, type: 'asset/inline', generator: { dataUrl: content => miniSVGDataURI(content.toString()) } },
            { type: 'asset/source' }
          ]
        }
      ]
    },
    // Some packages call process.cwd() or read process.env, which a browser lacks.
    plugins: [new webpack.DefinePlugin({ process: { cwd: () => '/', env: {} } })]
  }
].concat(extensionAssetConfig);
