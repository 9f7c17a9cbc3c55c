import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:image`: the image test alone. It builds images (minutes on a cold machine),
// so `npm test` leaves it out (its files are not *.test.ts) and `.ci/run` runs it after.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/image/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 20 * 60_000,
  },
})
