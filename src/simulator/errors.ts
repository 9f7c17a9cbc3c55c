import { randomBytes } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { DRIVE_ERROR_CODES, DRIVE_STATUSES, STATUS_ONLY_CODES } from '../labels/drive-codes.ts'
import type { BodyVariant, ErrorShape } from './controls.ts'

/** Size of an `x-sim-body: huge` error body unless `x-sim-size` says otherwise. */
export const HUGE_BODY_BYTES = 10 * 1024 * 1024

/** The code and message an error response carries. */
export interface DriveError {
  readonly code: string
  readonly message: string
}

const REASONS = new Map(DRIVE_STATUSES.map((s) => [s.status, s.reason]))
const FIRST_CODE = new Map<number, DriveError>()
for (const entry of DRIVE_ERROR_CODES) {
  if (!FIRST_CODE.has(entry.status)) FIRST_CODE.set(entry.status, entry)
}
const MESSAGES = new Map(DRIVE_ERROR_CODES.map((e) => [e.code, e.message]))

/** The seed table's reason phrase (598 `Long Running Transaction`), else Node's, else `Unknown`. */
export function reasonPhrase(status: number): string {
  return REASONS.get(status) ?? STATUS_CODES[status] ?? 'Unknown'
}

/**
 * The error a status answers with by default: the seed's first code for it, a status-only code
 * (405, 406, 429), or a code made from the reason phrase (`502` → `BAD_GATEWAY`).
 */
export function defaultError(status: number, code?: string): DriveError {
  if (code !== undefined) {
    return { code, message: MESSAGES.get(code) ?? `Simulated ${code}` }
  }
  const seed = FIRST_CODE.get(status)
  if (seed) return { code: seed.code, message: seed.message }
  const reason = reasonPhrase(status)
  const made = STATUS_ONLY_CODES[status] ?? reason.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
  return { code: made === 'UNKNOWN' ? `HTTP_${status}` : made, message: reason }
}

let randomCodes = 0

function errorObject(
  error: DriveError,
  shape: ErrorShape,
  variants: ReadonlySet<BodyVariant>
): Record<string, unknown> {
  let code: string = error.code
  if (variants.has('bad-code')) code = `bad code/${'x'.repeat(64)}`
  if (variants.has('random-code')) {
    code = `RANDOM_${(randomCodes++).toString(36)}_${randomBytes(4).toString('hex').toUpperCase()}`
  }
  if (variants.has('numeric-code')) {
    const numeric = /^\d{1,15}$/.test(code) ? Number(code) : 28
    return { errorCode: numeric, errorMessage: error.message }
  }
  const body: Record<string, unknown> =
    shape === 'v2'
      ? { code, description: error.message }
      : shape === 'gateway'
        ? { errorCode: code, errorMessage: error.message }
        : { domain: 'drive', code, message: error.message }
  // `errorCode` first: a reader that takes the first code it sees, not `code`, gets it wrong.
  return variants.has('both-codes')
    ? { errorCode: '028', errorMessage: 'Authentication header not exists', ...body, code }
    : body
}

/** An error body: one buffer, or for `huge` a padding field whose length puts the code at the end. */
export type ErrorBody =
  | { readonly kind: 'buffer'; readonly bytes: Buffer }
  | {
      readonly kind: 'huge'
      readonly head: Buffer
      readonly padding: number
      readonly tail: Buffer
    }

/** Builds the error body for a status, in a shape, with the `x-sim-body` content variants. */
export function errorBody(
  error: DriveError,
  shape: ErrorShape,
  variants: ReadonlySet<BodyVariant>,
  size = HUGE_BODY_BYTES
): ErrorBody {
  const json = JSON.stringify(errorObject(error, shape, variants))
  if (!variants.has('huge')) return { kind: 'buffer', bytes: Buffer.from(json) }
  const head = Buffer.from('{"padding":"')
  const tail = Buffer.from(`",${json.slice(1)}`)
  return { kind: 'huge', head, tail, padding: Math.max(0, size - head.length - tail.length) }
}

/** Code-bearing variants make an error body even on a route that would succeed. */
export function wantsErrorBody(variants: ReadonlySet<BodyVariant>): boolean {
  return (
    variants.has('huge') ||
    variants.has('bad-code') ||
    variants.has('random-code') ||
    variants.has('numeric-code') ||
    variants.has('both-codes')
  )
}
