import { describe, expect, it } from 'vitest'
import { Coalescer, type SharedResponse } from './coalescer.ts'

const response: SharedResponse = {
  status: 200,
  rawHeaders: ['ETag', '"1"'],
  body: Buffer.from('x'),
}

describe('Coalescer', () => {
  it('lets identical misses join the leader and share its response', async () => {
    const c = new Coalescer()
    let firstWaiter = 0
    const flight = c.lead('k', ['f1'], () => firstWaiter++)
    expect(c.find('k')).toBe(flight)
    const a = flight.join()
    const b = c.find('k')!.join()
    expect(firstWaiter).toBe(1)
    expect(flight.waiters).toBe(2)
    expect(flight.settled).toBe(false)
    c.settle(flight, response)
    expect(flight.settled).toBe(true)
    expect(await a).toBe(response)
    expect(await b).toBe(response)
    expect(c.find('k')).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('keeps the flight findable until lingerUntil settles', async () => {
    const c = new Coalescer()
    const flight = c.lead('k', [], () => {})
    let finishWrite!: () => void
    const write = new Promise<void>((resolve) => (finishWrite = resolve))
    c.settle(flight, response, write)
    expect(c.find('k')).toBe(flight)
    expect(await c.find('k')!.join()).toBe(response)
    finishWrite()
    await write
    await new Promise((resolve) => setImmediate(resolve))
    expect(c.find('k')).toBeUndefined()
  })

  it('release sends waiters upstream themselves with undefined', async () => {
    const c = new Coalescer()
    const flight = c.lead('k', [], () => {})
    const waiting = flight.join()
    c.release(flight)
    expect(await waiting).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('forget detaches only flights that depend on the named resources', () => {
    const c = new Coalescer()
    c.lead('a', ['f1', 'u1'], () => {})
    c.lead('b', ['f2'], () => {})
    c.forget(['u1'])
    expect(c.find('a')).toBeUndefined()
    expect(c.find('b')).toBeDefined()
  })

  it('a detached flight does not remove a newer flight on the same key', () => {
    const c = new Coalescer()
    const old = c.lead('k', ['f1'], () => {})
    c.forget(['f1'])
    const fresh = c.lead('k', ['f1'], () => {})
    c.release(old)
    expect(c.find('k')).toBe(fresh)
  })
})
