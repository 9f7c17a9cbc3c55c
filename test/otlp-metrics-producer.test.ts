import { emptyResource } from '@opentelemetry/resources'
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createPromMetricProducer, unitOf } from '../src/telemetry/prom-producer.ts'

// The conversion of src/telemetry/prom-producer.ts on a registry of known values.

async function collect(registry: Registry): Promise<Map<string, MetricData>> {
  const producer = createPromMetricProducer({
    registry,
    resource: emptyResource(),
    scope: { name: 'test', version: '1' },
    startTime: [100, 0],
    now: () => [200, 0],
  })
  const { resourceMetrics, errors } = await producer.collect()
  expect(errors).toEqual([])
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
  return new Map(metrics.map((m) => [m.descriptor.name, m]))
}

describe('createPromMetricProducer', () => {
  it('turns a counter into a monotonic cumulative sum, labels as strings', async () => {
    const registry = new Registry()
    const c = new Counter({ name: 'x_requests_total', help: 'Requests.', labelNames: ['code', 'route'], registers: [registry] }) // prettier-ignore
    c.inc({ code: 200, route: '/a' }, 3)
    c.inc({ code: 500 })
    const metric = (await collect(registry)).get('x_requests_total')!
    expect(metric).toMatchObject({
      descriptor: { name: 'x_requests_total', description: 'Requests.', unit: '' },
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
    })
    expect(metric.dataPoints).toEqual([
      { startTime: [100, 0], endTime: [200, 0], attributes: { code: '200', route: '/a' }, value: 3 }, // prettier-ignore
      { startTime: [100, 0], endTime: [200, 0], attributes: { code: '500' }, value: 1 },
    ])
  })

  it('keeps a gauge a gauge, unlabelled or not', async () => {
    const registry = new Registry()
    new Gauge({ name: 'x_up', help: 'Up.', registers: [registry] }).set(0)
    const metric = (await collect(registry)).get('x_up')!
    expect(metric.dataPointType).toBe(DataPointType.GAUGE)
    expect(metric.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{}, 0]])
  })

  it('regroups a histogram per series, with its bounds and per-bucket counts', async () => {
    const registry = new Registry()
    const h = new Histogram({ name: 'x_duration_seconds', help: 'D.', labelNames: ['m'], buckets: [0.1, 1, 10], registers: [registry] }) // prettier-ignore
    for (const v of [0.05, 0.1, 0.5, 1, 20, 20]) h.observe({ m: 'GET' }, v)
    h.observe({ m: 'PUT' }, 5)
    const metric = (await collect(registry)).get('x_duration_seconds')!
    expect(metric.descriptor.unit).toBe('s')
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM)
    expect(metric.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE)
    expect(metric.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ m: 'GET' }, { buckets: { boundaries: [0.1, 1, 10], counts: [2, 2, 0, 2] }, sum: 41.65, count: 6 }], // prettier-ignore
      [{ m: 'PUT' }, { buckets: { boundaries: [0.1, 1, 10], counts: [0, 0, 1, 0] }, sum: 5, count: 1 }], // prettier-ignore
    ])
  })

  it('reads the registry anew on every collection', async () => {
    const registry = new Registry()
    const c = new Counter({ name: 'x_total', help: 'X.', registers: [registry] })
    c.inc()
    expect((await collect(registry)).get('x_total')!.dataPoints[0]!.value).toBe(1)
    c.inc()
    expect((await collect(registry)).get('x_total')!.dataPoints[0]!.value).toBe(2)
  })
})

it.each([
  ['http_server_request_duration_seconds', 's'],
  ['process_cpu_seconds_total', 's'],
  ['process_resident_memory_bytes', 'By'],
  ['nodejs_heap_space_size_total_bytes', 'By'],
  ['x_hit_ratio', '1'],
  ['drive_gateway_responses_total', ''],
  ['drive_gateway_build_info', ''],
])('unitOf(%s) is %o', (name, unit) => {
  expect(unitOf(name)).toBe(unit)
})
