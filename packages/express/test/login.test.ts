import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionIdFromToken } from '@sessionkit/core'
import { COOKIE, startApp, type TestApp } from './support/app'
import { targets, type TestStore } from './support/targets'

describe.each(targets)('login, logout and requireSession on $name', (target) => {
  let store: TestStore
  let app: TestApp

  beforeEach(async () => {
    store = await target.makeStore()
    app = await startApp(target.express, store)
  })
  afterEach(async () => {
    await app.close()
    await store.cleanup()
  })

  it('login rotates the token, keeps the guest data, and the old token is dead at once', async () => {
    const client = app.client()
    await client.post('/cart', { item: 'book' })
    const guestToken = client.cookie!
    const login = await client.post('/login', { userId: 'alice' })
    expect(login.status).toBe(200)
    const cookie = login.cookies.find((c) => c.name === COOKIE)!
    expect(cookie.value).not.toBe(guestToken)
    expect(cookie.attributes).toMatchObject({ httponly: true, secure: true, samesite: 'Lax', path: '/' })
    expect(login.headers.get('cache-control')).toBe('no-store')
    expect(login.body.id).toBe(sessionIdFromToken(cookie.value))
    expect((await client.get('/me')).body).toMatchObject({ exists: true, userId: 'alice', data: { cart: ['book'] } })
    const attacker = app.client()
    attacker.cookie = guestToken
    expect((await attacker.get('/me')).body.exists).toBe(false)
    expect(await app.manager.peek(guestToken)).toBeNull()
  })

  it('login can replace the data, and creates a session when there is none', async () => {
    const client = app.client()
    await client.post('/login', { userId: 'bob', replace: { cart: ['saved'] } })
    expect((await client.get('/me')).body).toMatchObject({ userId: 'bob', data: { cart: ['saved'] } })
  })

  it('requireSession answers 401 JSON without a signed-in session and lets a user through', async () => {
    const client = app.client()
    const anonymous = await client.get('/account')
    expect(anonymous.status).toBe(401)
    expect(anonymous.body).toMatchObject({ error: 'unauthenticated' })
    await client.post('/set/a', { value: 1 })
    expect((await client.get('/account')).status).toBe(401) // a guest is not signed in
    expect((await client.get('/guest-ok')).status).toBe(200) // unless guests are allowed
    await client.post('/login', { userId: 'carol' })
    const signedIn = await client.get('/account')
    expect(signedIn.status).toBe(200)
    expect(signedIn.body).toEqual({ userId: 'carol' })
  })

  it('logout deletes the session and clears the cookie', async () => {
    const client = app.client()
    await client.post('/login', { userId: 'dave' })
    const token = client.cookie!
    const out = await client.post('/logout')
    const cleared = out.cookies.find((c) => c.name === COOKIE)!
    expect(cleared.value).toBe('')
    expect(out.headers.get('cache-control')).toBe('no-store')
    expect(client.cookie).toBeNull()
    expect(await app.manager.peek(token)).toBeNull()
    const replay = app.client()
    replay.cookie = token
    expect((await replay.get('/account')).status).toBe(401)
  })

  it('log out other devices keeps this one; log out everywhere ends them all', async () => {
    const laptop = app.client()
    const phone = app.client()
    const tablet = app.client()
    for (const device of [laptop, phone, tablet]) await device.post('/login', { userId: 'erin' })
    expect((await laptop.post('/logout-others')).body).toEqual({ deleted: 2 })
    expect((await laptop.get('/account')).status).toBe(200)
    expect((await phone.get('/account')).status).toBe(401)
    expect((await tablet.get('/account')).status).toBe(401)
    await phone.post('/login', { userId: 'erin' })
    expect((await laptop.post('/logout-everywhere')).body).toEqual({ deleted: 2 })
    expect(laptop.cookie).toBeNull()
    expect((await phone.get('/account')).status).toBe(401)
    expect(await app.manager.getUserSessions('erin')).toEqual([])
  })
})
