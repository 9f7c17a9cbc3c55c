import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { RouteDefinition, RouteKind } from './types.ts'
import { parseTemplate } from './match.ts'

const KINDS: readonly RouteKind[] = ['lookup', 'transfer', 'mutation']
// A method is a token (RFC 9110 §9.1, §5.6.2): extension methods such as `M-SEARCH` are valid.
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Reads a JSON or YAML route table: a list of routes, or `{ routes: [...] }`. Throws a message
 * that names the entry and field at fault (`routes[2].kind`), for one clear start-up error.
 */
export function loadRoutesFile(path: string): RouteDefinition[] {
  const text = readFileSync(path, 'utf8')
  const doc: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  const list = Array.isArray(doc) ? doc : (doc as { routes?: unknown } | null)?.routes
  if (!Array.isArray(list)) throw new Error('expected a list of routes or { routes: [...] }')
  return list.map((entry, i) => validateRoute(entry, `routes[${i}]`))
}

export function validateRoute(entry: unknown, at: string): RouteDefinition {
  if (typeof entry !== 'object' || entry === null) throw new Error(`${at}: expected an object`)
  const e = entry as Record<string, unknown>
  const methods = e.methods
  if (
    !Array.isArray(methods) ||
    methods.length === 0 ||
    !methods.every((m) => typeof m === 'string' && METHOD.test(m))
  ) {
    throw new Error(`${at}.methods: expected a non-empty list of HTTP methods`)
  }
  if (typeof e.template !== 'string') throw new Error(`${at}.template: expected a string`)
  let params: string[]
  try {
    params = parseTemplate(e.template).flatMap((s) => ('param' in s ? [s.param] : []))
  } catch (error) {
    throw new Error(`${at}.template: ${(error as Error).message}`, { cause: error })
  }
  if (!KINDS.includes(e.kind as RouteKind)) {
    throw new Error(`${at}.kind: expected one of ${KINDS.join(', ')}`)
  }
  for (const field of ['resource', 'parent'] as const) {
    const value = e[field]
    if (value !== undefined && (typeof value !== 'string' || !params.includes(value))) {
      throw new Error(
        `${at}.${field}: expected one of the template's parameters (${params.join(', ') || 'none'})`
      )
    }
  }
  const invalidates = e.invalidates
  if (
    invalidates !== undefined &&
    (!Array.isArray(invalidates) ||
      !invalidates.every((path) => typeof path === 'string' && path.startsWith('/')))
  ) {
    throw new Error(`${at}.invalidates: expected a list of paths starting with /`)
  }
  if (e.upstream !== undefined && typeof e.upstream !== 'string') {
    throw new Error(`${at}.upstream: expected an upstream name`)
  }
  return Object.freeze({
    methods: Object.freeze(methods.map((m: string) => m.toUpperCase())),
    template: e.template,
    kind: e.kind as RouteKind,
    ...(e.resource !== undefined && { resource: e.resource as string }),
    ...(e.parent !== undefined && { parent: e.parent as string }),
    ...(invalidates !== undefined && {
      invalidates: Object.freeze([...(invalidates as string[])]),
    }),
    ...(e.upstream !== undefined && { upstream: e.upstream }),
  })
}
