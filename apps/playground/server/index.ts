export { startPlayground, uniquePrefix, type Playground, type PlaygroundOptions } from './playground'
