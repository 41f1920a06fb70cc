/**
 * Which server answers the page draws. Answers may arrive out of order: under load, a reload
 * sent before a sign-out can answer after it and would draw the signed-in page again, with
 * nothing left to correct it. So:
 * - each request is numbered when it is sent, and an answer is drawn only if no request sent
 *   after it has been drawn already;
 * - while a sign-out is on its way, other requests still carry the cookies it is about to clear,
 *   and the server may answer them before it ends the session: an answer to a request sent in
 *   that window is not drawn (the sign-out's own answer, and the reload it asks for, are).
 * @example
 * const order = new AnswerOrder()
 * const ticket = order.send()
 * const state = await api.state()
 * if (order.mayDraw(ticket)) draw(state)
 */
export class AnswerOrder {
  #sent = 0
  #drawn = 0
  #leaving = 0

  /**
   * Numbers a request as it is sent. `partOfAction`: the request is the sign-out itself, or the
   * reload it runs for its own answer, so a sign-out in flight does not hold its answer back.
   */
  send(partOfAction = false): AnswerTicket {
    return { stamp: ++this.#sent, racesSignOut: this.#leaving > 0 && !partOfAction }
  }

  /** A sign-out is on its way (until {@link leavingDone}). */
  leavingStarted(): void {
    this.#leaving++
  }

  /** The sign-out has answered (or failed). */
  leavingDone(): void {
    this.#leaving = Math.max(0, this.#leaving - 1)
  }

  /** True when the answer to `ticket` may be drawn; drawing it makes older answers stale. */
  mayDraw(ticket: AnswerTicket): boolean {
    if (ticket.racesSignOut || ticket.stamp < this.#drawn) return false
    this.#drawn = ticket.stamp
    return true
  }
}

/** What {@link AnswerOrder.send} hands out for one request. */
export interface AnswerTicket {
  readonly stamp: number
  readonly racesSignOut: boolean
}
