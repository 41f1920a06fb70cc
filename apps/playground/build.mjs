#!/usr/bin/env node
// Builds the playground: the page (web/src → web/dist, bundled and minified with esbuild) and
// the server (server/main.ts → dist/server.js; dependencies stay external and resolve from
// node_modules at run time).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = dirname(fileURLToPath(import.meta.url))

/** Bundles the page into web/dist (index.html, app.js, app.css). */
export async function buildWeb() {
  const out = join(root, 'web', 'dist')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  await build({
    entryPoints: { app: join(root, 'web', 'src', 'main.tsx') },
    outdir: out,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  })
  copyFileSync(join(root, 'web', 'index.html'), join(out, 'index.html'))
}

/** Bundles the server into dist/server.js. */
export async function buildServer() {
  await build({
    entryPoints: [join(root, 'server', 'main.ts')],
    outfile: join(root, 'dist', 'server.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await Promise.all([buildWeb(), buildServer()])
  console.log('playground built: web/dist and dist/server.js')
}
