import type { Context, MiddlewareHandler, Next } from 'hono'
import type { CacheConfig } from '../config/types.ts'
import type { GatewayEnv } from '../exchange/stage.ts'
import type { CacheStatus } from '../labels/index.ts'
import type { Coalescer, Flight } from './coalescer.ts'
import { decodeEntry, entryUse, type CacheEntry } from './entry.ts'
import type { EntryPolicy } from './entry-writer.ts'
import type { GuardedStore } from './guarded-store.ts'
import type { Invalidator } from './invalidation.ts'
import { sameVariant, varyDigest, type CacheKeys, type LookupKeys } from './key.ts'
import { settleLeader } from './leader.ts'
import { writeTargets, type ParentHints } from './parent-hints.ts'
import type { Refresher } from './refresher.ts'
import { replyFromEntry, replyFromShared } from './replies.ts'
import { planRequest, type LookupRequest } from './request-policy.ts'
import type { RouteMatcher } from '../routes/match.ts'
import { varyNames } from './response-policy.ts'
import type { Forward } from '../proxy/forward.ts'
import { gatewayReply } from '../exchange/gateway-reply.ts'
import { freshnessOf } from './entry.ts'
import { isStaleIfErrorOutcome, usableOnError } from './freshness.ts'
import { pathRevalidation, resultStatus } from './path-revalidation.ts'
import { canRevalidate, discardBody, type ClientSide } from './revalidation.ts'

export interface CacheStageOptions {
  readonly config: CacheConfig
  readonly store: GuardedStore
  readonly keys: CacheKeys
  readonly coalescer: Coalescer
  readonly invalidator: Invalidator
  readonly refresher: Refresher
  /** The gateway's one upstream client, for conditional requests on the request path. */
  readonly forward: Forward
  /** The route table's matcher: finds the lookup an unsafe method's target URI is cached under. */
  readonly matchRoute?: RouteMatcher
  /** Folders files were last listed in, learned from listings served here. */
  readonly hints: ParentHints
  readonly now?: () => number
}

// RFC 9110 §9.2.1 safe methods (QUERY is safe by its definition); any other method, known or
// not, may change its target.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'QUERY'])

type Ctx = Context<GatewayEnv>

/** What the store said about a lookup. */
interface Found {
  /** The store failed or its breaker is open. */
  readonly unavailable: boolean
  readonly entry: CacheEntry | undefined
  /** Current generation tokens ('' when unset), recorded in the entry written after a miss. */
  readonly generations: readonly string[]
}

/**
 * The cache stage (docs/architecture.md, "Cache"). Eligible lookups are answered from the store
 * (`HIT`, `STALE` with a background refresh), or go upstream once per key however many arrive
 * together (`MISS` for the leader, `COALESCED` for those that waited), and complete storable
 * answers are written back. Mutations bump the generations of what they name, before and after they
 * are forwarded. Everything else passes through as `BYPASS`. Store trouble only ever makes a
 * request `UNAVAILABLE`: it goes upstream as if there were no cache.
 *
 * @example
 * app.use(cacheStage({ config: config.cache, store, keys, coalescer, invalidator, refresher }))
 */
