// The page the browser tests load is the built one: build it once before any test file.
import { buildWeb } from '../build.mjs'

export default async function setup(): Promise<void> {
  await buildWeb()
}
