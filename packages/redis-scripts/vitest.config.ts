import { mergeConfig, type Plugin } from 'vitest/config'
import { packageTests } from '../../vitest.shared'

/** Loads `.lua` files as strings in tests, as tsup's `text` loader does in the build. */
function luaAsText(): Plugin {
  return {
    name: 'lua-as-text',
    transform(code, id) {
      if (!id.endsWith('.lua')) return null
      return { code: `export default ${JSON.stringify(code)}`, map: null }
    },
  }
}

export default mergeConfig(packageTests(), { plugins: [luaAsText()] })
