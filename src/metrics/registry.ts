import { collectDefaultMetrics, Registry } from 'prom-client'
import pkg from '../../package.json' with { type: 'json' }
import { defineMetrics, type GatewayMetrics } from './definitions.ts'

export interface MetricsRegistry {
  readonly registry: Registry
  readonly metrics: GatewayMetrics
  /** The exposition for a scrape; plain text (version 0.0.4). */
  render(accept: string | undefined): Promise<{ body: string; contentType: string }>
}

/**
 * A fresh registry per gateway (tests start many), holding the gateway's metrics and prom-client's
 * default process metrics. Never prom-client's global registry.
 */
export function createMetricsRegistry({ defaultMetrics = true } = {}): MetricsRegistry {
  const registry = new Registry()
  if (defaultMetrics) collectDefaultMetrics({ register: registry })
  const metrics = defineMetrics(registry)
  metrics.buildInfo.set({ version: pkg.version, node_version: process.version }, 1)
  return {
    registry,
    metrics,
    async render() {
      return { body: await registry.metrics(), contentType: registry.contentType }
    },
  }
}
