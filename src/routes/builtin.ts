import type { RouteDefinition } from './types.ts'

// What is known of the Drive endpoints: API 1.0 "v2" (resourceKey) and API 2.0 (fileId).
// Templates are relative to the upstream base URL, which carries the API prefix
// (e.g. `https://apis.worksmobile.com/r/{API ID}/drive/rl/{resourceLocation}/v2` or
// `https://www.worksapis.com/v1.0`). A last `*` catches the writes whose verb is not listed,
// so that any write under a resource still names it and invalidates its cache entries.

const READ = ['GET', 'HEAD'] as const
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

const api10: RouteDefinition[] = [
  { methods: READ, template: '/files/{resourceKey}', kind: 'lookup', resource: 'resourceKey' },
  {
    methods: ['DELETE', 'PUT', 'PATCH'],
    template: '/files/{resourceKey}',
    kind: 'mutation',
    resource: 'resourceKey',
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
  { methods: ['POST'], template: '/files', kind: 'transfer', upstream: 'files' },
  { methods: READ, template: '/recycle-files', kind: 'lookup' },
  {
    methods: ['POST'],
    template: '/recycle-files/{resourceKey}/restore',
    kind: 'mutation',
    resource: 'resourceKey',
  },
  {
    methods: WRITE,
    template: '/recycle-files/{resourceKey}/*',
    kind: 'mutation',
    resource: 'resourceKey',
  },
  { methods: WRITE, template: '/files/{resourceKey}/*', kind: 'mutation', resource: 'resourceKey' },
  { methods: READ, template: '/getQuota/v1', kind: 'lookup' },
  { methods: READ, template: '/getUserInfo/v1', kind: 'lookup' },
]

/** API 2.0 containers: the same file operations exist under each of them. */
const containers: { prefix: string; parent: string }[] = [
  { prefix: '/users/{userId}/drive/sharedfolders/{sharedFolderId}', parent: 'sharedFolderId' },
  { prefix: '/users/{userId}/drive', parent: 'userId' },
  { prefix: '/sharedrives/{sharedriveId}', parent: 'sharedriveId' },
  { prefix: '/groups/{groupId}/folder', parent: 'groupId' },
]

function containerRoutes(prefix: string, parent: string): RouteDefinition[] {
  const file = `${prefix}/files/{fileId}`
  return [
    { methods: READ, template: prefix, kind: 'lookup', resource: parent },
    { methods: READ, template: `${prefix}/files`, kind: 'lookup', resource: parent },
    { methods: ['POST'], template: `${prefix}/files`, kind: 'mutation', resource: parent },
    { methods: READ, template: file, kind: 'lookup', resource: 'fileId', parent },
    {
      methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
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
    {
      methods: WRITE,
      template: `${prefix}/trash-files/{fileId}/*`,
      kind: 'mutation',
      resource: 'fileId',
      parent,
    },
    { methods: WRITE, template: `${file}/*`, kind: 'mutation', resource: 'fileId', parent },
  ]
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
  ...containers.flatMap(({ prefix, parent }) => containerRoutes(prefix, parent)),
]

/** The built-in route table; `ROUTES_FILE` extends or replaces it. */
export const BUILTIN_ROUTES: readonly RouteDefinition[] = Object.freeze([...api10, ...api20])
