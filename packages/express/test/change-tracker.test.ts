import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ChangeTracker, mergeChanges } from '../src/change-tracker'

describe('mergeChanges', () => {
  it('takes the changed keys from the request and every other key from the latest version', () => {
    const latest = { a: 1, b: 2, c: 3 }
    expect(mergeChanges(latest, { a: 9, d: 4 }, { set: ['a', 'd'], deleted: ['c'] })).toEqual({ a: 9, b: 2, d: 4 })
    expect(latest).toEqual({ a: 1, b: 2, c: 3 })
  })

  it('keeps a key named __proto__ as plain data (no prototype pollution)', () => {
    const source = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    const merged = mergeChanges({}, source, { set: ['__proto__'], deleted: [] }) as Record<string, unknown>
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(merged)).toEqual(['__proto__'])
  })

  it('property: two requests changing disjoint keys, merged in either order, keep both changes', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer()), fc.uniqueArray(key), fc.integer(), fc.integer(), (base, keys, x, y) => {
        const half = Math.floor(keys.length / 2)
        const mine = keys.slice(0, half)
        const theirs = keys.slice(half)
        const a = Object.fromEntries(mine.map((k) => [k, x]))
        const b = Object.fromEntries(theirs.map((k) => [k, y]))
        const ab = mergeChanges(mergeChanges(base, a, { set: mine, deleted: [] }), b, { set: theirs, deleted: [] })
        const ba = mergeChanges(mergeChanges(base, b, { set: theirs, deleted: [] }), a, { set: mine, deleted: [] })
        expect(ab).toEqual(ba)
        for (const k of mine) expect(ab[k]).toBe(x)
        for (const k of theirs) expect(ab[k]).toBe(y)
        for (const k of Object.keys(base)) if (!(keys as string[]).includes(k)) expect(ab[k]).toBe(base[k])
      }),
    )
  })
})

describe('ChangeTracker', () => {
  it('reports nothing for a request that only reads', () => {
    const t = new ChangeTracker<Record<string, unknown>>({ a: 1, cart: ['x'], nested: { deep: true } })
    void t.proxy.a
    void JSON.stringify(t.proxy)
    void { ...t.proxy }
    expect(t.changes()).toEqual({ set: [], deleted: [] })
    expect(t.hasChanges()).toBe(false)
  })

  it('records assignments, deletes, in-place changes of objects, and whole replacement', () => {
    const t = new ChangeTracker<Record<string, unknown>>({ a: 1, b: 2, cart: ['x'], prefs: { theme: 'light' } })
    t.proxy.a = 5
    delete t.proxy.b
    ;(t.proxy.cart as string[]).push('y')
    expect(t.changes()).toEqual({ set: ['a', 'cart'], deleted: ['b'] })
    t.proxy.b = 3 // re-set after delete: a set, not a delete
    expect(t.changes()).toEqual({ set: ['a', 'b', 'cart'], deleted: [] })
    t.reset({ a: 1, gone: true })
    t.replaceAll({ a: 1, fresh: 2 })
    expect(t.changes()).toEqual({ set: ['a', 'fresh'], deleted: ['gone'] })
  })

  it('never changes the loaded object at the top level (the session as read stays as read)', () => {
    const loaded: Record<string, unknown> = { a: 1, b: 2 }
    const t = new ChangeTracker<Record<string, unknown>>(loaded)
    t.proxy.a = 5
    delete t.proxy.b
    t.proxy.c = 3
    expect(loaded).toEqual({ a: 1, b: 2 })
    expect({ ...t.proxy }).toEqual({ a: 5, c: 3 })
    t.reset(loaded)
    t.replaceAll({ z: 1 })
    expect(loaded).toEqual({ a: 1, b: 2 })
  })

  it('says once, at the first thing a save may have to look at, that the request may have changed the data', () => {
    let calls = 0
    const reads = new ChangeTracker<Record<string, unknown>>({ a: 1, cart: ['x'] }, () => calls++)
    void reads.proxy.a
    void Object.keys(reads.proxy)
    expect(calls).toBe(0) // reading a plain value cannot change anything
    void reads.proxy.cart // an object read may be changed in place
    expect(calls).toBe(1)
    const writes = new ChangeTracker<Record<string, unknown>>({ a: 1 }, () => calls++)
    writes.proxy.a = 2
    writes.proxy.b = 3
    delete writes.proxy.a
    expect(calls).toBe(2)
  })

  it('keeps working through a reference taken before a reset', () => {
    const t = new ChangeTracker<Record<string, unknown>>({ a: 1 })
    const data = t.proxy
    t.reset({ a: 2 })
    expect(data.a).toBe(2)
    data.b = 1
    expect(t.changes().set).toEqual(['b'])
  })
})
