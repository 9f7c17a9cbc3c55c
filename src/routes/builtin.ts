import type { RouteDefinition } from './types.ts'

// What is known of the Drive endpoints: API 1.0 "v2" (resourceKey) and API 2.0 (fileId).
// Templates are relative to the upstream base URL, which carries the API prefix
// (e.g. `https://apis.worksmobile.com/r/{API ID}/drive/rl/{resourceLocation}/v2` or
// `https://www.worksapis.com/v1.0`). A last `*` catches the writes whose verb is not listed,
// so that any write under a resource still names it and invalidates its cache entries.

const READ = ['GET', 'HEAD'] as const
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

/**
 * What every API 1.0 write may also change: the recycle bin's listing (a delete puts a file
 * there, a restore or permanent delete takes it out), the drive quota and the user info (sizes).
 * These lookups name no resource, so a write names them here.
 */
const API10_SIDE_EFFECTS = ['/recycle-files', '/getQuota/v1', '/getUserInfo/v1'] as const

const api10: RouteDefinition[] = [
  { methods: READ, template: '/files/{resourceKey}', kind: 'lookup', resource: 'resourceKey' },
  // POST on a file is not a known 1.0 operation: left to the RFC 9111 §4.4 rule for unmatched
  // unsafe methods (invalidates the target once it succeeded).
  {
    methods: ['PUT', 'PATCH', 'DELETE'],
    template: '/files/{resourceKey}',
    kind: 'mutation',
    resource: 'resourceKey',
    invalidates: API10_SIDE_EFFECTS,
  },
  {
    methods: READ,
    template: '/files/{resourceKey}/children',
    kind: 'lookup',
    resource: 'resourceKey',
  },
  {
    methods: READ,
    template: '/files/{resourceKey}/download',
    kind: 'transfer',
    resource: 'resourceKey',
    upstream: 'files',
  },
  // The upload names its folder in `toParentKey` (query or multipart field), not in the path.
  {
    methods: ['POST'],
    template: '/files',
    kind: 'transfer',
    upstream: 'files',
    invalidates: API10_SIDE_EFFECTS,
  },
  { methods: READ, template: '/recycle-files', kind: 'lookup' },
  // Emptying the bin, and deleting one item for good.
  { methods: WRITE, template: '/recycle-files', kind: 'mutation', invalidates: API10_SIDE_EFFECTS },
  {
    methods: WRITE,
    template: '/recycle-files/{resourceKey}',
    kind: 'mutation',
    resource: 'resourceKey',
    invalidates: API10_SIDE_EFFECTS,
  },
  {
    methods: ['POST'],
    template: '/recycle-files/{resourceKey}/restore',
    kind: 'mutation',
    resource: 'resourceKey',
    invalidates: API10_SIDE_EFFECTS,
  },
  {
    methods: WRITE,
    template: '/recycle-files/{resourceKey}/*',
    kind: 'mutation',
    resource: 'resourceKey',
    invalidates: API10_SIDE_EFFECTS,
  },
  {
    methods: WRITE,
    template: '/files/{resourceKey}/*',
    kind: 'mutation',
    resource: 'resourceKey',
    invalidates: API10_SIDE_EFFECTS,
  },
  { methods: READ, template: '/getQuota/v1', kind: 'lookup' },
  { methods: READ, template: '/getUserInfo/v1', kind: 'lookup' },
]

/** API 2.0 containers: the same file operations exist under each of them. */
const containers: { prefix: string; parent: string; listedIn?: readonly string[] }[] = [
  { prefix: '/users/{userId}/drive/sharedfolders/{sharedFolderId}', parent: 'sharedFolderId' },
  { prefix: '/users/{userId}/drive', parent: 'userId' },
  { prefix: '/sharedrives/{sharedriveId}', parent: 'sharedriveId', listedIn: ['/sharedrives'] },
  { prefix: '/groups/{groupId}/folder', parent: 'groupId' },
]

/**
 * Every lookup under a container names the container as its resource or parent, so any write
 * in the container (which names it as its parent) invalidates all of them: listings of every
 * folder, the trash, the drive's properties and quota. Coarse, but no write is missed.
 */
function containerRoutes(
  prefix: string,
  parent: string,
  listedIn: readonly string[] | undefined
): RouteDefinition[] {
  const file = `${prefix}/files/{fileId}`
  const routes: RouteDefinition[] = [
    { methods: READ, template: prefix, kind: 'lookup', resource: parent },
    { methods: WRITE, template: prefix, kind: 'mutation', resource: parent },
    { methods: READ, template: `${prefix}/files`, kind: 'lookup', resource: parent },
    { methods: ['POST'], template: `${prefix}/files`, kind: 'mutation', resource: parent },
    { methods: READ, template: file, kind: 'lookup', resource: 'fileId', parent },
    {
      methods: WRITE,
      template: file,
      kind: 'mutation',
      resource: 'fileId',
      parent,
    },
    { methods: READ, template: `${file}/children`, kind: 'lookup', resource: 'fileId', parent },
    { methods: READ, template: `${file}/download`, kind: 'transfer', resource: 'fileId', parent },
    { methods: READ, template: `${file}/revisions`, kind: 'lookup', resource: 'fileId', parent },
    {
      methods: READ,
      template: `${file}/revisions/{revisionId}`,
      kind: 'lookup',
      resource: 'fileId',
      parent,
    },
    {
      methods: READ,
      template: `${file}/revisions/{revisionId}/download`,
      kind: 'transfer',
      resource: 'fileId',
      parent,
    },
    {
      methods: READ,
      template: `${file}/share-sub-folders`,
      kind: 'lookup',
      resource: 'fileId',
      parent,
    },
    { methods: READ, template: `${file}/permissions`, kind: 'lookup', resource: 'fileId', parent },
    { methods: READ, template: `${prefix}/trash-files`, kind: 'lookup', resource: parent },
    { methods: WRITE, template: `${prefix}/trash-files`, kind: 'mutation', resource: parent },
    {
      methods: WRITE,
      template: `${prefix}/trash-files/{fileId}`,
      kind: 'mutation',
      resource: 'fileId',
      parent,
    },
    {
      methods: WRITE,
      template: `${prefix}/trash-files/{fileId}/*`,
      kind: 'mutation',
      resource: 'fileId',
      parent,
    },
    { methods: WRITE, template: `${file}/*`, kind: 'mutation', resource: 'fileId', parent },
  ]
  // A list of containers (shared drives) shows their usage: every write in one changes it.
  return listedIn === undefined
    ? routes
    : routes.map((route) =>
        route.kind === 'mutation' ? { ...route, invalidates: listedIn } : route
      )
}

const api20: RouteDefinition[] = [
  {
    methods: READ,
    template: '/users/{userId}/drive/sharedfolders',
    kind: 'lookup',
    resource: 'userId',
  },
  { methods: READ, template: '/sharedrives', kind: 'lookup' },
  { methods: ['POST'], template: '/sharedrives', kind: 'mutation' },
  ...containers.flatMap(({ prefix, parent, listedIn }) =>
    containerRoutes(prefix, parent, listedIn)
  ),
]

/** The built-in route table; `ROUTES_FILE` extends or replaces it. */
export const BUILTIN_ROUTES: readonly RouteDefinition[] = Object.freeze([...api10, ...api20])
