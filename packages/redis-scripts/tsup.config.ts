import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

// The scripts stay readable `.lua` files in the source tree and are inlined as strings in the
// bundle, so the published package has no file to locate at run time (works in CJS, ESM and
// bundled apps alike).
export default defineConfig(packageBuild({ loader: { '.lua': 'text' } }))
