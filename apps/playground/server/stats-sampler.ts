import type { SessionManager, SessionStats } from '@sessionkit/core'
import type { StoreName } from './backends/types'
import type { PlaygroundData } from './cart'
import type { StatsSample } from './protocol'

/** What the sampler reads on each tick. */
export interface SampleSource {
  manager(): SessionManager<PlaygroundData>
  store(): StoreName
}

/**
 * The chart's data: every tick runs the manager's `cleanup()` (so expired sessions leave the
 * store and the feed shows `expired`) and then `getStats()`, keeping the last `keep` samples.
 * Events nudge an early sample so the chart follows a sign-in at once.
 * @example const sampler = new StatsSampler(source, (s) => stream.send('stats', s)); sampler.start()
 */
export class StatsSampler {
  readonly #samples: StatsSample[] = []
  #timer: NodeJS.Timeout | null = null
  #nudge: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null

  constructor(
    private readonly source: SampleSource,
    private readonly publish: (sample: StatsSample) => void,
    private readonly options: { intervalMs: number; keep: number } = { intervalMs: 2000, keep: 150 },
  ) {}

  /** Starts sampling on an unref'd timer (it never keeps the process alive). */
  start(): void {
    if (this.#timer) return
    void this.sample()
    this.#timer = setInterval(() => void this.sample(), this.options.intervalMs)
    this.#timer.unref()
  }

  /** Samples soon, once, however many times it is called meanwhile. */
  nudge(delayMs = 250): void {
    if (this.#nudge || !this.#timer) return
    this.#nudge = setTimeout(() => {
      this.#nudge = null
      void this.sample()
    }, delayMs)
    this.#nudge.unref()
  }

  /** The kept samples, oldest first. */
  samples(): StatsSample[] {
    return [...this.#samples]
  }

  /** Takes one sample now (ticks never overlap: a slow store skips ticks rather than piling them up). */
  sample(): Promise<void> {
    this.#running ??= this.#take().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  /** Stops the timers and waits for a sample in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    if (this.#nudge) clearTimeout(this.#nudge)
    this.#timer = null
    this.#nudge = null
    await this.#running
  }

  async #take(): Promise<void> {
    const store = this.source.store()
    const manager = this.source.manager()
    let stats: SessionStats
    try {
      await manager.cleanup()
      stats = await manager.getStats()
    } catch {
      // The store is down or was just switched away from: the chart shows a gap, the page
      // learns of the outage from its own requests.
      return
    }
    const sample: StatsSample = {
      at: Date.now(),
      store,
      active: stats.active,
      total: stats.total,
      users: Object.keys(stats.sessionsByUser).length,
      averageDuration: Math.round(stats.averageDuration),
    }
    this.#samples.push(sample)
    if (this.#samples.length > this.options.keep) this.#samples.splice(0, this.#samples.length - this.options.keep)
    this.publish(sample)
  }
}
