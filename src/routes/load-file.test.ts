import { describe, expect, it } from 'vitest'
import { validateRoute } from './load-file.ts'

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
