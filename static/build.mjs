// Front-end build for Flytverk: bundles two entries with esbuild:
//   static/src/app.js     -> dist/app.js + dist/app.css (every page; light)
//   static/src/modeler.js -> dist/modeler.js + dist/modeler.css (editor
//                            pages only, loaded in addition to app.*)
//
//   node static/build.mjs          production build (minified)
//   node static/build.mjs --dev    unminified, with source maps
//   node static/build.mjs --watch  dev build, rebuild on change
//
// Works offline once `npm ci` has run; no other tooling is involved.
import * as esbuild from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const dev = watch || args.has('--dev');

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: join(here, '..'),
  entryPoints: {
    app: join(here, 'src', 'app.js'),
    modeler: join(here, 'src', 'modeler.js'),
  },
  outdir,
  bundle: true,
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  format: 'iife',
  platform: 'browser',
  // JS is lowered to ES2019; the browser list also drives CSS lowering.
  target: ['es2019', 'chrome87', 'edge88', 'firefox78', 'safari14.1'],
  // Fonts (bpmn-font) are emitted as files next to app.css; no data: URLs,
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
};

function report(result) {
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
    plugins: [{
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
