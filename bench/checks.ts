// The targets of issues 2, 3 and 4, checked against a run: met, missed, or not measured.
import type { DownloadRow, Row, Check } from './report.ts'
import { fmt } from './report.ts'
import type { Settings } from './settings.ts'

export function targetChecks(
  find: (key: string, id: string) => Row | undefined,
  downloads: readonly DownloadRow[],
  settings: Settings
): Check[] {
  const checks: Check[] = []
  const ratio = (row: Row | undefined, name: string) => row?.ratios[name]
  const add = (
    name: string,
    value: number | undefined,
    target: string,
    ok: (v: number) => boolean,
    show: (v: number) => string
  ) =>
    checks.push({
      name,
      measured: value === undefined || !Number.isFinite(value) ? '–' : show(value),
      target,
      ok: value === undefined || !Number.isFinite(value) ? undefined : ok(value),
    })
  const x = (v: number) => `${v.toFixed(2)}×`
  add(
    'gateway throughput / nginx proxy_pass (0 ms)',
    ratio(find('proxy', 'gateway'), '×nginx'),
    '≥ 0.5×',
    (v) => v >= 0.5,
    x
  )
  add(
    `gateway throughput / nginx proxy_pass (${settings.latencyMs} ms)`,
    ratio(find('latency', 'gateway'), '×nginx'),
    '≥ 0.5×',
    (v) => v >= 0.5,
    x
  )
  add(
    `p50 added over direct, moderate load (${settings.latencyMs} ms upstream)`,
    find('latency', 'gateway')?.addedP50Ms,
    '< 1 ms',
    (v) => v < 1,
    (v) => `${v.toFixed(2)} ms`
  )
  let rssMax: { mb: number; where: string } | undefined
  for (const key of ['proxy', 'latency', 'cache', 'cache-latency', 'tracing']) {
    for (const id of ['gateway', 'gateway-memory', 'gateway-redis', 'tracing-none', 'tracing-on']) {
      const row = find(key, id)
      if (row?.rssPeakMb !== undefined && (!rssMax || row.rssPeakMb > rssMax.mb)) {
        rssMax = { mb: row.rssPeakMb, where: `${key}: ${row.label}` }
      }
    }
  }
  add(
    'gateway peak RSS under load (highest row)',
    rssMax?.mb,
    '< 150 MB',
    (v) => v < 150,
    (v) => `${v.toFixed(0)} MB (${rssMax!.where})`
  )
  for (const d of downloads.filter((d) => d.label.startsWith('gateway'))) {
    const rss = d.result?.rss
    add(
      `RSS flat while streaming ${fmt.int(settings.downloadBytes / 2 ** 20)} MiB, ${d.label}`,
      rss && d.status === 'ok' ? rss.trendPerGiB / 1e6 : undefined,
      'no trend with bytes moved: |slope| < 64 MB per GiB',
      (v) => Math.abs(v) < 64,
      (v) =>
        `${v >= 0 ? '+' : ''}${v.toFixed(1)} MB per GiB (start ${fmt.mb(rss!.start / 1e6)}, peak ${fmt.mb(rss!.peak / 1e6)}, end ${fmt.mb(rss!.end / 1e6)} MB)`
    )
  }
  add(
    'cache hit (Redis) / nginx proxy_cache hit',
    ratio(find('cache', 'gateway-redis'), '×nginx cache'),
    '≥ 0.6×',
    (v) => v >= 0.6,
    x
  )
  add(
    'cache hit (memory) / nginx proxy_cache hit',
    ratio(find('cache', 'gateway-memory'), '×nginx cache'),
    '≥ 0.6×',
    (v) => v >= 0.6,
    x
  )
  add(
    `cache hit p50 (Redis), ${settings.latencyMs} ms upstream`,
    find('cache-latency', 'gateway-redis')?.p50Ms,
    '< 2 ms',
    (v) => v < 2,
    (v) => `${v.toFixed(2)} ms`
  )
  add(
    `cache hit p50 (memory), ${settings.latencyMs} ms upstream`,
    find('cache-latency', 'gateway-memory')?.p50Ms,
    '< 2 ms',
    (v) => v < 2,
    (v) => `${v.toFixed(2)} ms`
  )
  const on = find('tracing', 'tracing-on')
  add(
    'tracing on (every request sampled): throughput cost vs no exporter',
    on?.status === 'ok' ? 1 - (ratio(on, '×no exporter') ?? NaN) : undefined,
    '< 15 %',
    (v) => v < 0.15,
    (v) => `${(v * 100).toFixed(1)} %`
  )
  add(
    'no exporter: throughput cost vs SDK disabled',
    1 - (ratio(find('tracing', 'tracing-none'), '×SDK disabled') ?? NaN),
    '< 3 %',
    (v) => v < 0.03,
    (v) => `${(v * 100).toFixed(1)} %`
  )
  return checks
}
