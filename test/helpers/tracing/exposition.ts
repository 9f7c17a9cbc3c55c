/** A family of the Prometheus text format (0.0.4), as `/metrics` serves it. */
export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: { name: string; labels: Record<string, string>; value: number }[]
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

/** Parses a text exposition into its families, samples in order. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  let current: Family | undefined
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      current = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (kind === 'TYPE') current = { ...current, type: rest }
      else current = { ...current, help: unescape(rest) }
      families.set(name, current)
      continue
    }
    if (line.startsWith('#') || !current) continue
    const brace = line.indexOf('{')
    const space = line.lastIndexOf(' ')
    const name = brace >= 0 ? line.slice(0, brace) : line.slice(0, space)
    const labels: Record<string, string> = {}
    if (brace >= 0) {
      const body = line.slice(brace + 1, line.lastIndexOf('}'))
      for (const m of body.matchAll(LABEL)) labels[m[1]!] = unescape(m[2]!)
    }
    current.samples.push({ name, labels, value: parseValue(line.slice(space + 1)) })
  }
  return families
}
