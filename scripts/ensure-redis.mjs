#!/usr/bin/env node
// Finds a Redis for the tests, in this order: REDIS_URL; 127.0.0.1:6379; a redis-server started
// here on a free port; redis-server installed with apt-get (root only) and then started.
// Cluster tests also need the redis-server binary, so it is installed when missing even when a
// Redis already answers. Fails with a clear message rather than letting Redis tests skip.
import { spawnSync, spawn } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

function ping(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    let u
    try { u = new URL(url) } catch { return resolve(false) }
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) })
    const done = (ok) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => {
      const auth = u.password ? `AUTH ${decodeURIComponent(u.username || 'default')} ${decodeURIComponent(u.password)}\r\n` : ''
      socket.write(`${auth}PING\r\n`)
    })
    let buf = ''
    socket.on('data', (d) => { buf += d; if (buf.includes('+PONG')) done(true); else if (buf.includes('-')) done(false) })
  })
}

function hasBinary(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
}

function installRedis() {
  if (process.getuid?.() !== 0 || !hasBinary('apt-get')) return false
  console.log('[redis] redis-server not found: installing it with apt-get')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
  return spawnSync('apt-get', ['install', '-y', 'redis-server', 'redis-tools'], { stdio: 'inherit', env }).status === 0
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)) })
    srv.on('error', reject)
  })
}

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'yes', '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log')], { stdio: 'inherit' })
  await new Promise((r) => child.on('exit', r))
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 50; i++) {
    if (await ping(url)) { writeFileSync(join(dir, 'url'), url); return { url, pidFile: join(dir, 'redis.pid') } }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`redis-server started on port ${port} but does not answer PING; see ${join(dir, 'redis.log')}`)
}

/** Resolves a Redis URL that answers PING, starting or installing redis-server when needed. */
export async function ensureRedis() {
  if (!hasBinary('redis-server') || !hasBinary('redis-cli')) {
    if (!installRedis() && !process.env.REDIS_URL) {
      throw new Error('No Redis for the tests: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, redis-server is not installed and could not be installed (apt-get needs root). Install redis-server or set REDIS_URL.')
    }
  }
  if (process.env.REDIS_URL) {
    if (await ping(process.env.REDIS_URL)) return { url: process.env.REDIS_URL, started: null }
    throw new Error(`REDIS_URL=${process.env.REDIS_URL} does not answer PING. Start that Redis or unset REDIS_URL to let the tests start their own.`)
  }
  if (await ping('redis://127.0.0.1:6379')) return { url: 'redis://127.0.0.1:6379', started: null }
  if (!hasBinary('redis-server')) throw new Error('redis-server is not installed and could not be installed; install it or set REDIS_URL.')
  const started = await startRedis()
  return { url: started.url, started }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await ensureRedis()
  console.log(url)
}
