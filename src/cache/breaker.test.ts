import { describe, expect, it } from 'vitest'
import { CircuitBreaker, refusesWrites } from './breaker.ts'

describe('CircuitBreaker', () => {
  const make = () => {
    let now = 0
    const changes: boolean[] = []
    const breaker = new CircuitBreaker({
      failures: 3,
      cooldownMs: 1_000,
      now: () => now,
      onChange: (up) => changes.push(up),
    })
    return { breaker, changes, advance: (ms: number) => (now += ms) }
  }

  it('opens after N consecutive failures, refusing calls until the cooldown', () => {
    const { breaker, changes } = make()
    breaker.failure()
    breaker.failure()
    breaker.success()
    breaker.failure()
    breaker.failure()
    expect(breaker.allow()).toBe(true)
    breaker.failure()
    expect(breaker.up).toBe(false)
    expect(breaker.allow()).toBe(false)
    expect(changes).toEqual([false])
  })

  it('lets one probe through after the cooldown; success closes it', () => {
    const { breaker, changes, advance } = make()
    breaker.trip()
    advance(1_000)
    expect(breaker.allow()).toBe(true)
    expect(breaker.allow()).toBe(false)
    breaker.success()
    expect(breaker.up).toBe(true)
    expect(changes).toEqual([false, true])
  })

  it('reopens for another cooldown when the probe fails', () => {
    const { breaker, advance } = make()
    breaker.trip()
    advance(1_000)
    breaker.allow()
    breaker.failure()
    expect(breaker.allow()).toBe(false)
    advance(999)
    expect(breaker.allow()).toBe(false)
    advance(1)
    expect(breaker.allow()).toBe(true)
  })

  it('lets no call probe while the invalidator says no (bumps pending)', () => {
    let pending = true
    let now = 0
    const breaker = new CircuitBreaker({
      failures: 3,
      cooldownMs: 10,
      now: () => now,
      mayProbe: () => !pending,
    })
    breaker.trip()
    now = 10
    expect(breaker.allow()).toBe(false)
    pending = false
    expect(breaker.allow()).toBe(true)
    expect(breaker.allow()).toBe(false)
  })
})

describe('refusesWrites', () => {
  it('knows the replies of a store that serves reads but takes no writes', () => {
    for (const message of [
      "OOM command not allowed when used memory > 'maxmemory'.",
      "READONLY You can't write against a read only replica.",
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist',
      'NOREPLICAS Not enough good replicas to write.',
    ]) {
      expect(refusesWrites(new Error(message)), message).toBe(true)
    }
    expect(refusesWrites(new Error('Connection is closed.'))).toBe(false)
    expect(refusesWrites(new Error('Command timed out'))).toBe(false)
    expect(refusesWrites('OOM')).toBe(false)
  })
})
