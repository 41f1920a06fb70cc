import { ZeroDbStore } from '@sessionkit/store-zerodb'
import { startZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import type { BackendDefinition } from './types'

/**
 * ZeroDB's tables API: the real service when `ZERODB_API_KEY` and `ZERODB_PROJECT_ID` are set
 * (`ZERODB_BASE_URL` to point elsewhere), else the testkit's local emulator of that API.
 * @example const { store } = await zerodbBackend.open(context)
 */
export const zerodbBackend: BackendDefinition = {
  name: 'zerodb',
  label: 'ZeroDB',
  needs: 'ZERODB_API_KEY and ZERODB_PROJECT_ID, or nothing: a local emulator of the API starts.',
  async open({ env, prefix }) {
    // Table names allow letters, digits, _ and -: the key prefix becomes the table name.
    const tableName = prefix.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128)
    const apiKey = env.ZERODB_API_KEY
    const projectId = env.ZERODB_PROJECT_ID
    if (apiKey && projectId) {
      const baseUrl = env.ZERODB_BASE_URL || undefined
      return {
        store: new ZeroDbStore({ apiKey, projectId, tableName, ...(baseUrl ? { baseUrl } : {}) }),
        detail: `ZeroDB project ${projectId}, table ${tableName}${baseUrl ? ` at ${new URL(baseUrl).host}` : ''}`,
        stop: async () => {},
      }
    }
    const emulator = await startZeroDbEmulator()
    return {
      store: new ZeroDbStore({ apiKey: emulator.apiKey, projectId: emulator.projectId, baseUrl: emulator.baseUrl, tableName }),
      detail: `local ZeroDB emulator ${emulator.baseUrl}, table ${tableName}`,
      stop: () => emulator.close(),
    }
  },
}
