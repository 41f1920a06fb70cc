import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { Express } from 'express'

/** A real HTTP server on 127.0.0.1 with a random port. */
export interface RunningApp {
  url: string
  close(): Promise<void>
}

/** Starts `app` with `app.listen(0, '127.0.0.1')`. */
export async function listen(app: Express): Promise<RunningApp> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** One parsed Set-Cookie header. */
export interface SetCookie {
  name: string
  value: string
  attributes: Record<string, string | true>
}

/** Parses Set-Cookie headers the way a test wants to look at them (attribute names lower-cased). */
export function setCookies(res: Response): SetCookie[] {
  return res.headers.getSetCookie().map((line) => {
    const [pair = '', ...attrs] = line.split(';').map((p) => p.trim())
    const eq = pair.indexOf('=')
    const attributes: Record<string, string | true> = {}
    for (const attr of attrs) {
      const i = attr.indexOf('=')
      if (i === -1) attributes[attr.toLowerCase()] = true
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1)
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes }
  })
}

/** The answer of a {@link Client} request: status, headers, JSON body (or null) and cookies. */
export interface Answer<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
  cookies: SetCookie[]
}

/**
 * A browser-like client for one cookie: sends it, and takes every Set-Cookie for it (a cleared
 * cookie is forgotten). Other headers can be given per request.
 */
export class Client {
  cookie: string | null = null

  constructor(
    readonly base: string,
    readonly cookieName: string,
  ) {}

  /** A second client holding the same cookie (another tab, or a thief). */
  clone(): Client {
    const c = new Client(this.base, this.cookieName)
    c.cookie = this.cookie
    return c
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers }
    if (this.cookie !== null && headers.cookie === undefined) headers.cookie = `${this.cookieName}=${this.cookie}`
    if (options.json !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
    })
    const text = await res.text()
    const cookies = setCookies(res)
    for (const c of cookies) {
      if (c.name !== this.cookieName) continue
      const expires = c.attributes.expires
      const cleared = c.value === '' || (typeof expires === 'string' && new Date(expires).getTime() <= Date.now())
      this.cookie = cleared ? null : c.value
    }
    let body: unknown = null
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      body = { text }
    }
    return { status: res.status, headers: res.headers, body: body as T, cookies }
  }

  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<Answer<T>> {
    return this.request<T>('GET', path, headers ? { headers } : {})
  }

  post<T = Record<string, unknown>>(path: string, json: unknown = {}, headers?: Record<string, string>): Promise<Answer<T>> {
    return this.request<T>('POST', path, { json, ...(headers ? { headers } : {}) })
  }
}
