import { describe, expect, it } from 'vitest'
import { BumpLedger } from './ledger.ts'

describe('BumpLedger', () => {
  it('blocks lookups that depend on a pending resource, and only those', () => {
    const ledger = new BumpLedger()
    expect(ledger.empty).toBe(true)
    ledger.add(['r:a', 'r:b'])
    expect(ledger.blocks(['r:x', 'r:a'])).toBe(true)
    expect(ledger.blocks(['r:x'])).toBe(false)
    expect(ledger.size).toBe(2)
  })

  it('a replay settles what it covered; an id named again since stays pending', () => {
    const ledger = new BumpLedger()
    ledger.add(['r:a', 'r:b'])
    const snapshot = ledger.snapshot()
    ledger.add(['r:b', 'r:c'])
    ledger.settle(snapshot)
    expect(ledger.blocks(['r:a'])).toBe(false)
    expect(ledger.blocks(['r:b'])).toBe(true)
    expect(ledger.blocks(['r:c'])).toBe(true)
  })

  it('overflows into "everything pending", settled only by a replay of everything', () => {
    const ledger = new BumpLedger(3)
    ledger.add(['r:1', 'r:2', 'r:3', 'r:4'])
    expect(ledger.blocks(['r:any'])).toBe(true)
    const snapshot = ledger.snapshot()
    expect(snapshot.all).toBe(true)
    ledger.settle(snapshot)
    expect(ledger.empty).toBe(true)
    ledger.add(['r:1', 'r:2', 'r:3', 'r:4'])
    const again = ledger.snapshot()
    ledger.add(['r:5'])
    ledger.settle(again)
    expect(ledger.blocks(['r:any'])).toBe(true)
  })
})
