import type { TrafficStats } from './traffic.ts'

interface Series {
  labels: Record<string, string>
  value: number
}

function parse(exposition: string, name: string): Series[] {
  const out: Series[] = []
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name + '{')) continue
    const labels: Record<string, string> = {}
    for (const m of line
      .slice(name.length + 1, line.lastIndexOf('}'))
      .matchAll(/(\w+)="([^"]*)"/g)) {
      labels[m[1]!] = m[2]!
    }
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) })
  }
  return out
}

function percentile(sorted: number[], p: number): string {
  if (sorted.length === 0) return '-'
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1)
}

/** A compact terminal summary built from the gateway's own /metrics, plus client latencies. */
export function renderSummary(exposition: string, traffic: TrafficStats): string {
  const responses = parse(exposition, 'drive_gateway_responses_total')
  const byStatus = new Map<string, number>()
  const byCache = new Map<string, number>()
  for (const { labels, value } of responses) {
    const key = `${labels.http_response_status_code} ${labels.drive_error_code || ''}`.trim()
    byStatus.set(key, (byStatus.get(key) ?? 0) + value)
    byCache.set(labels.drive_cache_status!, (byCache.get(labels.drive_cache_status!) ?? 0) + value)
  }
  const sorted = [...traffic.latenciesMs].sort((a, b) => a - b)
  const rows = [...byStatus].sort(([a], [b]) => a.localeCompare(b))
  return [
    `requests sent ${traffic.sent}, client errors ${traffic.failed}`,
    `latency ms (last ${sorted.length}): p50 ${percentile(sorted, 50)}  p90 ${percentile(sorted, 90)}  p99 ${percentile(sorted, 99)}`,
    `cache: ${[...byCache].map(([k, v]) => `${k} ${v}`).join('  ')}`,
    'status / drive_error_code:',
    ...rows.map(([key, value]) => `  ${key.padEnd(34)} ${String(value).padStart(7)}`),
  ].join('\n')
}
