/**
 * Strict HTTP-date parsing (RFC 9110 §5.6.7). Only the three formats the grammar allows are
 * read: IMF-fixdate, the obsolete RFC 850 form and ANSI C's asctime. `Date.parse` accepts far
 * more (a missing comma, dashes, a one-digit hour, `UTC` for `GMT`, extra spaces, local time),
 * and reading such a value as a date would give a response a lifetime its origin never stated.
 * Pure: the current time is passed in (the RFC 850 century depends on it).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const DAY_LONG = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'

// Names, "GMT" and the single spaces are case- and byte-exact (RFC 9110 §5.6.7).
// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
// rfc850-date: `Sunday, 06-Nov-94 08:49:37 GMT`
const RFC850 = new RegExp(`^${DAY_LONG}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
// asctime-date: `Sun Nov  6 08:49:37 1994` (the day is two digits or a space and one digit)
const ASCTIME = new RegExp(`^${DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`)

/**
 * The instant an HTTP-date names, in epoch milliseconds, or undefined when the value is not an
 * HTTP-date. The weekday must be a valid name but is not checked against the date (the day,
 * month and year say which day it is; RFC 9110 gives the weekday no meaning of its own).
 *
 * @param now epoch ms, for the century of a two-digit RFC 850 year
 * @example
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', Date.now()) // 784111777000
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 UTC', Date.now()) // undefined
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(value)
  if (m) return instant(Number(m[4]), m[3]!, Number(m[2]), m[5]!, m[6]!, m[7]!)
  m = RFC850.exec(value)
  if (m) return instant(rfc850Year(Number(m[4]), now), m[3]!, Number(m[2]), m[5]!, m[6]!, m[7]!)
  m = ASCTIME.exec(value)
  if (m) return instant(Number(m[7]), m[2]!, Number(m[3]!.trim()), m[4]!, m[5]!, m[6]!)
  return undefined
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future is the most
 * recent past year with those digits.
 */
export function rfc850Year(twoDigits: number, now: number): number {
  const current = new Date(now).getUTCFullYear()
  let year = current - (current % 100) + twoDigits
  if (year > current + 50) year -= 100
  return year
}

function instant(
  year: number,
  monthName: string,
  day: number,
  hh: string,
  mm: string,
  ss: string
): number | undefined {
  const month = MONTHS.indexOf(monthName)
  const [hour, minute, second] = [Number(hh), Number(mm), Number(ss)]
  // time-of-day: hour 00–23, minute 00–59, second 00–60 (a leap second, RFC 9110 §5.6.7).
  if (hour > 23 || minute > 59 || second > 60) return undefined
  if (day < 1 || day > daysIn(year, month)) return undefined
  // Date.UTC reads years 0–99 as 1900–1999; setting the full year afterwards does not.
  const date = new Date(Date.UTC(2000, month, day, hour, minute, Math.min(second, 59)))
  return date.setUTCFullYear(year, month, day)
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
}
