import type { Socket } from 'node:net'

/** A share of requests answered with an error, e.g. 1 % 503, or 0.5 % 598 after 30 s. */
export interface FaultRate {
  readonly status: number
  /** Error code; the seed code for the status when absent. */
  readonly code?: string
  /** Probability in [0, 1]; the rates of one simulator add up to at most 1. */
  readonly rate: number
  /** Delay before the error's headers; replaces the latency distribution for that request. */
  readonly delayMs?: number
}

/** Fixed added latency, or a log-normal distribution given by its median and 99th percentile. */
export type Latency = number | { readonly p50: number; readonly p99: number }

/** Checks fault rates once at start-up, with messages naming the bad entry. */
export function validateFaultRates(rates: readonly FaultRate[]): void {
  let total = 0
  rates.forEach((fault, i) => {
    if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 999) {
      throw new TypeError(`expected faultRates[${i}].status to be 100-999, got ${fault.status}`)
    }
    if (!(fault.rate >= 0 && fault.rate <= 1)) {
      throw new TypeError(`expected faultRates[${i}].rate to be in [0, 1], got ${fault.rate}`)
    }
    if (fault.delayMs !== undefined && !(fault.delayMs >= 0)) {
      throw new TypeError(`expected faultRates[${i}].delayMs to be >= 0, got ${fault.delayMs}`)
    }
    total += fault.rate
  })
  if (total > 1 + 1e-9) throw new TypeError(`expected fault rates to add up to <= 1, got ${total}`)
}

/** One draw of `random()` picks at most one fault: the rates partition [0, 1). */
export function pickFault(
  rates: readonly FaultRate[],
  random: () => number
): FaultRate | undefined {
  if (rates.length === 0) return undefined
  const r = random()
  let edge = 0
  for (const fault of rates) {
    edge += fault.rate
    if (r < edge) return fault
  }
  return undefined
}

// z-score of the 99th percentile of the standard normal distribution.
const Z99 = 2.3263478740408408

/**
 * Returns a sampler of added latency in ms. A distribution is log-normal with the given median
 * and p99 (latency is skewed right; a normal would give negative delays); samples are capped at
 * 4 × p99 so one unlucky draw cannot stall a benchmark.
 */
export function latencySampler(latency: Latency, random: () => number): () => number {
  if (typeof latency === 'number') {
    if (!(latency >= 0)) throw new TypeError(`expected latencyMs to be >= 0, got ${latency}`)
    return () => latency
  }
  const { p50, p99 } = latency
  if (!(p50 >= 0 && p99 >= p50)) {
    throw new TypeError(`expected latencyMs to have 0 <= p50 <= p99, got ${p50}/${p99}`)
  }
  if (p50 === 0 || p99 === p50) return () => p50
  const mu = Math.log(p50)
  const sigma = (Math.log(p99) - mu) / Z99
  return () => {
    // Box–Muller; 1 - random() keeps the logarithm's argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    return Math.min(Math.exp(mu + sigma * z), 4 * p99)
  }
}

/** `x-sim-fault: reset`: a TCP RST, so the client sees ECONNRESET, not a clean close. */
export function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy()
  else socket.destroy()
}

/** `x-sim-fault: bad-status`: a status line no HTTP client accepts (status outside 100–999). */
export function writeBadStatus(socket: Socket): void {
  const body = '{"domain":"drive","code":"WEIRD","message":"Weird"}'
  socket.write(
    `HTTP/1.1 1000 Weird\r\ncontent-type: application/json;charset=UTF-8\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`
  )
  socket.destroySoon()
}

/** `x-sim-fault: garbage`: bytes that are not HTTP at all, then the connection closes. */
export function writeGarbage(socket: Socket): void {
  socket.write(Buffer.from('\u0000\u0001\u0002SSH-2.0-not-http\r\n\u00ff\u00fe garbage \r\n\r\n'))
  socket.destroySoon()
}
