import { expect } from 'vitest'
import type { TestGateway } from '../gateway.ts'
import { createClient, type Answer, type Client } from './client.ts'
import { startCachingGateway } from './gateway.ts'
import { startOrigin, type Origin } from './origin.ts'

export const ALICE = { authorization: 'Bearer alice' }
export const BOB = { authorization: 'Bearer bob', consumerKey: 'bob-app' }
export type Caller = Record<string, string>

/** A Redis-backed gateway in front of a recording origin, with helpers for write tests. */
export interface WriteRig {
  readonly origin: Origin
  readonly gateway: TestGateway
  readonly client: Client
  send(
    path: string,
    who: Caller,
    method?: string,
    body?: string,
    headers?: Record<string, string>
  ): Promise<Answer>
  /** Caches `path` for each caller and checks that the next lookup is a HIT. */
  warm(path: string, callers?: readonly Caller[]): Promise<void>
  /** `X-Cache-Status` of a lookup of `path` by each caller, in order. */
  statuses(path: string, callers?: readonly Caller[]): Promise<(string | undefined)[]>
  close(): Promise<void>
}

export async function startWriteRig(env: Record<string, string> = {}): Promise<WriteRig> {
  const origin = await startOrigin()
  const gateway = await startCachingGateway(origin.url, env)
  const client = createClient()
  const send: WriteRig['send'] = (path, who, method = 'GET', body, headers = {}) =>
    client.send(`${gateway.url}${path}`, { method, headers: { ...who, ...headers }, body })
  return {
    origin,
    gateway,
    client,
    send,
    async warm(path, callers = [ALICE, BOB]) {
      for (const who of callers) await send(path, who)
      for (const who of callers) expect((await send(path, who)).cache, path).toBe('HIT')
    },
    async statuses(path, callers = [ALICE, BOB]) {
      const seen = []
      for (const who of callers) seen.push((await send(path, who)).cache)
      return seen
    },
    async close() {
      await client.close()
      await gateway.close()
      await origin.close()
    },
  }
}
