import { describe, expect, it } from 'vitest'
import { parseHttpDate, rfc850Year } from './http-date.ts'

const NOW = Date.UTC(2026, 10, 28, 9, 0, 0)
const EXPECTED = Date.UTC(1994, 10, 6, 8, 49, 37)

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['obsolete RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime, one-digit day', 'Sun Nov  6 08:49:37 1994'],
  ])('reads the %s format', (_, value) => {
    expect(parseHttpDate(value, NOW)).toBe(EXPECTED)
  })

  it('reads an asctime date with a two-digit day', () => {
    expect(parseHttpDate('Wed Nov 16 08:49:37 1994', NOW)).toBe(Date.UTC(1994, 10, 16, 8, 49, 37))
  })

  // Every one of these is accepted by Date.parse, which is why it is not used.
  it.each([
    ['missing comma', 'Sun 06 Nov 1994 08:49:37 GMT'],
    ['dashes in an IMF-fixdate', 'Sun, 06-Nov-1994 08:49:37 GMT'],
    ['one-digit hour', 'Sun, 06 Nov 1994 8:49:37 GMT'],
    ['one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['UTC for GMT', 'Sun, 06 Nov 1994 08:49:37 UTC'],
    ['a numeric zone', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['no zone', 'Sun, 06 Nov 1994 08:49:37'],
    ['extra spaces', 'Sun,  06 Nov 1994 08:49:37 GMT'],
    ['trailing space', 'Sun, 06 Nov 1994 08:49:37 GMT '],
    ['lower-case month (names are case-sensitive)', 'Sun, 06 nov 1994 08:49:37 GMT'],
    ['lower-case GMT', 'Sun, 06 Nov 1994 08:49:37 gmt'],
    ['long day name in IMF-fixdate', 'Sunday, 06 Nov 1994 08:49:37 GMT'],
    ['short day name in RFC 850', 'Sun, 06-Nov-94 08:49:37 GMT'],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['a number', '0'],
    ['an empty value', ''],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['30 February', 'Mon, 30 Feb 2026 08:49:37 GMT'],
    ['day 00', 'Sun, 00 Nov 1994 08:49:37 GMT'],
  ])('refuses %s', (_, value) => {
    expect(parseHttpDate(value, NOW)).toBeUndefined()
  })

  it('accepts 29 February in a leap year only', () => {
    expect(parseHttpDate('Thu, 29 Feb 2024 00:00:00 GMT', NOW)).toBe(Date.UTC(2024, 1, 29))
    expect(parseHttpDate('Sun, 29 Feb 2026 00:00:00 GMT', NOW)).toBeUndefined()
  })

  it('takes a four-digit year as written, even below 100', () => {
    expect(new Date(parseHttpDate('Mon, 01 Jan 0001 00:00:00 GMT', NOW)!).getUTCFullYear()).toBe(1)
  })

  it('reads a leap second as the last second of the minute', () => {
    expect(parseHttpDate('Wed, 31 Dec 2025 23:59:60 GMT', NOW)).toBe(
      Date.UTC(2025, 11, 31, 23, 59, 59)
    )
  })
})

describe('rfc850Year (RFC 9110 §5.6.7: more than 50 years ahead is the past)', () => {
  it.each([
    [26, 2026],
    [76, 2076],
    [77, 1977],
    [94, 1994],
    [0, 2000],
  ])('in 2026, %i is %i', (digits, year) => {
    expect(rfc850Year(digits, NOW)).toBe(year)
  })

  it('applies through parseHttpDate', () => {
    expect(parseHttpDate('Friday, 01-Jan-77 00:00:00 GMT', NOW)).toBe(Date.UTC(1977, 0, 1))
    expect(parseHttpDate('Friday, 01-Jan-76 00:00:00 GMT', NOW)).toBe(Date.UTC(2076, 0, 1))
  })
})
