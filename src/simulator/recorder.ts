import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** One request as it reached the simulator. */
export interface SimulatorRequestRecord {
  method: string
  url: string
  headers: IncomingHttpHeaders
  /** Flat `[name, value, …]` as received: order, case and repeats kept. */
  rawHeaders: string[]
  bodyBytes: number
  /** True when the client went away before the request body ended. */
  aborted: boolean
}

/** The simulator's memory of requests, bounded so a long benchmark cannot grow it forever. */
export interface Recorder {
  readonly requests: SimulatorRequestRecord[]
  record(req: IncomingMessage, bodyBytes: number, aborted: boolean): void
  onRequest(listener: (r: SimulatorRequestRecord) => void): () => void
  countRequests(filter?: (r: SimulatorRequestRecord) => boolean): number
  reset(): void
}

/** Keeps at most `maxRecords` records (0: none); listeners and the total see every request. */
export function createRecorder(maxRecords: number): Recorder {
  const requests: SimulatorRequestRecord[] = []
  const listeners = new Set<(r: SimulatorRequestRecord) => void>()
  let total = 0
  return {
    requests,
    record(req, bodyBytes, aborted) {
      const entry: SimulatorRequestRecord = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyBytes,
        aborted,
      }
      total++
      if (maxRecords > 0) {
        // Dropping the older half at once is O(1) amortized; shift() per request is O(n).
        if (requests.length >= maxRecords) requests.splice(0, Math.ceil(maxRecords / 2))
        requests.push(entry)
      }
      for (const listener of listeners) {
        try {
          listener(entry)
        } catch (error) {
          // A failing listener is the test's bug: surface it without breaking this response.
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    onRequest(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    countRequests(filter) {
      return filter ? requests.filter(filter).length : total
    },
    reset() {
      requests.length = 0
      total = 0
    },
  }
}
