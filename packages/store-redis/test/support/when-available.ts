import { isStoreUnavailable } from '@sessionkit/core'

/**
 * Runs `call` until it stops failing with StoreUnavailableError, for at most `ms`; any other
 * error, or unavailability past the deadline, fails the test. For the moments a failover takes.
 */
export async function whenAvailable<T>(call: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      return await call()
    } catch (error) {
      if (!isStoreUnavailable(error) || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
