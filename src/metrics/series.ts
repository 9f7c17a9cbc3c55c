import type { Metric, Registry } from 'prom-client'

/** Label values by label name; names the family does not have are ignored. */
export type LabelValues<N extends string = string> = { readonly [K in N]: string }

/** An exemplar's labels (`trace_id`, `span_id`), or undefined for a request with no sampled trace. */
export type ExemplarLabels = Readonly<Record<string, string>> | undefined

/** What prom-client's exemplars look like to the expositions (OpenMetrics timestamps in seconds). */
interface Exemplar {
  readonly labelSet: ExemplarLabels & object
  readonly value: number
  readonly timestamp: number
}

/**
 * The series of one family, found by one `Map` level per label in the family's label order: a
 * lookup reads the values it is given and builds nothing, where prom-client builds a
 * `name:value,` string of every label, validates every name and allocates on each call.
 */
class SeriesIndex<S extends { readonly labels: LabelValues }> {
  readonly all: S[] = []
  #root = new Map<string, unknown>()
  readonly #labelNames: readonly string[]
  readonly #create: (labels: LabelValues) => S

  constructor(labelNames: readonly string[], create: (labels: LabelValues) => S) {
    this.#labelNames = labelNames
    this.#create = create
  }

  find(labels: LabelValues): S {
    const names = this.#labelNames
    let level = this.#root
    const last = names.length - 1
    for (let i = 0; i < last; i++) {
      const value = labels[names[i]!]!
      let next = level.get(value) as Map<string, unknown> | undefined
      if (next === undefined) level.set(value, (next = new Map()))
      level = next
    }
    const value = labels[names[last]!]!
    let series = level.get(value) as S | undefined
    if (series === undefined) {
      const own: Record<string, string> = {}
      for (const name of names) own[name] = labels[name]!
      level.set(value, (series = this.#create(own)))
      this.all.push(series)
    }
    return series
  }

  clear(): void {
    this.#root = new Map()
    this.all.length = 0
  }
}

function exemplarOf(labelSet: ExemplarLabels, value: number): Exemplar | undefined {
  return labelSet && { labelSet, value, timestamp: Date.now() / 1000 }
}

interface MetricOptions<N extends string> {
  readonly name: string
  readonly help: string
  /** At least one: these families always have labels. */
  readonly labelNames: readonly N[]
}

/**
 * The per-request families (docs/architecture.md, "Metrics") are counted here rather than in
 * prom-client's `Counter` and `Histogram`, whose bookkeeping per call cost more than the rest of
 * the metrics stage (measured: about 2.5 KB allocated per request for three calls). Both classes
 * give prom-client's registry what its own metrics give it, `get()` in the same shape, so the text
 * exposition, the OpenMetrics renderer and the OTLP push read them unchanged.
 */
abstract class RegisteredFamily<N extends string> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly N[]
  readonly aggregator = 'sum'
  abstract readonly type: 'counter' | 'histogram'

  constructor({ name, help, labelNames }: MetricOptions<N>) {
    if (labelNames.length === 0) throw new Error(`${name}: a family needs labels`)
    this.name = name
    this.help = help
    this.labelNames = labelNames
  }

  /** Registers this family in a prom-client registry, which reads it through `get()`. */
  registerIn(registry: Registry): this {
    // The registry's typings name its own classes; at run time it needs `name`, `get()`, `reset()`.
    registry.registerMetric(this as unknown as Metric)
    return this
  }
}

interface CounterSeries {
  readonly labels: LabelValues
  value: number
  exemplar: Exemplar | undefined
}

/** A counter whose series are found without building a key: `inc(labels, exemplarLabels?)`. */
export class SeriesCounter<N extends string> extends RegisteredFamily<N> {
  readonly type = 'counter'
  readonly #series: SeriesIndex<CounterSeries>

