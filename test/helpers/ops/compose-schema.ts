/**
 * The Compose Specification's JSON schema, vendored: compose-spec/compose-spec
 * `schema/compose-spec.json` as of commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6 (last changed
 * in a08f8d51631b7127ddac3d2c65537db429d0f1d0, 2025-10-28), Apache License 2.0, Copyright The Compose Specification Authors. It is the schema
 * `docker compose config` validates against; no Docker engine runs in these tests.
 */

import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'

export function composeValidator(): ValidateFunction {
  const schema = JSON.parse(
    readFileSync(new URL('./compose-spec.schema.json', import.meta.url), 'utf8')
  ) as Record<string, unknown>
  // The schema names its draft as https://json-schema.org/draft-07/schema, a URL Ajv does not
  // register (it knows http://…#); the keywords are plain draft-07, which Ajv speaks by default.
  delete schema.$schema
  return new Ajv({ allErrors: true, strict: false }).compile(schema)
}
