import { describe, expect, it } from 'vitest'
import { deltaArgument, parseCacheControl } from './cache-control.ts'
import {
  ageValue,
  currentAge,
  entryUse,
  freshnessLifetime,
  initialAge,
  isStaleIfErrorOutcome,
  retentionSeconds,
  staleRules,
  usableOnError,
  type EntryFreshness,
  type RequestFreshness,
} from './freshness.ts'
import { headerValues } from '../http/headers.ts'

const RECEIVED = Date.UTC(2026, 0, 1)
const lifetime = (headers: string[], heuristic = 60) =>
  freshnessLifetime(
    headers,
    parseCacheControl(headerValues(headers, 'cache-control')),
    heuristic,
    RECEIVED
  )
const cc = (value: string) => parseCacheControl([value])

describe('delta-seconds arguments (RFC 9111 §1.2.2, §5.2)', () => {
  it.each([
    ['max-age=60', 60],
    ['max-age="60"', 60],
    ['max-age=007', 7],
    ['max-age=99999999999', 2 ** 31],
    ['max-age=-1', 'invalid'],
    ["max-age='60'", 'invalid'],
    ['max-age=1.5', 'invalid'],
    ['max-age=60s', 'invalid'],
    ['max-age=', 'invalid'],
    ['max-age', 'invalid'],
    ['public', undefined],
  ])('%s → %s', (value, expected) => {
    expect(deltaArgument(cc(value), 'max-age')).toBe(expected)
  })
})

describe('freshnessLifetime (RFC 9111 §4.2.1)', () => {
  it('prefers s-maxage, then max-age, then Expires − Date, else the heuristic', () => {
    expect(lifetime(['Cache-Control', 's-maxage=5, max-age=9'])).toEqual({
      source: 'explicit',
      seconds: 5,
    })
    expect(lifetime(['Cache-Control', 'max-age=9'])).toEqual({ source: 'explicit', seconds: 9 })
    expect(
      lifetime([
        'Date',
        'Thu, 01 Jan 2026 00:00:00 GMT',
        'Expires',
        'Thu, 01 Jan 2026 00:00:30 GMT',
      ])
    ).toEqual({ source: 'explicit', seconds: 30 })
    expect(lifetime([])).toEqual({ source: 'heuristic', seconds: 60 })
  })

  it('has no heuristic when CACHE_TTL_SECONDS is 0 (origin-only mode, §4.2.2)', () => {
    expect(lifetime([], 0)).toEqual({ source: 'none', seconds: 0 })
    expect(lifetime(['Cache-Control', 'max-age=9'], 0)).toEqual({
      source: 'explicit',
      seconds: 9,
    })
  })

  it.each([
    ['max-age=-1'],
    ["max-age='3600'"],
    ['max-age=3600.0'],
    ['max-age=soon'],
    ['s-maxage=-5, max-age=3600'],
  ])('makes %s stale, not heuristically fresh (§4.2.1)', (value) => {
    expect(lifetime(['Cache-Control', value])).toEqual({ source: 'invalid', seconds: 0 })
  })

  it('takes a double-quoted max-age like the token form (§5.2)', () => {
    expect(lifetime(['Cache-Control', 'max-age="30"'])).toEqual({
      source: 'explicit',
      seconds: 30,
    })
  })

  it.each([
    ['0'],
    ['-1'],
    ['Thu, 01 Jan 2026 00:00:30 UTC'],
    ['Thu 01 Jan 2026 00:00:30 GMT'],
    ['Thu, 01-Jan-2026 00:00:30 GMT'],
  ])('reads an invalid Expires (%s) as already expired (§5.3)', (value) => {
    expect(lifetime(['Expires', value])).toEqual({ source: 'invalid', seconds: 0 })
  })

  it('takes two Expires lines as stale (§4.2.1)', () => {
    const date = 'Thu, 01 Jan 2026 00:00:30 GMT'
    expect(lifetime(['Expires', date, 'Expires', date])).toEqual({ source: 'invalid', seconds: 0 })
  })

  it('uses the time received when Date is missing or invalid (RFC 9110 §6.6.1)', () => {
    const expires = ['Expires', 'Thu, 01 Jan 2026 00:01:00 GMT']
    expect(lifetime(expires).seconds).toBe(60)
    expect(lifetime(['Date', 'yesterday', ...expires]).seconds).toBe(60)
  })

  it('reads RFC 850 and asctime dates in Expires', () => {
    expect(lifetime(['Expires', 'Thursday, 01-Jan-26 00:00:20 GMT']).seconds).toBe(20)
    expect(lifetime(['Expires', 'Thu Jan  1 00:00:10 2026']).seconds).toBe(10)
  })

  it('lets max-age win over Expires (§5.3)', () => {
    expect(lifetime(['Expires', '0', 'Cache-Control', 'max-age=9']).seconds).toBe(9)
  })
})

