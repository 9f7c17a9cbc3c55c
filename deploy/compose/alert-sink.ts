/**
 * The docker-compose demo's pager and ticket queue: Alertmanager's webhook receivers point here
 * (`deploy/alertmanager/alertmanager.yml`), and each notification is printed as one line, so
 * `docker compose logs -f alert-sink` shows what would have woken someone up. Runs in the
 * gateway image: `node alert-sink.ts`, no dependencies.
 */

import { createServer } from 'node:http'

const PORT = Number(process.env.ALERT_SINK_PORT ?? '9095')

interface Payload {
  status: string
  receiver: string
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[]
}

createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Payload
      for (const a of body.alerts) {
        console.log(
          `${req.url} ${a.status.toUpperCase()} ${a.labels.alertname} (${a.labels.severity}) ` +
            `${a.annotations.summary ?? ''} | codes: ${a.annotations.top_error_codes ?? '-'} | ` +
            `runbook: ${a.annotations.runbook_url ?? '-'} | dashboard: ${a.annotations.dashboard_url ?? '-'}`
        )
      }
      res.writeHead(200).end()
    } catch {
      res.writeHead(400).end()
    }
  })
}).listen(PORT, '0.0.0.0', () => console.log(`alert sink on :${PORT} (/page, /ticket)`))
