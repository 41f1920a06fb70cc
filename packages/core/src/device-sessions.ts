import { ConfigError } from './errors'
import { sessionIdFromToken } from './tokens'
import type { CreateOptions, CreatedSession, SessionData, SessionManager } from './manager'

/** Metadata keys under which a device's id and name are kept in the session. */
export const DEVICE_ID_KEY = 'deviceId'
export const DEVICE_NAME_KEY = 'deviceName'

export interface DeviceCreateOptions extends CreateOptions {
  /** A stable id of the client device (a long-lived random cookie, an app install id). */
  deviceId: string
  /** A name to show on a "your devices" page, e.g. `"Firefox on Linux"`. */
  deviceName?: string
  /**
   * Serialise sign-ins of one user on one device with the store's lock, so two racing sign-ins
   * still leave exactly one session for the device. Default `true` (two more round trips).
   */
  lock?: boolean
}

export interface DeviceCreated<TData extends SessionData> extends CreatedSession<TData> {
  /** Ids of the previous sessions of this user on this device that were revoked. */
  replaced: string[]
}

/** One row of a "your devices" page. */
export interface DeviceEntry {
  sessionId: string
  deviceId: string | null
  deviceName: string | null
  userAgent: string | null
  ipAddress: string | null
  createdAt: number
  lastAccessedAt: number
  expiresAt: number
}

/**
 * One session per device: creates a session for `userId` on `deviceId`, then revokes the
 * user's other sessions on the same device (event `revoked`, reason `replaced-on-device`).
 *
 * On a store that declares `atomicDeviceReplace` (memory, Redis single node, Upstash) this is
 * one store call: the insert deletes the device's previous sessions in the same atomic step
 * (`lock` is then not needed and ignored). The device id is also kept in the metadata, so
 * {@link listDevices} works on every store.
 *
 * Otherwise not one atomic store step: under the store's lock for this user and device, the new session
 * is inserted first, then the user's list is read (one round trip) and older sessions with the
 * same `deviceId` are deleted. So the client never sees a moment without a session, and two
 * sign-ins racing on one device leave exactly one session for it (on a store whose locks are not
 * distributed, e.g. memory, only within one process). With `maxSessionsPerUser` the insert may
 * evict another device's oldest session before the replaced one is removed.
 *
 * @example
 * const { token, replaced } = await createOnDevice(sessions, user.id, { cart: [] }, { deviceId: req.cookies.device, deviceName: 'Work laptop' })
 */
export async function createOnDevice<TData extends SessionData>(
  sessions: SessionManager<TData>,
  userId: string,
  data: TData,
  options: DeviceCreateOptions,
): Promise<DeviceCreated<TData>> {
  const { deviceId, deviceName, lock = true, ...createOptions } = options
  if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 256) {
    throw new ConfigError('deviceId', 'must be a non-empty string of at most 256 characters')
  }
  const metadata: Record<string, string> = { ...createOptions.metadata, [DEVICE_ID_KEY]: deviceId }
  if (deviceName !== undefined) metadata[DEVICE_NAME_KEY] = deviceName
  if (sessions.store.capabilities.atomicDeviceReplace === true) {
    // One store step: insert and replace together, so no lock and no list are needed.
    const created = await sessions.create(userId, data, { ...createOptions, metadata, deviceId, replaceDevice: true })
    return { ...created, replaced: created.replaced ?? [] }
  }
  const signIn = async (): Promise<DeviceCreated<TData>> => {
    const created = await sessions.create(userId, data, { ...createOptions, metadata })
    const replaced: string[] = []
    for (const other of await sessions.getUserSessions(userId)) {
      if (other.id === created.session.id || other.metadata[DEVICE_ID_KEY] !== deviceId) continue
      if (await sessions.revoke(other.id, 'replaced-on-device')) replaced.push(other.id)
    }
    return { ...created, replaced }
  }
  return lock ? sessions.withLock(deviceLockName(userId, deviceId), signIn) : signIn()
}

/**
 * The lock of one user's device, shaped like a token so `withLock` takes it: a SHA-256 digest in
 * base64url is 43 characters whose last one carries zero low bits, as a token's does. It is no
 * secret (it only names a lock) and never a session id.
 */
function deviceLockName(userId: string, deviceId: string): string {
  return sessionIdFromToken(`device-lock\u0000${userId}\u0000${deviceId}`)
}

/**
 * The user's live sessions as device rows, most recently active first (one round trip).
 * @example res.json(await listDevices(sessions, req.session.userId))
 */
export async function listDevices<TData extends SessionData>(sessions: SessionManager<TData>, userId: string): Promise<DeviceEntry[]> {
  const list = await sessions.getUserSessions(userId)
  return list
    .map((s) => ({
      sessionId: s.id,
      deviceId: s.metadata[DEVICE_ID_KEY] ?? null,
      deviceName: s.metadata[DEVICE_NAME_KEY] ?? null,
      userAgent: s.userAgent,
      ipAddress: s.ipAddress,
      createdAt: s.createdAt,
      lastAccessedAt: s.lastAccessedAt,
      expiresAt: s.expiresAt,
    }))
    .sort((a, b) => b.lastAccessedAt - a.lastAccessedAt)
}
