import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  TraceFlags,
  type TracerProvider,
} from '@opentelemetry/api'
import type { MiddlewareHandler } from 'hono'
import pkg from '../../package.json' with { type: 'json' }
import type { TracingHooks } from '../app.ts'
import type { Exchange } from '../exchange/exchange.ts'
import type { GatewayEnv } from '../exchange/stage.ts'
import type { UpstreamObserver } from '../proxy/observer.ts'
import {
  clientEnd,
  clientSpanName,
  clientStartAttributes,
  type LogPaths,
  serverEnd,
  serverSpanName,
  serverStartAttributes,
  type SpanError,
} from './attributes.ts'
import {
  flatHeaderSetter,
  incomingHeaderGetter,
  parseTraceparent,
  removeHeader,
} from './trace-context.ts'

export interface SpanTracingOptions {
  readonly tracerProvider: TracerProvider
  readonly propagator: TextMapPropagator
  readonly logPaths: LogPaths
  /** `ERROR_CODE_LABEL_CAP`: span error codes are bounded exactly as the metric label is. */
}

interface RequestTrace {
  readonly span: Span
  /** The caller's context with the server span in it: the parent of client spans. */
  readonly context: Context
}

const endNothing = () => {}

function recordError(span: Span, error: SpanError | undefined): void {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
}

/**
 * Tracing with spans (docs/architecture.md, "Tracing"): one SERVER span per request, from the
 * caller's trace context, ended when the response has finished (the proxy writes to Node's response
 * itself, so not after `next()`), and one CLIENT span per upstream call, whose context is sent
 * upstream. Only `@opentelemetry/api` is used: the provider and propagator are injected.
 *
 * @example
 * const tracing = spanTracing({ tracerProvider, propagator, logPaths: 'template' })
 * createApp(config, { ...deps, tracing })
 */
export function spanTracing(options: SpanTracingOptions): TracingHooks {
  const { propagator, logPaths } = options
  const tracer = options.tracerProvider.getTracer(pkg.name, pkg.version)
  // Fields this gateway writes upstream; baggage is not among them: it passes through as sent.
  const owned = propagator.fields().filter((field) => field !== 'baggage')
  const traceOf = (exchange: Exchange) => exchange.trace as RequestTrace | undefined
  // Only the span goes into the injected context: without the caller's baggage there, the
  // baggage propagator writes nothing and the client's `baggage` header reaches the upstream
  // byte for byte.
  const inject = (span: Span, headers: string[]) =>
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, flatHeaderSetter)

  const stage: MiddlewareHandler<GatewayEnv> = async function traceRequest(c, next) {
    const exchange = c.get('exchange')
    const incoming = c.env.incoming
    const headers = incoming.headers
    const parent = propagator.extract(ROOT_CONTEXT, headers, incomingHeaderGetter)
    // The exchange's clock, so the span lasts exactly what the duration histogram records.
    const span = tracer.startSpan(
      serverSpanName(exchange),
      { kind: SpanKind.SERVER, startTime: exchange.startedAt },
      parent
    )
    // Attributes only on spans that record: the SDK validates and copies every attribute given
    // to startSpan, twice, whether the span is sampled or not. The samplers OTEL_TRACES_SAMPLER
    // offers decide on the trace id and parent alone.
    const requestTrace: RequestTrace = { span, context: trace.setSpan(parent, span) }
    exchange.trace = requestTrace
    // A span that does not record has nothing to end either: no listener for it.
    if (span.isRecording()) {
      const scheme = 'encrypted' in incoming.socket ? 'https' : 'http'
      span.setAttributes(serverStartAttributes(exchange, { scheme, host: headers.host }, logPaths))
      exchange.onDone((outcome, labels) => {
        const { attributes, error } = serverEnd(outcome, labels, exchange.gatewayError)
        span.setAttributes(attributes)
        recordError(span, error)
        span.end(exchange.startedAt + outcome.durationSeconds * 1000)
      })
    }
    await next()
  }

  const upstreamObserver: UpstreamObserver = {
    start(exchange, { upstream, method, headers }) {
      const requestTrace = traceOf(exchange)
      for (const field of owned) removeHeader(headers, field)
      // A request whose trace is not sampled has no span of its own to pass on: the upstream is
      // told the server span's context (not sampled), and no CLIENT span is made that nobody
      // would receive.
      if (requestTrace && !requestTrace.span.isRecording()) {
        inject(requestTrace.span, headers)
        return endNothing
      }
      const parent = requestTrace?.context ?? ROOT_CONTEXT
      const span = tracer.startSpan(clientSpanName(method), { kind: SpanKind.CLIENT }, parent)
      if (span.isRecording()) {
        span.setAttributes(clientStartAttributes(upstream, method, exchange, logPaths))
      }
      inject(span, headers)
      return (result) => {
        if (span.isRecording()) {
          const { attributes, error } = clientEnd(result)
          span.setAttributes(attributes)
          recordError(span, error)
        }
        span.end()
      }
    },
  }

  return {
    stage,
    upstreamObserver,
    traceIdsOf(exchange) {
      const context = traceOf(exchange)?.span.spanContext()
      return context && { trace_id: context.traceId, span_id: context.spanId }
    },
    exemplarOf(exchange) {
      const context = traceOf(exchange)?.span.spanContext()
      // Only sampled spans are exported: an exemplar must point at a trace that exists.
      if (!context || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined
      return { trace_id: context.traceId, span_id: context.spanId }
    },
  }
}

/**
 * Tracing without an exporter (docs/architecture.md, "Tracing"): no spans at all, so the caller's
 * trace is not broken by spans nobody receives; its trace headers pass upstream untouched, and the
 * access log still carries its trace id.
 */
export function passthroughTracing(): TracingHooks {
  return {
    traceIdsOf(exchange) {
      // Parsed only when a log line is written; most requests carry none.
      const parsed = parseTraceparent(exchange.requestHeaders.traceparent)
      return parsed && { trace_id: parsed.traceId }
    },
  }
}
