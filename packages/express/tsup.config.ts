import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

// Two builds, so each entry's types are generated in its own program (see tsconfig.json: the
// express-session adapter and the middleware type `req.session` differently).
export default defineConfig([
  packageBuild(),
  packageBuild({ entry: { 'express-session': 'src/express-session-store.ts' }, clean: false }),
])
