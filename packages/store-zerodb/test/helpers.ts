import { randomBytes } from 'node:crypto'
import { generateToken, sessionIdFromToken, type SessionRecord } from '@sessionkit/core'
import { startZeroDbEmulator, type ZeroDbEmulator, type ZeroDbEmulatorOptions } from '@sessionkit/testkit/zerodb'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { ZeroDbStore, type ZeroDbStoreOptions } from '../src/index'

/**
 * Starts one emulator for a test file and hands out stores on it, each in a table of its own
 * unless told otherwise; stores are closed and faults cleared after each test.
 */
export function useEmulator(emulatorOptions: ZeroDbEmulatorOptions = {}) {
  let emulator: ZeroDbEmulator | undefined
  const stores: ZeroDbStore[] = []
  let tables = 0
  beforeAll(async () => {
    emulator = await startZeroDbEmulator(emulatorOptions)
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
    emulator?.faults.clear()
  })
  afterAll(() => emulator?.close())

  const need = () => {
    if (!emulator) throw new Error('the emulator is only available inside a test')
    return emulator
  }
  return {
    get emulator() {
      return need()
    },
    /** A store on the emulator; `retryBaseDelay` is small so retry tests stay quick. */
    store(options: Partial<ZeroDbStoreOptions> = {}): ZeroDbStore {
      const { baseUrl, apiKey, projectId } = need()
      const store = new ZeroDbStore({
        baseUrl,
        apiKey,
        projectId,
        tableName: `t${process.pid}-${++tables}-${Date.now().toString(36)}`,
        retryBaseDelay: 5,
        retryMaxDelay: 50,
        ...options,
      })
      stores.push(store)
      return store
    },
  }
}

/** What a promise rejected with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail, but it succeeded')
}

/** A live record for `now`: a real session id, a unique user and payload, version 1. */
export function makeRecord(now: number, fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: sessionIdFromToken(generateToken()),
    userId: `user-${randomBytes(4).toString('hex')}`,
    payload: JSON.stringify({ note: randomBytes(4).toString('hex') }),
    createdAt: now,
    lastAccessedAt: now,
    expiresAt: now + 600_000,
    absoluteExpiresAt: null,
    version: 1,
    ...fields,
  }
}