  constructor(options: MetricOptions<N>) {
    super(options)
    this.#series = new SeriesIndex(options.labelNames, (labels) => ({
      labels,
      value: 0,
      exemplar: undefined,
    }))
  }

  inc(labels: LabelValues<N>, exemplarLabels?: ExemplarLabels): void {
    const series = this.#series.find(labels)
    series.value += 1
    if (exemplarLabels) series.exemplar = exemplarOf(exemplarLabels, 1)
  }

  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.#series.all.map(({ labels, value, exemplar }) => ({
        labels: { ...labels },
        value,
        ...(exemplar && { exemplar }),
      })),
    }
  }

  reset(): void {
    this.#series.clear()
  }
}

interface HistogramSeries {
  readonly labels: LabelValues
  /** Observations per bucket, not cumulative; the last is `+Inf`. */
  readonly counts: number[]
  /** The latest exemplar per bucket, the last for `+Inf`. */
  readonly exemplars: (Exemplar | undefined)[]
  sum: number
  count: number
}

interface Sample {
  labels: Record<string, string | number>
  sharedLabels?: LabelValues
  value: number
  metricName: string
  exemplar?: Exemplar | null
}

/**
 * A histogram whose series are found without building a key: `observe(labels, value,
 * exemplarLabels?)`. Non-finite values are dropped (prom-client would throw in the middle of
 * finishing a response).
 */
export class SeriesHistogram<N extends string> extends RegisteredFamily<N> {
  readonly type = 'histogram'
  readonly buckets: readonly number[]
  readonly #series: SeriesIndex<HistogramSeries>

  constructor(options: MetricOptions<N> & { readonly buckets: readonly number[] }) {
    super(options)
    this.buckets = [...options.buckets].sort((a, b) => a - b)
    const slots = this.buckets.length + 1
    this.#series = new SeriesIndex(options.labelNames, (labels) => ({
      labels,
      counts: new Array<number>(slots).fill(0),
      exemplars: new Array<Exemplar | undefined>(slots).fill(undefined),
      sum: 0,
      count: 0,
    }))
  }

  observe(labels: LabelValues<N>, value: number, exemplarLabels?: ExemplarLabels): void {
    if (!Number.isFinite(value)) return
    const series = this.#series.find(labels)
    const bounds = this.buckets
    let slot = 0
    while (slot < bounds.length && value > bounds[slot]!) slot++
    series.counts[slot]! += 1
    series.sum += value
    series.count += 1
    if (exemplarLabels) series.exemplars[slot] = exemplarOf(exemplarLabels, value)
  }

  /**
   * prom-client's text exposition reads this when present: bucket samples carry `le` and the
   * series labels apart (`sharedLabels`), so `le` comes first on the line, as with its own
   * histograms.
   */
  async getForPromString() {
    return this.#family(false)
  }

  /** The samples with their labels merged (`le` first), as prom-client's histograms give them. */
  async get() {
    return this.#family(true)
  }

  reset(): void {
    this.#series.clear()
  }

  #family(merged: boolean) {
    const values: Sample[] = []
    const bucketName = `${this.name}_bucket`
    const sample = (
      own: Record<string, string | number>,
      series: HistogramSeries,
      value: number,
      metricName: string,
      exemplar?: Exemplar | null
    ): Sample => {
      const sharedLabels = series.labels
      const labels = merged ? { ...own, ...sharedLabels } : own
      return {
        labels,
        ...(!merged && { sharedLabels }),
        value,
        metricName,
        ...(exemplar !== undefined && { exemplar }),
      }
    }
    for (const series of this.#series.all) {
      let cumulative = 0
      this.buckets.forEach((le, slot) => {
        cumulative += series.counts[slot]!
        values.push(sample({ le }, series, cumulative, bucketName, series.exemplars[slot] ?? null))
      })
      const inf = series.exemplars[this.buckets.length] ?? null
      values.push(sample({ le: '+Inf' }, series, series.count, bucketName, inf))
      values.push(sample({}, series, series.sum, `${this.name}_sum`))
      values.push(sample({}, series, series.count, `${this.name}_count`))
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    }
  }
}
