// A large download through the gateway: throughput, and the gateway's RSS sampled every 50 ms
// (start, peak, end) to show that the body streams instead of being held in memory.
import { request } from 'node:http'
import { CLK_TCK, cpuTicks, rssBytes } from './proc-stats.ts'
import type { Proc } from './procs.ts'

export interface DownloadResult {
  readonly bytes: number
  readonly seconds: number
  readonly mibPerS: number
  /** CPU seconds of the measured process per GiB moved. */
  readonly cpuSPerGiB?: number
  /**
   * RSS of the measured process (bytes): before, highest while streaming, after; and its trend:
   * the least-squares slope of RSS against bytes moved, past the first 10 % of the body, in bytes
   * per GiB (a streaming proxy saws up and down around a level, ~0; one that holds the body
   * grows by about a GiB per GiB).
   */
  readonly rss?: {
    readonly start: number
    readonly peak: number
    readonly end: number
    readonly trendPerGiB: number
    /** [bytes received so far, RSS] every 50 ms. */
    readonly samples: [number, number][]
  }
  readonly status: number
}

/** Least-squares slope of y over x; 0 with fewer than 3 points. */
function slope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 3) return 0
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/** GETs `url` and throws the body away as it arrives, counting bytes into `progress`. */
function fetchAll(
  url: string,
  headers: Record<string, string>,
  progress: { bytes: number }
): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        progress.bytes = bytes
      })
      res.once('end', () => resolve([res.statusCode ?? 0, bytes]))
      res.once('error', reject)
    })
    req.once('error', reject)
    req.end()
  })
}

export async function measureDownload(
  url: string,
  headers: Record<string, string>,
  proc: Proc | undefined
): Promise<DownloadResult> {
  const pid = proc?.pid
  const progress = { bytes: 0 }
  const samples: [number, number][] = []
  const sample = () => {
    if (pid !== undefined) samples.push([progress.bytes, rssBytes(pid)])
  }
  const start = pid === undefined ? 0 : rssBytes(pid)
  const cpu0 = pid === undefined ? 0 : cpuTicks(pid)
  const timer = setInterval(sample, 50)
  const t0 = process.hrtime.bigint()
  let status: number
  let bytes: number
  try {
    ;[status, bytes] = await fetchAll(url, headers, progress)
  } finally {
    clearInterval(timer)
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  sample()
  const cpuS = pid === undefined ? 0 : (cpuTicks(pid) - cpu0) / CLK_TCK
  const gib = bytes / 2 ** 30
  const peak = Math.max(start, ...samples.map(([, rss]) => rss))
  const trendPerGiB = slope(samples.filter(([b]) => b >= bytes / 10)) * 2 ** 30
  return {
    bytes,
    seconds,
    mibPerS: bytes / 2 ** 20 / seconds,
    status,
    ...(pid === undefined
      ? {}
      : {
          cpuSPerGiB: gib > 0 ? cpuS / gib : NaN,
          rss: { start, peak, end: rssBytes(pid), trendPerGiB, samples },
        }),
  }
}
