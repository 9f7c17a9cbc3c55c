/**
 * A setting that cannot be used. The message is one line naming the variable, the value and
 * what was expected, so `main.ts` can print it and exit without a stack trace.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)}: expected ${expected}`)
  }
}
