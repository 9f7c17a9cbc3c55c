import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadRoutesFile, validateRoute } from './load-file.ts'

const route = (methods: unknown) => ({ methods, template: '/things/{id}', kind: 'lookup' })

describe('route methods (RFC 9110 §9.1: a method is a token, §5.6.2)', () => {
  it.each([['M-SEARCH'], ['PROPFIND'], ['X.CUSTOM_1'], ["A!#$%&'*+-.^_`|~9"]])(
    'accepts the extension method %s',
    (method) => {
      expect(validateRoute(route([method]), 'routes[0]').methods).toEqual([method.toUpperCase()])
    }
  )

  it.each([['GET POST'], ['GET,POST'], [''], ['B(AD)'], ['GÉT'], ['a/b']])(
    'refuses %j, which is not a token',
    (method) => {
      expect(() => validateRoute(route([method]), 'routes[0]')).toThrow(
        'routes[0].methods: expected a non-empty list of HTTP methods'
      )
    }
  )
})

describe("the README's ROUTES_FILE example", () => {
  it('loads as it is written there', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const example = /A `ROUTES_FILE` looks like this[^\n]*\n\n```yaml\n([\s\S]*?)```/.exec(readme)
    expect(example).not.toBeNull()
    const dir = mkdtempSync(join(tmpdir(), 'routes-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(file, example![1]!)
    const routes = loadRoutesFile(file)
    rmSync(dir, { recursive: true })
    expect(routes.map((r) => [r.template, r.kind])).toEqual([
      ['/files/{resourceKey}/thumbnail', 'lookup'],
      ['/files/{resourceKey}/share', 'mutation'],
    ])
  })
})