export function cacheStage(options: CacheStageOptions): MiddlewareHandler<GatewayEnv> {
  const { config, store, keys, coalescer, invalidator, refresher, hints } = options
  const now = options.now ?? Date.now
  const policy: EntryPolicy = config
  const revalidate = pathRevalidation({ forward: options.forward, store, policy, now })

  async function passThrough(c: Ctx, next: Next): Promise<void> {
    const exchange = c.get('exchange')
    exchange.cacheStatus = 'bypass'
    await next()
    if (!SAFE_METHODS.has(exchange.method)) await invalidateTarget(exchange)
  }

  /**
   * RFC 9111 §4.4: an unsafe or unknown method answered with a non-error status invalidates the
   * entries of its target URI, i.e. those of the lookup route a GET of the same path matches.
   * (Writes on `mutation` routes invalidate more, in `mutate`.) Awaited, like a mutation's bump,
   * so the client's next read misses; the invalidator waits at most the store timeout.
   */
  async function invalidateTarget(exchange: Ctx['var']['exchange']): Promise<void> {
    const status = exchange.reply?.status ?? 500
    if (status < 200 || status >= 400 || exchange.reply?.source !== 'upstream') return
    const lookupRoute = options.matchRoute?.('GET', exchange.path)
    if (lookupRoute?.route.kind !== 'lookup') return
    await invalidator.bump(keys.resourceIds(lookupRoute, exchange.path))
  }

  async function mutate(c: Ctx, next: Next): Promise<void> {
    const exchange = c.get('exchange')
    exchange.cacheStatus = 'bypass'
    const targets = writeTargets(keys, hints, exchange, c.env.incoming)
    // Bumped as the write is forwarded (not awaited: a store call must not delay it) and again
    // once its outcome is known, so a lookup in between cannot leave the old state cached.
    void invalidator.bump(targets.forwarded)
    await next()
    const status = exchange.reply?.status ?? 500
    // 4xx: the write was refused. Anything else may have happened (2xx, 202, 598, 504, a client
    // that left, which aborts the upstream call into a 5xx): bump before the client hears back,
    // so its next read misses.
    const changed = targets.completed(exchange.reply)
    if (status < 400 || status >= 500) await invalidator.bump(changed)
  }

  async function read(lookupKeys: LookupKeys, rawHeaders: readonly string[]): Promise<Found> {
    // A write this process acknowledged has not reached the store yet: its old copies may still
    // be there, so the store is neither read nor written for this lookup (read-your-writes).
    if (invalidator.isPending(lookupKeys.resources)) {
      return { unavailable: true, entry: undefined, generations: [] }
    }
    try {
      const [value, ...gens] = await store.get([lookupKeys.entry, ...lookupKeys.generations])
      const generations = gens.map((gen) => gen?.toString('latin1') ?? '')
      const entry =
        value === undefined ? undefined : decodeEntry(value, { reused: store.kind === 'memory' })
      // Foreign, truncated or older-format: a miss, overwritten by the next storable answer.
      if (value !== undefined && entry === undefined) store.reportUndecodable(value.length)
      const matches =
        entry !== undefined &&
        entry.meta.generations.length === generations.length &&
        entry.meta.generations.every((gen, i) => gen === generations[i]) &&
        (entry.meta.vary === '' ||
          entry.meta.vary === varyDigest(varyNames(entry.meta.headers), rawHeaders))
      return { unavailable: false, entry: matches ? entry : undefined, generations }
    } catch {
      return { unavailable: true, entry: undefined, generations: [] }
    }
  }

  /**
   * Waits for a flight on one of `candidates` and answers with its response (`joined`). Not
   * joined when there is none, or only flights that were released (their answer could not be
   * shared). With `lead`, the same synchronous step that finds no flight starts one, so two
   * misses that resume in one tick cannot both lead.
   */
  async function joinOrLead(
    c: Ctx,
    candidates: readonly string[],
    request: LookupRequest,
    status: CacheStatus,
    lead?: () => Flight
  ): Promise<{ joined: true } | { joined: false; flight: Flight | undefined }> {
    // Before its own store read, a request only waits for a call still in progress: a settled
    // one's entry is already in the store, and reading it makes an honest HIT.
    const usable = (flight: Flight | undefined) => flight && (lead !== undefined || !flight.settled)
    // A released waiter tries again, since another released one may lead by then; a few
    // rounds at most, then it makes its own call.
    for (let round = 0; round < 3; round++) {
      const flight = candidates.map((key) => coalescer.find(key)).find(usable)
      if (!flight) return { joined: false, flight: lead?.() }
      const shared = await flight.join()
      if (!shared) continue
      // The answer varies on fields this request sends differently: not its answer.
      const vary = varyNames(shared.rawHeaders)
      if (!sameVariant(vary, flight.requestHeaders, c.env.incoming.rawHeaders)) {
        return { joined: false, flight: undefined }
      }
      const exchange = c.get('exchange')
      exchange.cacheStatus = status
      exchange.reply = replyFromShared(shared, request.head)
      return { joined: true }
    }
    return { joined: false, flight: undefined }
  }

  /** A HEAD may share a GET's upstream call (dropping the body); a GET never shares a HEAD's. */
  function flightKeys(entryKey: string, request: LookupRequest): string[] {
    return request.head ? [entryKey, `${entryKey} HEAD`] : [entryKey]
  }

  async function lookup(c: Ctx, next: Next, request: LookupRequest): Promise<void> {
    const exchange = c.get('exchange')
    const rawHeaders = c.env.incoming.rawHeaders
    const lookupKeys = keys.lookup(exchange.route!, exchange.path, exchange.target, rawHeaders)
    const shareable = !request.conditional
    const candidates = flightKeys(lookupKeys.entry, request)
    // A flight on this key means the store had nothing a moment ago: wait for it directly
    // (unless the client wants nothing from the upstream at all).
    if (shareable && !request.onlyIfCached) {
      if ((await joinOrLead(c, candidates, request, 'coalesced')).joined) return
    }

    const found = await read(lookupKeys, rawHeaders)
    const socket = c.env.incoming.socket
    const client: ClientSide = {
      clientAddress: socket.remoteAddress,
      protocol: 'encrypted' in socket ? 'https' : 'http',
      requestId: exchange.requestId,
    }
    if (found.entry) {
      const use = entryUse(found.entry.meta, request, now())
      if (use !== 'miss') {
        exchange.cacheStatus = use
        exchange.reply = replyFromEntry(found.entry, request, now())
        hints.learn(
          keys,
          exchange.route!,
          found.entry.body,
          lookupKeys.entry + found.entry.meta.receivedAt
        )
        // `only-if-cached` wants nothing from the upstream, not even a background refresh
        // (RFC 9111 §5.2.1.7).
        if (use === 'stale' && !request.onlyIfCached) {
          refresher.refresh({
            keys: lookupKeys,
            generations: found.generations,
            exchange,
            rawHeaders,
            entry: found.entry,
            ...client,
          })
        }
        return
      }
    }

    const status: CacheStatus = found.unavailable ? 'unavailable' : 'miss'
    if (request.onlyIfCached) {
      // RFC 9111 §5.2.1.7: nothing stored may answer, and the upstream must not be asked.
      exchange.cacheStatus = status
      exchange.reply = gatewayReply('NOT_CACHED')
      return
    }
    let flight: Flight | undefined
    if (shareable) {
      const lead = () =>
        coalescer.lead(
          candidates.at(-1)!,
          lookupKeys.resources,
          () => {
            // Others wait on this call now: one client leaving must not cancel it.
            exchange.sharedUpstream = true
          },
          rawHeaders
        )
      // A waiter is labelled `coalesced`, unless the store failed it: the outage is what the
      // dashboards must see.
      const waited: CacheStatus = found.unavailable ? 'unavailable' : 'coalesced'
      const joined = await joinOrLead(c, candidates, request, waited, lead)
      if (joined.joined) return
      flight = joined.flight
    }
    exchange.cacheStatus = status
    // The entry the request could not use as it is: revalidated when it has a validator, and
    // served if the upstream fails where stale-if-error allows it. A client's own conditional
    // request goes upstream as sent and its answer is its own.
    const stored = shareable ? found.entry : undefined
    let label: CacheStatus = status
    const sentAt = now()
    try {
      const result =
        stored && canRevalidate(stored)
          ? await revalidate({
              exchange,
              request,
              entry: stored,
              entryKey: lookupKeys.entry,
              requestHeaders: rawHeaders,
              generations: found.generations,
              client,
            })
          : 'refetch'
      label = resultStatus(result, status)
      if (result === 'refetch') {
        await next()
        const reply = exchange.reply
        if (
          stored &&
          reply &&
          isStaleIfErrorOutcome(reply.status, reply.gatewayErrorCode) &&
          usableOnError(freshnessOf(stored.meta), now())
        ) {
          // RFC 5861 §4: an origin failure answered from the stale entry.
          discardBody(reply.body)
          exchange.reply = replyFromEntry(stored, request, now())
          label = 'stale'
        }
      }
    } finally {
      exchange.cacheStatus = label
      settleLeader({
        exchange,
        clientGone: c.env.outgoing.destroyed,
        flight,
        coalescer,
        store,
        policy,
        lookupKeys,
        learn: (body) => hints.learn(keys, exchange.route!, body),
        // No generations were read: nothing may be written (it could not be invalidated).
        write: !found.unavailable && !request.head,
        source: {
          requestHeaders: rawHeaders,
          generations: found.generations,
          sentAt,
          receivedAt: now(),
        },
        now,
      })
    }
  }

  return async function cache(c, next) {
    const exchange = c.get('exchange')
    if (exchange.invalidTarget) return passThrough(c, next)
    const plan = planRequest(exchange.method, exchange.route, c.env.incoming.rawHeaders)
    if (plan.kind === 'lookup') return lookup(c, next, plan.request)
    if (plan.kind === 'mutation') return mutate(c, next)
    return passThrough(c, next)
  }
}
