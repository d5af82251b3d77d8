// Front-end build for Flytverk: bundles four entries with esbuild:
//   static/src/app.js        -> dist/app.js + dist/app.css (every page; light)
//   static/src/modeler.js    -> dist/modeler.js + dist/modeler.css (process
//                               editor pages, loaded in addition to app.*)
//   static/src/formeditor.js -> dist/formeditor.js + dist/formeditor.css (form
//                               editor pages, loaded in addition to app.*)
//   static/src/dmneditor.js  -> dist/dmneditor.js + dist/dmneditor.css (decision
//                               table editor pages, loaded in addition to app.*)
//
//   node static/build.mjs          production build (minified)
//   node static/build.mjs --dev    unminified, with source maps
//   node static/build.mjs --watch  dev build, rebuild on change
//
// Works offline once `npm ci` has run; no other tooling is involved.
import * as esbuild from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const dev = watch || args.has('--dev');

// One Preact for the form editor. @bpmn-io/form-js-editor pins preact
// <=10.15.1 (npm nests that copy under the editor) while
// @bpmn-io/form-js-viewer and diagram-js use the hoisted, newer one. The
// editor renders viewer components and our properties-panel entries inside its
// own tree, and hooks only work when everything shares one Preact instance
// (form-js's own rollup build does the same aliasing). Only imports made from
// the form-js packages and from static/src/formeditor* are redirected; the
// process editor keeps its Preact versions.
const formJsPreact = {
  name: 'form-js-single-preact',
  setup(build) {
    const editorDir = join(here, '..', 'node_modules', '@bpmn-io', 'form-js-editor');
    const ours = [
      `${sep}@bpmn-io${sep}form-js-`,
      `${sep}static${sep}src${sep}formeditor`,
    ];
    build.onResolve({ filter: /^preact(\/.*)?$/ }, (args) => {
      if (args.pluginData === 'form-js-single-preact' || !ours.some((part) => args.importer.includes(part))) {
        return undefined;
      }
      return build.resolve(args.path, {
        kind: args.kind,
        resolveDir: editorDir,
        pluginData: 'form-js-single-preact',
      });
    });
  },
};

// CodeMirror 6 (the FEEL and template inputs of the form editor's properties
// panel) mounts its base styles with style-mod, which puts a <style> element
// into the document: blocked by `style-src 'self'`, and CodeMirror inputs
// render broken without those rules. style-mod already uses a constructable
// stylesheet (CSSOM, allowed by CSP) for shadow roots; this makes it do the
// same for documents (all our target browsers support
// document.adoptedStyleSheets). The build fails if style-mod changes shape.
const STYLE_MOD_NEEDLE = 'if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet)';
const styleModAdopted = {
  name: 'style-mod-adopted-sheets',
  setup(build) {
    build.onLoad({ filter: /[\\/]style-mod[\\/]src[\\/]style-mod\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(STYLE_MOD_NEEDLE)) {
        return { errors: [{ text: `style-mod changed: "${STYLE_MOD_NEEDLE}" not found; review the CSP workaround in static/build.mjs` }] };
      }
      return {
        contents: source.replace(STYLE_MOD_NEEDLE, 'if (root.adoptedStyleSheets && win.CSSStyleSheet)'),
        loader: 'js',
      };
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: join(here, '..'),
  entryPoints: {
    app: join(here, 'src', 'app.js'),
    modeler: join(here, 'src', 'modeler.js'),
    formeditor: join(here, 'src', 'formeditor.js'),
    dmneditor: join(here, 'src', 'dmneditor.js'),
  },
  outdir,
  bundle: true,
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  format: 'iife',
  platform: 'browser',
  // JS is lowered to ES2019; the browser list also drives CSS lowering.
  target: ['es2019', 'chrome87', 'edge88', 'firefox78', 'safari14.1'],
  // Fonts (bpmn-font, dmn-font) are emitted as files next to the CSS; no data: URLs,
  // so a strict CSP (font-src 'self') keeps working.
  loader: {
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
    '.svg': 'file',
  },
  assetNames: '[name]-[hash]',
  // Keep /*! ... */ licence comments at the end of the bundle.
  legalComments: 'eof',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
  logLevel: 'warning',
  metafile: true,
  plugins: [formJsPreact, styleModAdopted],
};

// Fail loudly if the form editor bundle ever contains two Preact copies.
function checkSinglePreact(result) {
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('formeditor.js')) {
      continue;
    }
    const roots = new Set(Object.keys(info.inputs)
      .map((input) => input.match(/^(.*node_modules\/preact)\//))
      .filter(Boolean)
      .map((match) => match[1]));
    if (roots.size > 1) {
      throw new Error(`formeditor.js bundles ${roots.size} copies of preact: ${[...roots].join(', ')}`);
    }
  }
}

function report(result) {
  checkSinglePreact(result);
  const outputs = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file, info]) => `  ${relative(process.cwd(), file).padEnd(40)} ${(info.bytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(`built ${dev ? '(dev)' : '(production)'}:\n${outputs.join('\n')}`);
}

// Start from an empty dist/ so stale hashed assets never linger.
await rm(outdir, { recursive: true, force: true });

if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [...options.plugins, {
      name: 'report',
      setup(build) {
        build.onEnd((result) => { if (result.metafile) report(result); });
      },
    }],
  });
  await ctx.watch();
  console.log('watching static/src for changes (Ctrl-C to stop)');
} else {
  const started = Date.now();
  const result = await esbuild.build(options);
  report(result);
  console.log(`done in ${Date.now() - started} ms`);
}
