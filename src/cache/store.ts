/**
 * The store behind the cache: a small key-value interface shaped after undici's `CacheStore`
 * (`get`/`set`/`delete`), plus generation bumps and a short lock. Values are opaque bytes; the
 * cache layers entry encoding, timeouts and the circuit breaker on top. Implementations: the
 * bounded in-process `MemoryStore` and the ioredis `RedisStore`, held to one contract suite.
 */
import { randomBytes } from 'node:crypto'

export interface CacheStore {
  /** `memory` or `redis`, for logs. */
  readonly kind: string
  /** The values of `keys`, in order; undefined where a key is absent or expired. One round trip. */
  get(keys: readonly string[]): Promise<(Buffer | undefined)[]>
  /** Stores a value that expires after `ttlMs`. */
  set(key: string, value: Buffer, ttlMs: number): Promise<void>
  delete(keys: readonly string[]): Promise<void>
  /**
   * Gives each key a new generation token, one it never held before (so an entry recorded under
   * an older token can never match again), that lives `ttlMs`.
   */
  bump(keys: readonly string[], ttlMs: number): Promise<void>
  /** Takes a lock that expires after `ttlMs`; false when someone holds it. */
  tryLock(key: string, ttlMs: number): Promise<boolean>
  /** Resolves once the store can answer, or after `timeoutMs`, whichever comes first. */
  ready(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/** A fresh generation token: time-ordered for debugging, random so it never repeats. */
export function newGenerationToken(): string {
  return `${Date.now().toString(36)}.${randomBytes(6).toString('base64url')}`
}
