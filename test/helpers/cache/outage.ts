import { setTimeout as sleep } from 'node:timers/promises'
import type { Client } from './client.ts'

/** One answer seen while a store node was down or coming back. */
export interface Probe {
  /** `performance.now()` when the answer arrived. */
  readonly at: number
  readonly path: string
  readonly status: number
  readonly cache: string | undefined
}

export interface ProbeRun {
  readonly probes: Probe[]
  /** The first probe of `path` after `since` with `X-Cache-Status: HIT`. */
  firstHit(path: string, since?: number): Probe | undefined
}

/**
 * Sends one GET of each path every `everyMs` (a round at a time, paths in parallel) until
 * `done` holds for the answers so far, recording every answer; throws with what it saw after
 * `maxMs`. Like clients of a gateway whose store is failing, it never stops asking.
 */
export async function probeUntil(
  client: Client,
  baseUrl: string,
  paths: readonly string[],
  headers: Record<string, string>,
  done: (run: ProbeRun) => boolean,
  { everyMs = 50, maxMs = 20_000 } = {}
): Promise<ProbeRun> {
  const probes: Probe[] = []
  const run: ProbeRun = {
    probes,
    firstHit: (path, since = -Infinity) =>
      probes.find((p) => p.path === path && p.at >= since && p.cache === 'HIT'),
  }
  const deadline = performance.now() + maxMs
  while (!done(run)) {
    if (performance.now() > deadline)
      throw new Error(`gave up after ${maxMs} ms; saw ${summary(probes)}`)
    const answers = await Promise.all(
      paths.map(async (path) => {
        const answer = await client.send(`${baseUrl}${path}`, { headers })
        return { at: performance.now(), path, status: answer.status, cache: answer.cache }
      })
    )
    probes.push(...answers)
    await sleep(everyMs)
  }
  return run
}

/** `HIT×3 UNAVAILABLE×12 MISS×1 HIT×4`: the sequence of cache statuses, run-length encoded. */
export function summary(probes: readonly Probe[]): string {
  const runs: [string, number][] = []
  for (const p of probes) {
    const label = p.status === 200 ? String(p.cache) : `${p.status}/${p.cache}`
    const last = runs.at(-1)
    if (last?.[0] === label) last[1]++
    else runs.push([label, 1])
  }
  return runs.map(([label, n]) => `${label}×${n}`).join(' ')
}

/** The sum of `drive_gateway_cache_store_errors_total` over its operations, from a scrape. */
export function storeErrors(scrape: string): number {
  let total = 0
  for (const line of scrape.split('\n'))
    if (line.startsWith('drive_gateway_cache_store_errors_total{'))
      total += Number(line.slice(line.lastIndexOf(' ') + 1))
  return total
}
