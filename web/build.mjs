// Builds the web client into dist/: one bundled, minified script, the style sheet and the page.
// Run by `npm run build` (after the type check), which `dotnet build` of Parley.Server runs.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

const dist = new URL('./dist/', import.meta.url);
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: ['src/main.tsx'],
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: ['es2022'],
  format: 'esm',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: 'dist/app.js',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'icon.svg']) {
  await copyFile(new URL(`./src/${file}`, import.meta.url), new URL(file, dist));
}
