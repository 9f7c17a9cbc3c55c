/** Helpers over flat `[name, value, name, value, …]` header lists (Node's `rawHeaders`). Pure. */

/** Every value of a field, in order (field names compared case-insensitively). */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!)
  }
  return values
}

/**
 * A field's combined value, as RFC 9110 §5.3 allows for list-based fields (`a, b`), or undefined
 * when absent.
 */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  const values = headerValues(rawHeaders, name)
  return values.length === 0 ? undefined : values.join(', ')
}

/** A copy without the named fields (lower-case names); order and repeats of the rest kept. */
export function withoutHeaders(
  rawHeaders: readonly string[],
  names: ReadonlySet<string>
): string[] {
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!names.has(rawHeaders[i]!.toLowerCase())) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!)
  }
  return kept
}

/** A copy with only the named fields (lower-case names), in their order. */
export function onlyHeaders(rawHeaders: readonly string[], names: ReadonlySet<string>): string[] {
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (names.has(rawHeaders[i]!.toLowerCase())) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!)
  }
  return kept
}

/** Comma-separated list members (RFC 9110 §5.6.1), trimmed, empty ones dropped. */
export function listMembers(value: string | undefined): string[] {
  if (!value) return []
  return value
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member !== '')
}
