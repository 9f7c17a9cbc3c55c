import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, buildConnector } from 'undici'
import { startOrigin, type Origin } from '../../test/helpers/origin.ts'
import { callUpstream } from './upstream.ts'

// A real origin, reached through a real undici Agent whose connector refuses the first N
// connections the way a closed port does: the retry rule is exercised on the wire.
let origin: Origin
beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.end('ok'))
})
afterAll(() => origin.close())

function flakyAgent(refusals: number) {
  const real = buildConnector({})
  let attempts = 0
  const agent = new Agent({
    connect(options, callback) {
      attempts++
      if (attempts <= refusals) {
        const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
        queueMicrotask(() => callback(error, null))
        return
      }
      real(options, callback)
    },
  })
  return { agent, attempts: () => attempts }
}

const request = (method: string, body: null | string = null) => ({
  origin: origin.url,
  path: '/files/abc',
  method,
  headers: [],
  body: body === null ? null : (Buffer.from(body) as never),
  gone: undefined,
})

describe('callUpstream retries', () => {
  it('sends a GET again once when the connection was refused', async () => {
    const { agent, attempts } = flakyAgent(1)
    const reply = await callUpstream(
      { dispatcher: agent, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, retries: 1 },
      request('GET')
    )
    expect(reply.status).toBe(200)
    expect(attempts()).toBe(2)
    await agent.close()
  })

  it('gives up after UPSTREAM_RETRIES and maps the failure to UPSTREAM_UNREACHABLE', async () => {
    const { agent, attempts } = flakyAgent(5)
    await expect(
      callUpstream(
        { dispatcher: agent, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, retries: 1 },
        request('GET')
      )
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNREACHABLE', status: 502 })
    expect(attempts()).toBe(2)
    await agent.close()
  })

  it('never retries a write', async () => {
    const { agent, attempts } = flakyAgent(1)
    await expect(
      callUpstream(
        { dispatcher: agent, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, retries: 1 },
        request('POST', '{}')
      )
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNREACHABLE' })
    expect(attempts()).toBe(1)
    await agent.close()
  })
})
