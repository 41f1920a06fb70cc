import { describe, expect, it } from 'vitest'
import { AnswerOrder } from '../web/src/answer-order'

// The interleavings the page meets under load, forced in order: which answers it draws.
describe('which answers the page draws', () => {
  it('an answer that arrives after a newer one has been drawn is not drawn', () => {
    const order = new AnswerOrder()
    const older = order.send()
    const newer = order.send()
    expect(order.mayDraw(newer)).toBe(true)
    expect(order.mayDraw(older)).toBe(false)
    // In order, both are drawn.
    const a = order.send()
    const b = order.send()
    expect(order.mayDraw(a)).toBe(true)
    expect(order.mayDraw(b)).toBe(true)
  })

  it('a reload sent while a sign-out is on its way is never drawn, even when it answers last', () => {
    const order = new AnswerOrder()
    order.leavingStarted()
    const signOut = order.send(true)
    const racingReload = order.send()
    // The sign-out answers first, then the stale reload that still carried the old cookies.
    expect(order.mayDraw(signOut)).toBe(true)
    order.leavingDone()
    expect(order.mayDraw(racingReload)).toBe(false)
  })

  it('a reload sent before the sign-out and answering after it is not drawn either', () => {
    const order = new AnswerOrder()
    const before = order.send()
    order.leavingStarted()
    const signOut = order.send(true)
    expect(order.mayDraw(signOut)).toBe(true)
    order.leavingDone()
    expect(order.mayDraw(before)).toBe(false)
  })

  it("the sign-out's own reload is drawn, and reloads after it are drawn again", () => {
    const order = new AnswerOrder()
    order.leavingStarted()
    order.send(true) // the sign-out, whose answer was not a page state
    const itsReload = order.send(true)
    expect(order.mayDraw(itsReload)).toBe(true)
    order.leavingDone()
    const later = order.send()
    expect(order.mayDraw(later)).toBe(true)
  })

  it('two sign-outs in flight: reloads are held back until both have answered', () => {
    const order = new AnswerOrder()
    order.leavingStarted()
    order.leavingStarted()
    order.leavingDone()
    expect(order.mayDraw(order.send())).toBe(false)
    order.leavingDone()
    expect(order.mayDraw(order.send())).toBe(true)
  })
})
