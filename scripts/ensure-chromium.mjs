#!/usr/bin/env node
// The playground's end-to-end tests drive Debian's Chromium with playwright-core (a browser
// download is impossible here). Returns its path, installing it with apt-get when root can.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  if (existsSync(path)) return path
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    console.log('[chromium] not found: installing Debian chromium with apt-get')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
    spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env })
    if (existsSync(path)) return path
  }
  throw new Error(`Chromium not found at ${path} and it could not be installed. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`)
}
