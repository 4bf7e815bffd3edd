// Bundles src/ into dist/index.html, dist/app.js and dist/app.css: minified, no
// source maps, nothing that changes from one build to the next (the server embeds
// these three files, so a rebuild of unchanged sources must be byte-identical).
//
//   node build.mjs        (npm run build)
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, 'dist');
const OUTPUTS = ['index.html', 'app.js', 'app.css'];

await mkdir(DIST, { recursive: true });
for (const name of await readdir(DIST)) {
  if (!OUTPUTS.includes(name)) await rm(path.join(DIST, name), { recursive: true, force: true });
}

const result = await esbuild.build({
  absWorkingDir: HERE,
  entryPoints: { app: 'src/main.jsx' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  sourcemap: false,
  legalComments: 'eof',
  charset: 'ascii',
  logLevel: 'warning',
  metafile: true,
});

const written = Object.keys(result.metafile.outputs)
  .map((p) => path.basename(p))
  .sort();
if (JSON.stringify(written) !== JSON.stringify(['app.css', 'app.js'])) {
  throw new Error(`esbuild wrote ${written.join(', ')}; expected app.js and app.css`);
}
await copyFile(path.join(HERE, 'src', 'index.html'), path.join(DIST, 'index.html'));

for (const name of OUTPUTS) {
  const bytes = result.metafile.outputs[`dist/${name}`]?.bytes;
  console.log(`dist/${name}${bytes ? `  ${(bytes / 1024).toFixed(1)} KiB` : ''}`);
}
