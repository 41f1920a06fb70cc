import { packageTests } from '../../vitest.shared'

// One browser drives the end-to-end flows; the files run one after the other so two Chromiums
// never compete for the machine's cores.
export default packageTests({ globalSetup: ['test/global-setup.ts'], fileParallelism: false, testTimeout: 60_000 })
