import { describe, expect, it } from 'vitest'
import {
  parseExposition,
  responseCounts,
  sample,
  sampleValue,
  seriesCount,
} from './helpers/metrics-text.ts'

// The test-side reader of /metrics: a wrong split here would make metric assertions elsewhere
// pass or fail for the wrong reason.
const TEXT = [
  '# HELP drive_gateway_responses_total Responses. With "quotes"\\n',
  '# TYPE drive_gateway_responses_total counter',
  'drive_gateway_responses_total{code="a b",result="}"} 2',
  'drive_gateway_responses_total{code="x",result="hit"} 3 1700000000000',
  'drive_gateway_responses_total_created{code="x"} 9',
  '# TYPE http_server_active_requests gauge',
  'http_server_active_requests 1',
  '# TYPE h histogram',
  'h_bucket{le="+Inf"} +Inf',
  '',
].join('\n')

describe('metrics-text', () => {
  it('sums samples of one name whose labels match, honouring quoted braces and spaces', () => {
    expect(sampleValue(TEXT, 'drive_gateway_responses_total')).toBe(5)
    expect(sampleValue(TEXT, 'drive_gateway_responses_total', { code: 'a b' })).toBe(2)
    expect(sampleValue(TEXT, 'drive_gateway_responses_total', { result: 'hi' })).toBe(0)
    expect(seriesCount(TEXT, 'drive_gateway_responses_total')).toBe(2)
  })

  it('finds a series by its exact text', () => {
    expect(sample(TEXT, 'drive_gateway_responses_total', '{code="x",result="hit"}')).toBe(3)
    expect(sample(TEXT, 'http_server_active_requests')).toBe(1)
    expect(sample(TEXT, 'missing')).toBeUndefined()
  })

  it('reads responses and the in-flight gauge', () => {
    expect(responseCounts(TEXT)).toEqual({ responses: 5, active: 1 })
    expect(responseCounts('').active).toBeNaN()
  })

  it('groups samples into families with type, unescaped help and +Inf', () => {
    const families = parseExposition(TEXT)
    const responses = families.get('drive_gateway_responses_total')!
    expect(responses.type).toBe('counter')
    expect(responses.help).toBe('Responses. With "quotes"\n')
    expect(responses.samples[0]!.labels).toEqual({ code: 'a b', result: '}' })
    expect(families.get('h')!.samples[0]).toMatchObject({ name: 'h_bucket', value: Infinity })
  })
})
