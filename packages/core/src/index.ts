export * from './errors'
export * from './store'
export * from './tokens'
export * from './store-helpers'
