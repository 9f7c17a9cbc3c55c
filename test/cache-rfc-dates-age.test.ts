// Issue 10 item 4: HTTP-dates parsed strictly (RFC 9110 §5.6.7): IMF-fixdate, RFC 850 with the
// 50-year rule, asctime; anything else in Expires means "already expired" (RFC 9111 §5.3).
// Age: the first member of a list, a non-negative integer, else ignored (RFC 9111 §5.1).
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { exactly } from './helpers/cache/rfc.ts'

const CALLER = { authorization: 'Bearer dates' }

describe.concurrent('strict dates and Age', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string) => client.send(`${gateway.url}${path}`, { headers: CALLER })

  beforeAll(async () => {
    origin = await startOrigin()
    // No stale window, so an expired entry shows as a second MISS.
    gateway = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '0' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  /** Sends twice; the second answer's cache status tells whether the first was kept fresh. */
  async function reuse(name: string, headers: string[]) {
    const path = `/files/dates-${name}`
    origin.on(path, exactly(headers))
    await send(path)
    return send(path)
  }

  // 2027-11-06 is a Saturday and 2076-11-06 a Friday; every value names a future instant.
  it.for([
    ['imf-fixdate', 'Sat, 06 Nov 2027 08:49:37 GMT'],
    ['rfc850', 'Saturday, 06-Nov-27 08:49:37 GMT'],
    // 76 is exactly 50 years after 2026, so it is 2076, not 1976 (RFC 9110 §5.6.7).
    ['rfc850-50-years', 'Friday, 06-Nov-76 08:49:37 GMT'],
    ['asctime', 'Sat Nov  6 08:49:37 2027'],
  ])('Expires in %s format (%s) keeps the response fresh', async ([name, value], { expect }) => {
    expect((await reuse(name!, ['Expires', value!])).cache).toBe('HIT')
  })

  // Date.parse accepts every one of these as the same future instant.
  it.for([
    ['utc', 'Sat, 06 Nov 2027 08:49:37 UTC'],
    ['no-comma', 'Sat 06 Nov 2027 08:49:37 GMT'],
    ['dashes', 'Sat, 06-Nov-2027 08:49:37 GMT'],
    ['one-digit-hour', 'Sat, 06 Nov 2027 8:49:37 GMT'],
    ['extra-space', 'Sat,  06 Nov 2027 08:49:37 GMT'],
    ['two-digit-year', 'Sat, 06 Nov 27 08:49:37 GMT'],
    ['iso', '2027-11-06T08:49:37Z'],
    ['numeric-zone', 'Sat, 06 Nov 2027 08:49:37 +0000'],
    // 77 is more than 50 years ahead as 2077, so it is 1977: long past.
    ['rfc850-past', 'Saturday, 06-Nov-77 08:49:37 GMT'],
  ])('Expires %s (%s) is already expired (RFC 9111 §5.3)', async ([name, value], { expect }) => {
    expect((await reuse(name!, ['Expires', value!])).cache).toBe('MISS')
  })

  it('a malformed Date does not shorten or lengthen a valid Expires', async ({ expect }) => {
    const answer = await reuse('bad-date', [
      'Date',
      'Sat, 06-Nov-2027 08:49:37 GMT',
      'Expires',
      'Sat, 06 Nov 2027 08:49:37 GMT',
    ])
    expect(answer.cache).toBe('HIT')
  })

  it.for([
    ['list', ['Age', '7200, 0'], 'MISS'],
    ['repeated', ['Age', '7200', 'Age', '0'], 'MISS'],
    ['fraction', ['Age', '7200.0'], 'HIT'],
    ['negative', ['Age', '-7200'], 'HIT'],
    ['word', ['Age', 'old'], 'HIT'],
  ] as const)('Age %s %j with max-age=3600 → %s', async ([name, age, expected], { expect }) => {
    const answer = await reuse(`age-${name}`, ['Cache-Control', 'max-age=3600', ...age])
    expect(answer.cache).toBe(expected)
    // An ignored Age adds nothing to the age the gateway reports.
    if (expected === 'HIT') expect(Number(answer.headers.age)).toBeLessThan(5)
  })

  it('a valid Age counts toward the age reported on hits', async ({ expect }) => {
    const answer = await reuse('age-valid', ['Cache-Control', 'max-age=3600', 'Age', '100'])
    expect(answer.cache).toBe('HIT')
    expect(Number(answer.headers.age)).toBeGreaterThanOrEqual(100)
  })
})
