import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

export default defineConfig(
  packageBuild({
    entry: { 'redis/index': 'src/redis/index.ts', 'upstash/index': 'src/upstash/index.ts', 'zerodb/index': 'src/zerodb/index.ts' },
    format: ['esm'],
  }),
)
