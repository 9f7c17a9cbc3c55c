import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { SeriesCounter, SeriesHistogram } from './series.ts'

// The families must read exactly as prom-client's own would after the same calls: the text
// exposition byte for byte, and `get()` (what the OpenMetrics renderer and the OTLP push read).

const LABELS = ['method', 'route', 'status'] as const
const BUCKETS = [0.005, 0.01, 0.1, 1, 10]

// Values on, between and beyond the bounds, several series, label values that need escaping.
const CALLS = [
  { labels: { method: 'GET', route: '/files/{id}', status: '200' }, value: 0.005 },
  { labels: { method: 'GET', route: '/files/{id}', status: '200' }, value: 0.0051 },
  { labels: { method: 'GET', route: '/files/{id}', status: '200' }, value: 0 },
  { labels: { method: 'PUT', route: '/files/{id}', status: '200' }, value: 12 },
  { labels: { method: 'GET', route: 'a"b\\c\nd', status: '500' }, value: 1 },
  { labels: { method: 'GET', route: '/files/{id}', status: '404' }, value: 0.5 },
]

function pair<T>(make: (registry: Registry) => T) {
  const registry = new Registry()
  return { registry, metric: make(registry) }
}

describe('SeriesCounter', () => {
  it('exposes what a prom-client Counter exposes after the same increments', async () => {
    const ours = pair((r) =>
      new SeriesCounter({ name: 'x_total', help: 'X.', labelNames: LABELS }).registerIn(r)
    )
    const theirs = pair(
      (r) => new Counter({ name: 'x_total', help: 'X.', labelNames: LABELS, registers: [r] })
    )
    for (const { labels } of CALLS) {
      ours.metric.inc({ ...labels, ignored: 'not a label of this family' } as typeof labels)
      theirs.metric.inc(labels)
    }
    expect(await ours.registry.metrics()).toBe(await theirs.registry.metrics())
    expect(await ours.registry.getMetricsAsJSON()).toEqual(await theirs.registry.getMetricsAsJSON())
  })

  it('keeps the latest exemplar of a series', async () => {
    const counter = new SeriesCounter({ name: 'x_total', help: 'X.', labelNames: ['a'] })
    counter.inc({ a: '1' }, { trace_id: 'first' })
    counter.inc({ a: '1' })
    counter.inc({ a: '1' }, { trace_id: 'second' })
    const [sample] = (await counter.get()).values
    expect(sample).toMatchObject({ value: 3, exemplar: { labelSet: { trace_id: 'second' } } })
  })

  it('starts again from nothing on reset', async () => {
    const counter = new SeriesCounter({ name: 'x_total', help: 'X.', labelNames: ['a'] })
    counter.inc({ a: '1' })
    counter.reset()
    counter.inc({ a: '2' })
    expect((await counter.get()).values).toEqual([{ labels: { a: '2' }, value: 1 }])
  })
})

describe('SeriesHistogram', () => {
  it('exposes what a prom-client Histogram exposes after the same observations', async () => {
    const options = { name: 'd_seconds', help: 'D.', labelNames: LABELS, buckets: BUCKETS }
    const ours = pair((r) => new SeriesHistogram(options).registerIn(r))
    const theirs = pair((r) => new Histogram({ ...options, registers: [r] }))
    for (const { labels, value } of CALLS) {
      ours.metric.observe(labels, value)
      theirs.metric.observe(labels, value)
    }
    expect(await ours.registry.metrics()).toBe(await theirs.registry.metrics())
    expect(await ours.registry.getMetricsAsJSON()).toEqual(await theirs.registry.getMetricsAsJSON())
  })

  it('puts exemplars on the bucket of the value, +Inf included, as prom-client does', async () => {
    const options = { name: 'd_seconds', help: 'D.', labelNames: ['a'], buckets: BUCKETS }
    const ours = new SeriesHistogram(options)
    const theirs = new Histogram({ ...options, registers: [], enableExemplars: true })
    for (const value of [0.007, 99]) {
      ours.observe({ a: '1' }, value, { trace_id: `t${value}` })
      theirs.observe({ labels: { a: '1' }, value, exemplarLabels: { trace_id: `t${value}` } })
    }
    // The exemplars' timestamps are the clock's: compare all but those.
    const strip = (values: readonly object[]) =>
      values.map((value) => {
        const { exemplar, ...rest } = value as { exemplar?: object | null }
        return { ...rest, exemplar: exemplar && { ...exemplar, timestamp: 0 } }
      })
    expect(strip((await ours.get()).values)).toEqual(strip((await theirs.get()).values))
    const withExemplar = (await ours.get()).values.filter((v) => v.exemplar)
    expect(withExemplar.map((v) => v.labels.le)).toEqual([0.01, '+Inf'])
  })

  it('drops a non-finite value instead of throwing', async () => {
    const histogram = new SeriesHistogram({
      name: 'd',
      help: 'D.',
      labelNames: ['a'],
      buckets: [1],
    })
    histogram.observe({ a: '1' }, Number.NaN)
    histogram.observe({ a: '1' }, Infinity)
    expect((await histogram.get()).values).toEqual([])
  })
})
