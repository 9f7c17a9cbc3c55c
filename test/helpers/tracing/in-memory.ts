import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { startFromConfig } from '../../../src/bootstrap.ts'
import { loadConfig } from '../../../src/config/index.ts'
import { createLogger } from '../../../src/logging/logger.ts'
import type { RunningGateway } from '../../../src/server.ts'
import type { TracingSetup } from '../../../src/tracing/index.ts'

export interface TracedGateway {
  readonly url: string
  readonly adminUrl: string
  readonly gateway: RunningGateway
  readonly logs: Record<string, unknown>[]
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[]
  /** `/metrics` as the given `Accept` asks; the response's content type and body. */
  scrape(accept?: string): Promise<{ contentType: string; body: string }>
  close(): Promise<void>
}

const BASE_ENV = { HOST: '127.0.0.1', PORT: '0', ADMIN_HOST: '127.0.0.1', ADMIN_PORT: '0' }

/** A tracing setup exporting to memory, with the default W3C trace context and baggage. */
export function inMemoryTracing(): { setup: TracingSetup; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  })
  return {
    exporter,
    setup: { tracerProvider: provider, propagator, forceFlush: () => provider.forceFlush() },
  }
}

/**
 * Starts a real gateway in this process through `startFromConfig`, as `npm start` does, with
 * spans going to memory; `tracing: false` starts it as with no exporter configured.
 */
export async function startTracedGateway(
  env: Record<string, string>,
  { tracing = true } = {}
): Promise<TracedGateway> {
  const config = loadConfig({ ...BASE_ENV, ...env })
  const logs: Record<string, unknown>[] = []
  const logger = createLogger('info', (line) => logs.push(JSON.parse(line)))
  const memory = tracing ? inMemoryTracing() : undefined
  const gateway = await startFromConfig(config, { logger, tracing: memory?.setup })
  return {
    url: gateway.url,
    adminUrl: gateway.adminUrl,
    gateway,
    logs,
    spans: () => memory?.exporter.getFinishedSpans() ?? [],
    async scrape(accept) {
      const res = await fetch(`${gateway.adminUrl}/metrics`, {
        headers: accept ? { accept } : {},
      })
      return { contentType: res.headers.get('content-type') ?? '', body: await res.text() }
    },
    close: () => gateway.shutdown(1_000),
  }
}

/**
 * Waits until `check` returns a value, polling every 10 ms, for at most `timeoutMs`; on failure
 * the error shows what `describe` returns.
 */
export async function eventually<T>(
  check: () => T | undefined,
  timeoutMs = 5_000,
  describe?: () => unknown
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      throw new Error(`condition not met in time: ${JSON.stringify(describe?.())}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
