/**
 * Writes the generated deploy files (Prometheus rules, Kubernetes manifests).
 * `node deploy/generate.ts` regenerates; `--check` only reports stale files and exits 1.
 */

import { renderDeployFiles } from './render.ts'
import { writeGenerated } from './write-generated.ts'

writeGenerated(renderDeployFiles(), 'deploy files')
