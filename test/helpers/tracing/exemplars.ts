export interface ExemplarLine {
  /** The sample name, e.g. `drive_gateway_responses_total` or `…_bucket`. */
  readonly sample: string
  readonly labels: string
  readonly exemplar: Record<string, string>
  readonly value: number
}

// OpenMetrics 1.0 ABNF: sample SP "#" SP "{" labels "}" SP number [SP timestamp].
// Label values may hold braces (`{resourceKey}`), so a label set is matched quote-aware.
const SET = '\\{(?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*\\}'
const LINE = new RegExp(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(${SET})? \\S+ # (${SET}) (\\S+)(?: (\\S+))?$`)
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Every sample line of an OpenMetrics exposition that carries an exemplar. */
export function exemplarLines(body: string): ExemplarLine[] {
  const out: ExemplarLine[] = []
  for (const line of body.split('\n')) {
    const m = LINE.exec(line)
    if (!m) continue
    const exemplar: Record<string, string> = {}
    for (const [, name, value] of m[3]!.matchAll(LABEL)) exemplar[name!] = value!
    out.push({ sample: m[1]!, labels: m[2] ?? '', exemplar, value: Number(m[4]) })
  }
  return out
}
