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
import type { RunningGateway } from '../../../src/server.ts'
import type { TracingSetup } from '../../../src/tracing/index.ts'
import { startTestGateway } from '../gateway.ts'

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
 * Starts a real gateway in this process (`startTestGateway`), with spans going to memory and
 * access logs on; `tracing: false` starts it as with no exporter configured.
 */
export async function startTracedGateway(
  env: Record<string, string>,
  { tracing = true } = {}
): Promise<TracedGateway> {
  const memory = tracing ? inMemoryTracing() : undefined
  const started = await startTestGateway({ LOG_LEVEL: 'info', ...env }, { tracing: memory?.setup })
  return {
    url: started.url,
    adminUrl: started.adminUrl,
    gateway: started.gateway,
    logs: started.logs,
    spans: () => memory?.exporter.getFinishedSpans() ?? [],
    async scrape(accept) {
      const res = await fetch(`${started.adminUrl}/metrics`, {
        headers: accept ? { accept } : {},
      })
      return { contentType: res.headers.get('content-type') ?? '', body: await res.text() }
    },
    close: started.close,
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
