export { ZeroDbStore } from './zerodb-store'
export type { ZeroDbStoreOptions } from './options'
