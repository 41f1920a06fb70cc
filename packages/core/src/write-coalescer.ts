/**
 * Group commit for writes to one key from one process. While a write for a key is in flight,
 * later jobs for that key wait and are then written together in ONE store write. Concurrent
 * updates of one session inside a process therefore never conflict with each other (the
 * compare-and-set only has to settle races between processes), and a burst of N updates costs
 * a handful of writes instead of N, let alone N retries each.
 */
export interface CoalescedJob<TInput, TResult> {
  input: TInput
  resolve: (result: TResult) => void
  reject: (error: unknown) => void
}

export class WriteCoalescer<TInput, TResult> {
  private readonly queues = new Map<string, CoalescedJob<TInput, TResult>[]>()

  /** `flush` writes a batch and settles every job in it (resolve or reject each one). */
  constructor(private readonly flush: (key: string, jobs: CoalescedJob<TInput, TResult>[]) => Promise<void>) {}

  /** Queues `input` for `key`; resolves when the batch holding it has been written. */
  run(key: string, input: TInput): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      const queue = this.queues.get(key)
      if (queue) {
        queue.push({ input, resolve, reject })
        return
      }
      const fresh = [{ input, resolve, reject }]
      this.queues.set(key, fresh)
      void this.drain(key)
    })
  }

  private async drain(key: string): Promise<void> {
    // The queue stays registered while a batch is in flight so newcomers join the next batch.
    for (;;) {
      const queue = this.queues.get(key)!
      if (queue.length === 0) {
        this.queues.delete(key)
        return
      }
      const batch = queue.splice(0)
      try {
        await this.flush(key, batch)
      } catch (error) {
        for (const job of batch) job.reject(error)
      }
    }
  }
}
