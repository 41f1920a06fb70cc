import { DecryptionError } from './errors'
import type { Keyring } from './keyring'

/**
 * What core packs into a record's opaque `payload`: the app's data and the session's metadata.
 * Stores never parse it; with encryption on it is sealed whole, so nothing about the session
 * but ids and times is readable at rest.
 */
export interface SessionMetadata {
  ipAddress: string | null
  userAgent: string | null
  /** Free-form strings the app attached at creation (a device name, a login method...). */
  extra: Record<string, string>
}

export interface DecodedPayload<TData> {
  data: TData
  meta: SessionMetadata
}

interface Wire {
  d: unknown
  i?: string
  u?: string
  x?: Record<string, string>
}

/** Serialises and (optionally) seals a payload for the session `id`. */
export function encodePayload<TData>(id: string, data: TData, meta: SessionMetadata, keyring: Keyring | null): string {
  const wire: Wire = { d: data }
  if (meta.ipAddress !== null) wire.i = meta.ipAddress
  if (meta.userAgent !== null) wire.u = meta.userAgent
  if (Object.keys(meta.extra).length > 0) wire.x = meta.extra
  let json: string
  try {
    json = JSON.stringify(wire)
  } catch (cause) {
    throw new TypeError('session data must be JSON-serialisable (no BigInt, functions or cycles)', { cause })
  }
  return keyring ? keyring.seal(id, json) : json
}

/**
 * Opens and parses a payload. Throws `DecryptionError` when it does not open or does not parse:
 * a payload that cannot be trusted is never returned.
 */
export function decodePayload<TData>(id: string, payload: string, keyring: Keyring | null): DecodedPayload<TData> {
  const json = keyring ? keyring.open(id, payload) : payload
  let wire: Wire
  try {
    wire = JSON.parse(json) as Wire
  } catch (cause) {
    throw new DecryptionError(id, 'payload is not valid JSON (corrupted, or sealed while encryption is off)', { cause })
  }
  if (typeof wire !== 'object' || wire === null || !('d' in wire)) {
    throw new DecryptionError(id, 'payload does not have the shape sessionkit writes')
  }
  return {
    data: wire.d as TData,
    meta: { ipAddress: wire.i ?? null, userAgent: wire.u ?? null, extra: wire.x ?? {} },
  }
}