describe('Age (RFC 9111 §5.1)', () => {
  it.each([
    [['Age', '3'], 3],
    [['Age', '7200, 0'], 7200],
    [['Age', '7200', 'Age', '0'], 7200],
    [['Age', '7200.0'], 0],
    [['Age', '-5'], 0],
    [['Age', 'abc'], 0],
    [['Age', ''], 0],
    [['Age', '99999999999'], 2 ** 31],
    [[], 0],
  ])('%j → %i', (headers, expected) => {
    expect(ageValue(headers)).toBe(expected)
  })

  it('adds the time in flight to the Age value (§4.2.3 corrected_age_value)', () => {
    expect(initialAge(['Age', '3'], RECEIVED, RECEIVED + 500)).toBe(3.5)
    expect(initialAge(['Age', '7200.0'], RECEIVED, RECEIVED + 500)).toBe(0.5)
  })
})

describe('staleRules: which stale windows apply', () => {
  const explicit = { source: 'explicit', seconds: 10 } as const
  const none = { source: 'none', seconds: 0 } as const

  it.each([
    ['no-cache', true],
    ['must-revalidate', false],
    ['proxy-revalidate', false],
    ['s-maxage=10', false],
    ['s-maxage=10, stale-while-revalidate=60', false],
    ['must-revalidate, stale-if-error=60', false],
  ])('%s forbids stale (RFC 9111 §4.2.4, §5.2.2.10)', (value, alwaysRevalidate) => {
    expect(staleRules(cc(value), explicit, 30)).toEqual({
      alwaysRevalidate,
      neverStale: true,
      whileRevalidate: 0,
      ifError: 0,
    })
  })

  it('lets the origin replace CACHE_STALE_SECONDS (RFC 5861)', () => {
    expect(staleRules(cc('max-age=1, stale-while-revalidate=5'), explicit, 30)).toMatchObject({
      whileRevalidate: 5,
      ifError: 0,
    })
    expect(staleRules(cc('max-age=1, stale-if-error=50'), explicit, 30)).toMatchObject({
      whileRevalidate: 0,
      ifError: 50,
    })
    expect(staleRules(cc('stale-while-revalidate=soon'), explicit, 30)).toMatchObject({
      whileRevalidate: 0,
      ifError: 0,
    })
  })

  it('applies CACHE_STALE_SECONDS otherwise, but not where the origin gave no freshness', () => {
    expect(staleRules(cc('max-age=1'), explicit, 30)).toMatchObject({
      neverStale: false,
      whileRevalidate: 30,
      ifError: 30,
    })
    expect(staleRules(cc(''), none, 30)).toMatchObject({ whileRevalidate: 0, ifError: 0 })
    expect(staleRules(cc('stale-if-error=9'), none, 30)).toMatchObject({ ifError: 9 })
  })
})

