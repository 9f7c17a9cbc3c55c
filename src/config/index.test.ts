import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './index.ts'

const base = { UPSTREAM_URL: 'https://apis.example.com/r/API/drive/rl/24101/v2/' }

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base)
    expect(config.host).toBe('127.0.0.1')
    expect(config.port).toBe(8080)
    expect(config.adminHost).toBe('0.0.0.0')
    expect(config.adminPort).toBe(9464)
    expect(config.upstreamTimeoutMs).toBe(35_000)
    expect(config.upstreamBodyTimeoutMs).toBe(300_000)
    expect(config.upstreamConnections).toBe(128)
    expect(config.upstreamRetries).toBe(1)
    expect(config.maxRequestBytes).toBeUndefined()
    expect(config.shutdownDrainMs).toBe(25_000)
    expect(config.redis).toMatchObject({ url: undefined, mode: 'standalone', keyPrefix: 'dgw:' })
    expect(config.cache).toMatchObject({
      enabled: true,
      ttlSeconds: 60,
      staleSeconds: 30,
      retainSeconds: 300,
      maxEntryBytes: 1_048_576,
      memoryMaxBytes: 67_108_864,
      storeTimeoutMs: 50,
      breakerFailures: 5,
      breakerCooldownMs: 5_000,
    })
    expect([...config.cache.statuses]).toEqual([200])
    expect(config.errorCodeLabelCap).toBe(100)
    expect(config.logPaths).toBe('template')
    expect(config.upstreams.get('default')).toEqual({
      name: 'default',
      origin: 'https://apis.example.com',
      basePath: '/r/API/drive/rl/24101/v2',
      address: 'apis.example.com',
    })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.cache)).toBe(true)
  })

  it('accepts CACHE_TTL_SECONDS=0 and CACHE_STALE_SECONDS=0: origin freshness only', () => {
    const config = loadConfig({ ...base, CACHE_TTL_SECONDS: '0', CACHE_STALE_SECONDS: '0' })
    expect(config.cache).toMatchObject({ ttlSeconds: 0, staleSeconds: 0, retainSeconds: 300 })
    expect(loadConfig({ ...base, CACHE_RETAIN_SECONDS: '0' }).cache.retainSeconds).toBe(0)
  })

  it('reads UPSTREAMS and lets built-in routes use the file host when it is named', () => {
    const config = loadConfig({
      ...base,
      UPSTREAMS: 'files=https://file.example.com/drive/rl/1/v2',
    })
    expect(config.upstreams.get('files')?.basePath).toBe('/drive/rl/1/v2')
    const download = config.routes.find((r) => r.template === '/files/{resourceKey}/download')
    expect(download?.upstream).toBe('files')
    const without = loadConfig(base).routes.find(
      (r) => r.template === '/files/{resourceKey}/download'
    )
    expect(without?.upstream).toBeUndefined()
  })

  const bad: [string, Record<string, string>, RegExp][] = [
    ['UPSTREAM_URL', { UPSTREAM_URL: '' }, /^UPSTREAM_URL="": expected/],
    [
      'UPSTREAM_URL',
      { UPSTREAM_URL: 'ftp://x' },
      /^UPSTREAM_URL="ftp:\/\/x": expected an absolute URL/,
    ],
    [
      'UPSTREAM_URL',
      { UPSTREAM_URL: 'https://u:secret@x/' },
      /^UPSTREAM_URL="https:\/\/u:\*\*\*@x\/": expected a URL without query, fragment or credentials/,
    ],
    ['PORT', { ...base, PORT: '80a' }, /^PORT="80a": expected a whole number from 0 to 65535$/],
    ['ADMIN_PORT', { ...base, ADMIN_PORT: '70000' }, /^ADMIN_PORT=/],
    ['UPSTREAM_TIMEOUT_MS', { ...base, UPSTREAM_TIMEOUT_MS: '-1' }, /^UPSTREAM_TIMEOUT_MS=/],
    ['UPSTREAMS', { ...base, UPSTREAMS: 'files' }, /^UPSTREAMS="files": expected name=url pairs/],
    ['CACHE', { ...base, CACHE: 'maybe' }, /^CACHE="maybe": expected one of on, off$/],
    [
      'CACHE_RETAIN_SECONDS',
      { ...base, CACHE_RETAIN_SECONDS: '-1' },
      /^CACHE_RETAIN_SECONDS="-1": expected a whole number from 0 to 86400$/,
    ],
    [
      'CACHE_RETAIN_SECONDS',
      { ...base, CACHE_RETAIN_SECONDS: '90000' },
      /^CACHE_RETAIN_SECONDS="90000": expected a whole number from 0 to 86400$/,
    ],
    ['CACHE_TTL_SECONDS', { ...base, CACHE_TTL_SECONDS: '1.5' }, /^CACHE_TTL_SECONDS="1.5"/],
    ['CACHE_STATUSES', { ...base, CACHE_STATUSES: '200,404' }, /^CACHE_STATUSES=.*200 and 203/],
    ['REDIS_URL', { ...base, REDIS_URL: 'http://x' }, /^REDIS_URL=/],
    ['REDIS_NODES', { ...base, REDIS_MODE: 'cluster' }, /^REDIS_NODES=/],
    [
      'REDIS_NODES',
      { ...base, REDIS_MODE: 'cluster', REDIS_NODES: 'a:1,b' },
      /^REDIS_NODES="a:1,b"/,
    ],
    [
      'REDIS_SENTINEL_NAME',
      { ...base, REDIS_MODE: 'sentinel', REDIS_NODES: 'a:26379' },
      /^REDIS_SENTINEL_NAME=/,
    ],
    ['LOG_LEVEL', { ...base, LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud"/],
    [
      'ROUTES_FILE',
      { ...base, ROUTES_FILE: '/nonexistent.yaml' },
      /^ROUTES_FILE="\/nonexistent.yaml"/,
    ],
    ['ERROR_CODE_LABEL_CAP', { ...base, ERROR_CODE_LABEL_CAP: '0' }, /^ERROR_CODE_LABEL_CAP=/],
    // Past Node's longest timer (2³¹−1 ms) a delay fires after 1 ms: the opposite of what is asked.
    ...[
      'UPSTREAM_TIMEOUT_MS',
      'UPSTREAM_BODY_TIMEOUT_MS',
      'SHUTDOWN_DRAIN_MS',
      'CACHE_STORE_TIMEOUT_MS',
      'CACHE_BREAKER_COOLDOWN_MS',
    ].map((name): [string, Record<string, string>, RegExp] => [
      name,
      { ...base, [name]: '2147483648' },
      new RegExp(`^${name}="2147483648": expected a whole number from [01] to 2147483647$`),
    ]),
    [
      'CACHE_TTL_SECONDS',
      { ...base, CACHE_TTL_SECONDS: '99999999999' },
      /^CACHE_TTL_SECONDS="99999999999": expected a whole number from 0 to 2147483647$/,
    ],
    [
      'REDIS_URL',
      { ...base, REDIS_URL: 'redis://127.0.0.1:6379/abc' },
      /^REDIS_URL=.*path, if any, is a database number$/,
    ],
    [
      'REDIS_URL',
      { ...base, REDIS_URL: 'redis://user:s%zzecret@127.0.0.1:6379' },
      /^REDIS_URL="redis:\/\/user:\*\*\*@127\.0\.0\.1:6379": expected credentials in valid percent-encoding$/,
    ],
    ['HTTPS_PROXY', { ...base, HTTPS_PROXY: 'garbage' }, /^HTTPS_PROXY="garbage": expected/],
    ['https_proxy', { ...base, https_proxy: 'http://' }, /^https_proxy="http:\/\/": expected/],
    [
      'HTTP_PROXY',
      { ...base, HTTP_PROXY: 'ftp://user:secret@proxy' },
      /^HTTP_PROXY="ftp:\/\/user:\*\*\*@proxy": expected an absolute URL \(http: or https:\)$/,
    ],
  ]
  for (const [name, env, message] of bad) {
    it(`rejects a bad ${name} with one line naming it`, () => {
      let error: unknown
      try {
        loadConfig(env)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('\n')
      expect((error as Error).message).not.toContain('secret')
    })
  }
})
