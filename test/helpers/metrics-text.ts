// The one reader of the Prometheus text format (0.0.4) for tests: `/metrics` scrapes, promtool
// output and OTLP comparisons all go through `parseSamples`, so label quoting and escapes are
// handled in one place.

/** One sample line: its series text (`name{labels}`), name, labels and value. */
export interface Sample {
  readonly series: string
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** A family of the text format, as `/metrics` serves it. */
export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: Sample[]
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c))
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  return Number(text)
}

/** The end of a label block that opens at `brace`, skipping `}` inside quoted values. */
function labelsEnd(line: string, brace: number): number {
  let quoted = false
  for (let i = brace + 1; i < line.length; i++) {
    const c = line[i]
    if (quoted && c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === '}') return i
  }
  return line.length - 1
}

/** Parses one sample line; undefined for blank lines and comments. */
export function parseSample(line: string): Sample | undefined {
  if (line === '' || line.startsWith('#')) return undefined
  const brace = line.indexOf('{')
  const firstSpace = line.indexOf(' ')
  const labelled = brace >= 0 && (firstSpace < 0 || brace < firstSpace)
  const seriesEnd = labelled ? labelsEnd(line, brace) + 1 : firstSpace
  const series = line.slice(0, seriesEnd)
  const name = labelled ? line.slice(0, brace) : series
  const labels: Record<string, string> = {}
  if (labelled) {
    for (const m of line.slice(brace + 1, seriesEnd - 1).matchAll(LABEL)) {
      labels[m[1]!] = unescape(m[2]!)
    }
  }
  // The value is the first field after the series; a timestamp or exemplar may follow.
  const value = line.slice(seriesEnd).trim().split(/\s+/)[0] ?? ''
  return { series, name, labels, value: parseValue(value) }
}

/** Every sample of an exposition, in order. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const s = parseSample(line)
    if (s) samples.push(s)
  }
  return samples
}

/** Parses a text exposition into its families, samples in order. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  let current: Family | undefined
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      current = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (kind === 'TYPE') current = { ...current, type: rest }
      else current = { ...current, help: unescape(rest) }
      families.set(name, current)
      continue
    }
    const s = current && parseSample(line)
    if (s) current!.samples.push(s)
  }
  return families
}

/** Sums the samples of `name` whose labels include `labels` (0 when there are none). */
export function sampleValue(
  exposition: string,
  name: string,
  labels: Record<string, string> = {}
): number {
  let sum = 0
  for (const s of parseSamples(exposition)) {
    if (s.name !== name) continue
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value
  }
  return sum
}

/** The number of labelled series of `name` in an exposition. */
export function seriesCount(exposition: string, name: string): number {
  return parseSamples(exposition).filter((s) => s.name === name && s.series !== name).length
}

/**
 * The value of the series written exactly as `name` + `labels` (e.g. `{result="hit"}`), or
 * undefined when the exposition has none.
 */
export function sample(text: string, name: string, labels = ''): number | undefined {
  return parseSamples(text).find((s) => s.series === name + labels)?.value
}

/** All responses counted so far, and the in-flight request gauge (NaN when absent). */
export function responseCounts(exposition: string): { responses: number; active: number } {
  const samples = parseSamples(exposition)
  const active = samples.find((s) => s.series === 'http_server_active_requests')
  return {
    responses: sampleValue(exposition, 'drive_gateway_responses_total'),
    active: active?.value ?? NaN,
  }
}
