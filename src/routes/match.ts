import type { RouteDefinition, RouteMatch } from './types.ts'

type Segment = { literal: string } | { param: string } | { rest: true }

interface CompiledRoute {
  readonly route: RouteDefinition
  readonly methods: ReadonlySet<string>
  readonly segments: readonly Segment[]
  readonly hasRest: boolean
  readonly literals: number
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/

/** Splits a template into segments; throws a message naming what is wrong. */
export function parseTemplate(template: string): Segment[] {
  if (!template.startsWith('/'))
    throw new Error(`template ${JSON.stringify(template)} must start with /`)
  const parts = template === '/' ? [] : template.slice(1).split('/')
  return parts.map((part, index) => {
    if (part === '*') {
      if (index !== parts.length - 1)
        throw new Error(`template ${JSON.stringify(template)}: * must be last`)
      return { rest: true as const }
    }
    const param = PARAM.exec(part)
    if (param) return { param: param[1]! }
    if (part === '' || /[{}*]/.test(part)) {
      throw new Error(`template ${JSON.stringify(template)}: bad segment ${JSON.stringify(part)}`)
    }
    return { literal: part }
  })
}

function compile(route: RouteDefinition): CompiledRoute {
  const segments = parseTemplate(route.template)
  return {
    route,
    methods: new Set(route.methods.map((m) => m.toUpperCase())),
    segments,
    hasRest: segments.some((s) => 'rest' in s),
    literals: segments.filter((s) => 'literal' in s).length,
  }
}

/**
 * Most specific first: exact templates before catch-alls, then more literal segments, then
 * longer templates. So `/files/{k}/children` wins over `/files/{k}/*`, whatever the table order.
 */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  return (
    Number(a.hasRest) - Number(b.hasRest) ||
    b.literals - a.literals ||
    b.segments.length - a.segments.length
  )
}

function matchSegments(route: CompiledRoute, parts: readonly string[]) {
  const segments = route.segments
  // A template without `*` fits only paths of its own length: most candidates end here.
  if (!route.hasRest && segments.length !== parts.length) return undefined
  // Literals first, so a template that does not fit costs no decoding and no object.
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    if ('rest' in segment) {
      if (i >= parts.length) return undefined
      break
    }
    const part = parts[i]
    if (part === undefined || part === '') return undefined
    if ('literal' in segment && segment.literal !== part) return undefined
  }
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    if ('param' in segment) params[segment.param] = safeDecode(parts[i]!)
  }
  return params
}

function safeDecode(part: string): string {
  // Most resource keys carry no escapes: nothing to decode, no new string.
  if (!part.includes('%')) return part
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

export type RouteMatcher = (method: string, path: string) => RouteMatch | undefined

/**
 * Builds the matcher once at start-up. Routes are bucketed by their first segment so a request
 * compares against a handful of templates, not the whole table.
 */
export function createRouteMatcher(routes: readonly RouteDefinition[]): RouteMatcher {
  const compiled = routes.map(compile).sort(bySpecificity)
  const byFirst = new Map<string, CompiledRoute[]>()
  const wildFirst: CompiledRoute[] = []
  for (const route of compiled) {
    const first = route.segments[0]
    if (first && 'literal' in first) {
      const bucket = byFirst.get(first.literal) ?? []
      bucket.push(route)
      byFirst.set(first.literal, bucket)
    } else {
      wildFirst.push(route)
    }
  }
  for (const [key, bucket] of byFirst)
    byFirst.set(key, [...bucket, ...wildFirst].sort(bySpecificity))

  return function matchRoute(method, path) {
    const parts = path === '/' ? [] : path.slice(1).split('/')
    const candidates = byFirst.get(parts[0] ?? '') ?? wildFirst
    for (const candidate of candidates) {
      if (!candidate.methods.has(method)) continue
      const params = matchSegments(candidate, parts)
      if (params) return { route: candidate.route, params }
    }
    return undefined
  }
}
