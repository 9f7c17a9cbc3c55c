import { Agent, request } from 'undici'

export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
  /** `X-Cache-Status`, or undefined when absent. */
  readonly cache: string | undefined
}

export interface Client {
  send(
    url: string,
    options?: {
      method?: string
      headers?: Record<string, string>
      body?: string
      signal?: AbortSignal
    }
  ): Promise<Answer>
  close(): Promise<void>
}

/**
 * An HTTP client with its own connection pool (closed by `close`), sending exactly the headers
 * given: no implicit Accept or Accept-Encoding, so cache keys are what the test says.
 */
export function createClient({ connections = 256 } = {}): Client {
  const dispatcher = new Agent({ connections, keepAliveTimeout: 1_000 })
  return {
    async send(url, { method = 'GET', headers = {}, body, signal } = {}) {
      const res = await request(url, {
        method: method as 'GET',
        headers,
        body,
        dispatcher,
        signal,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      })
      const bytes = Buffer.from(await res.body.arrayBuffer())
      const cache = res.headers['x-cache-status']
      return {
        status: res.statusCode,
        headers: res.headers,
        body: bytes,
        cache: Array.isArray(cache) ? cache.join(',') : cache,
      }
    },
    close: () => dispatcher.close(),
  }
}
