/**
 * A webhook receiver for Alertmanager notifications: records every POST body (Alertmanager's
 * webhook JSON, version 4) with the path it came to, e.g. `/page` or `/ticket`.
 */

import { createServer } from 'node:http'

export interface Notification {
  readonly path: string
  readonly at: number
  readonly body: {
    receiver: string
    status: 'firing' | 'resolved'
    groupLabels: Record<string, string>
    commonLabels: Record<string, string>
    alerts: {
      status: 'firing' | 'resolved'
      labels: Record<string, string>
      annotations: Record<string, string>
    }[]
  }
}

export interface WebhookSink {
  readonly url: string
  readonly received: Notification[]
  close(): Promise<void>
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: Notification[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        at: Date.now(),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification['body'],
      })
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
