import type { Attributes, HrTime } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics'
import { ValueType } from '@opentelemetry/api'
import type { Registry } from 'prom-client'

// What `registry.getMetricsAsJSON()` returns at run time (prom-client's typings are looser).
type Labels = Record<string, string | number | undefined>
type Sample = { value: number; labels: Labels; metricName?: string }
type Family = { name: string; help: string; type: string; values: Sample[] }

/**
 * The OTLP unit of a Prometheus name, from its base-unit suffix (prometheus.io naming practices;
 * the OpenTelemetry "Prometheus and OpenMetrics Compatibility" spec maps `s`, `By` and `1` to
 * these suffixes). A backend that adds suffixes from the unit, as Prometheus's OTLP receiver
 * does by default, then finds them already there and keeps the name as `/metrics` has it.
 */
export function unitOf(name: string): string {
  const base = name.replace(/_total$/, '')
  if (base.endsWith('_seconds')) return 's'
  if (base.endsWith('_bytes')) return 'By'
  if (base.endsWith('_ratio')) return '1'
  return ''
}

/** Label values as Prometheus has them: strings, unset ones left out. */
function attributesOf(labels: Labels, drop?: string): Attributes {
  const attributes: Attributes = {}
  for (const [name, value] of Object.entries(labels)) {
    if (value === undefined || name === drop) continue
    attributes[name] = String(value)
  }
  return attributes
}

// A series' identity: its label names and values in a stable order.
function seriesKey(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function numberPoints(family: Family, startTime: HrTime, endTime: HrTime): DataPoint<number>[] {
  return family.values.map((sample) => ({
    startTime,
    endTime,
    attributes: attributesOf(sample.labels),
    value: sample.value,
  }))
}

/**
 * prom-client's `_bucket` (cumulative, with `le`), `_sum` and `_count` samples, regrouped into
 * one OTLP histogram point per series: the same bounds, and per-bucket counts as OTLP wants
 * them (opentelemetry-proto metrics.proto, `HistogramDataPoint.bucket_counts`).
 */
function histogramPoints(
  family: Family,
  startTime: HrTime,
  endTime: HrTime
): DataPoint<Histogram>[] {
  type Series = {
    attributes: Attributes
    buckets: { le: number; cumulative: number }[]
    sum: number
    count: number
  }
  const series = new Map<string, Series>()
  const get = (labels: Labels): Series => {
    const attributes = attributesOf(labels, 'le')
    const key = seriesKey(attributes)
    let entry = series.get(key)
    if (!entry) series.set(key, (entry = { attributes, buckets: [], sum: 0, count: 0 }))
    return entry
  }
  for (const sample of family.values) {
    const entry = get(sample.labels)
    if (sample.metricName === `${family.name}_sum`) entry.sum = sample.value
    else if (sample.metricName === `${family.name}_count`) entry.count = sample.value
    else {
      const le = sample.labels.le
      entry.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), cumulative: sample.value })
    }
  }
  return [...series.values()].map(({ attributes, buckets, sum, count }) => {
    buckets.sort((a, b) => a.le - b.le)
    const boundaries = buckets.filter((b) => b.le !== Infinity).map((b) => b.le)
    const counts: number[] = []
    let below = 0
    for (const bound of boundaries) {
      const cumulative = buckets.find((b) => b.le === bound)!.cumulative
      counts.push(cumulative - below)
      below = cumulative
    }
    // The +Inf bucket holds what no bound does; its cumulative count is the series count.
    counts.push(count - below)
    return {
      startTime,
      endTime,
      attributes,
      value: { buckets: { boundaries, counts }, sum, count },
    }
  })
}

function toMetricData(family: Family, startTime: HrTime, endTime: HrTime): MetricData | undefined {
  const descriptor = {
    name: family.name,
    description: family.help,
    unit: unitOf(family.name),
    valueType: ValueType.DOUBLE,
  }
  const aggregationTemporality = AggregationTemporality.CUMULATIVE
  switch (family.type) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: numberPoints(family, startTime, endTime),
      }
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.GAUGE,
        dataPoints: numberPoints(family, startTime, endTime),
      }
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(family, startTime, endTime),
      }
    default:
      // Summaries: the SDK's metric data has no such type, and the gateway defines none.
      return undefined
  }
}

export interface PromProducerOptions {
  readonly registry: Registry
  readonly resource: Resource
  /** The instrumentation scope of every pushed metric. */
  readonly scope: { readonly name: string; readonly version: string }
  /** When counting began: the start of every cumulative point. */
  readonly startTime?: HrTime
  readonly now?: () => HrTime
}

/**
 * An OpenTelemetry MetricProducer over a prom-client registry: each collection reads the
 * registry as a scrape of `/metrics` would and hands the reader the same metrics, names, label
 * sets and buckets. Counters become monotonic cumulative sums, gauges gauges, histograms
 * cumulative explicit-bucket histograms. prom-client stays the only place anything is counted.
 */
export function createPromMetricProducer({
  registry,
  resource,
  scope,
  startTime = millisToHrTime(Date.now()),
  now = () => millisToHrTime(Date.now()),
}: PromProducerOptions): MetricProducer {
  return {
    async collect(): Promise<CollectionResult> {
      const families = (await registry.getMetricsAsJSON()) as unknown as Family[]
      const endTime = now()
      const metrics = families
        .map((family) => toMetricData(family, startTime, endTime))
        .filter((metric) => metric !== undefined)
      return { resourceMetrics: { resource, scopeMetrics: [{ scope, metrics }] }, errors: [] }
    },
  }
}
