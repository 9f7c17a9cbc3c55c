/**
 * `lookup`: a read that may be cached. `transfer`: a download or upload, never cached and kept
 * out of latency SLIs. `mutation`: a write, which invalidates what it names.
 */
export type RouteKind = 'lookup' | 'transfer' | 'mutation'

/** One row of the route table, as written in the built-in table or in `ROUTES_FILE`. */
export interface RouteDefinition {
  readonly methods: readonly string[]
  /** Path relative to the upstream's base path, with `{name}` parameters; a last `*` segment matches the rest. */
  readonly template: string
  readonly kind: RouteKind
  /** The parameter naming the resource this route reads or writes. */
  readonly resource?: string
  /** The parameter naming the container (folder, drive) the resource sits in. */
  readonly parent?: string
  /**
   * Writes only: paths of lookups that name no resource and that this write also changes (the
   * recycle bin's listing, quota, user info). Each is invalidated for every caller.
   */
  readonly invalidates?: readonly string[]
  /** A name from `UPSTREAMS`; the default upstream when absent. */
  readonly upstream?: string
}

/** The route a request matched, with its decoded parameters. */
export interface RouteMatch {
  readonly route: RouteDefinition
  readonly params: Readonly<Record<string, string>>
}
