/**
 * `@sessionkit/store-upstash`: sessionkit sessions on Upstash Redis over its REST API, one HTTP
 * request per operation.
 */
export { UpstashStore } from './upstash-store'
export { ENV_TOKEN, ENV_URL, type UpstashConnection, type UpstashStoreOptions } from './options'