describe('entryUse (RFC 9111 §4.2, §5.2.1)', () => {
  const t0 = 1_000_000
  const entry = (over: Partial<EntryFreshness> = {}): EntryFreshness => ({
    receivedAt: t0,
    initialAge: 0,
    lifetime: 10,
    alwaysRevalidate: false,
    neverStale: false,
    whileRevalidate: 5,
    ifError: 5,
    ...over,
  })
  const plain: RequestFreshness = {
    revalidate: false,
    maxAge: undefined,
    minFresh: undefined,
    maxStale: undefined,
  }
  const at = (seconds: number) => t0 + seconds * 1000

  it('counts age from the initial age (§4.2.3 current_age)', () => {
    expect(currentAge(entry({ initialAge: 2 }), at(4))).toBe(6)
  })

  it('is a hit while fresh, stale within stale-while-revalidate, then a miss', () => {
    expect(entryUse(entry(), plain, at(9))).toBe('hit')
    expect(entryUse(entry(), plain, at(14))).toBe('stale')
    expect(entryUse(entry(), plain, at(16))).toBe('miss')
  })

  it('revalidates on request no-cache or response no-cache (§5.2.1.4, §5.2.2.4)', () => {
    expect(entryUse(entry(), { ...plain, revalidate: true }, t0)).toBe('miss')
    expect(entryUse(entry({ alwaysRevalidate: true }), plain, t0)).toBe('miss')
  })

  it('never serves stale what must be revalidated (§4.2.4), even to max-stale', () => {
    const strict = entry({ neverStale: true })
    expect(entryUse(strict, plain, at(11))).toBe('miss')
    expect(entryUse(strict, { ...plain, maxStale: Infinity }, at(11))).toBe('miss')
  })

  it('max-age: refuses an older response, and stale ones unless max-stale (§5.2.1.1)', () => {
    expect(entryUse(entry(), { ...plain, maxAge: 2 }, at(3))).toBe('miss')
    expect(entryUse(entry(), { ...plain, maxAge: 5 }, at(3))).toBe('hit')
    expect(entryUse(entry(), { ...plain, maxAge: 60 }, at(12))).toBe('miss')
    expect(entryUse(entry(), { ...plain, maxAge: 60, maxStale: 5 }, at(12))).toBe('stale')
  })

  it('min-fresh: wants the response fresh for N more seconds (§5.2.1.3)', () => {
    expect(entryUse(entry(), { ...plain, minFresh: 8 }, at(3))).toBe('miss')
    expect(entryUse(entry(), { ...plain, minFresh: 5 }, at(3))).toBe('hit')
    expect(entryUse(entry(), { ...plain, minFresh: 1 }, at(12))).toBe('miss')
  })

  it('max-stale: accepts staleness up to N, or any without a value (§5.2.1.2)', () => {
    const noWindow = entry({ whileRevalidate: 0 })
    expect(entryUse(noWindow, plain, at(12))).toBe('miss')
    expect(entryUse(noWindow, { ...plain, maxStale: 3 }, at(12))).toBe('stale')
    expect(entryUse(noWindow, { ...plain, maxStale: 1 }, at(12))).toBe('miss')
    expect(entryUse(noWindow, { ...plain, maxStale: Infinity }, at(10_000))).toBe('stale')
    // The client's bound replaces the gateway's window.
    expect(entryUse(entry(), { ...plain, maxStale: 1 }, at(13))).toBe('miss')
  })
})

describe('stale-if-error (RFC 5861 §4)', () => {
  const t0 = 1_000_000
  const base: EntryFreshness = {
    receivedAt: t0,
    initialAge: 0,
    lifetime: 10,
    alwaysRevalidate: false,
    neverStale: false,
    whileRevalidate: 0,
    ifError: 60,
  }

  it('serves a stale entry within the window, never one that must revalidate', () => {
    expect(usableOnError(base, t0 + 69_000)).toBe(true)
    expect(usableOnError(base, t0 + 71_000)).toBe(false)
    expect(usableOnError({ ...base, neverStale: true }, t0 + 11_000)).toBe(false)
  })

  it.each([
    [500, undefined, true],
    [502, undefined, true],
    [503, undefined, true],
    [504, undefined, true],
    [598, undefined, false],
    [429, undefined, false],
    [501, undefined, false],
    [404, undefined, false],
    [504, 'UPSTREAM_TIMEOUT', true],
    [502, 'UPSTREAM_UNREACHABLE', true],
    [502, 'UPSTREAM_BAD_RESPONSE', true],
    [413, 'REQUEST_TOO_LARGE', false],
  ])('covers %i %s: %s', (status, code, expected) => {
    expect(isStaleIfErrorOutcome(status, code)).toBe(expected)
  })
})

describe('retentionSeconds', () => {
  const base: EntryFreshness = {
    receivedAt: 0,
    initialAge: 2,
    lifetime: 10,
    alwaysRevalidate: false,
    neverStale: false,
    whileRevalidate: 30,
    ifError: 60,
  }
  it('keeps an entry through its longest stale window', () => {
    expect(retentionSeconds(base, false, 300)).toBe(68)
  })
  it('keeps one with a validator CACHE_RETAIN_SECONDS past its lifetime, for revalidation', () => {
    expect(retentionSeconds(base, true, 300)).toBe(308)
    expect(retentionSeconds({ ...base, lifetime: 0, initialAge: 0 }, true, 300)).toBe(300)
  })
})
