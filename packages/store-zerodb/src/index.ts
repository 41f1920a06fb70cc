export { ZeroDbStore } from './zerodb-store'
/** Options of `new ZeroDbStore(...)`; see the README for each one. */
export type { ZeroDbStoreOptions } from './options'
