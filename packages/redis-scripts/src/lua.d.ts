/** `.lua` files are bundled as their source text (tsup `text` loader, vitest plugin). */
declare module '*.lua' {
  const source: string
  export default source
}
