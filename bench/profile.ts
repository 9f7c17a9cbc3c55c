// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by where the
// code lives (gateway source folders, each dependency, Node internals, GC, native).
import { readFileSync } from 'node:fs'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly hitCount?: number
}

interface CpuProfile {
  readonly nodes: ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples?: number[]
  readonly timeDeltas?: number[]
}

export interface ProfileShare {
  readonly name: string
  /** Share of non-idle samples, percent. */
  readonly percent: number
}

export interface ProfileSummary {
  /** What was profiled, e.g. `proxy, CACHE=off, upstream 0 ms`. */
  readonly title?: string
  readonly file: string
  readonly sampledMs: number
  readonly byArea: ProfileShare[]
  readonly topFunctions: ProfileShare[]
}

/** Where a frame's code lives, e.g. `src/proxy`, `undici`, `node internals`, `GC`. */
export function areaOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame
  if (functionName === '(garbage collector)') return 'GC'
  if (functionName === '(program)') return 'V8/native (program)'
  if (functionName === '(idle)') return 'idle'
  if (url === '') return 'V8/native builtins'
  // The innermost package: nested dependencies are named for themselves, not their parent.
  const at = url.lastIndexOf('/node_modules/')
  const nm = at < 0 ? null : /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url.slice(at))
  if (nm) return nm[1]!
  if (url.startsWith('node:')) return 'node internals'
  const local = url.replace(/^file:\/\//, '')
  if (local.startsWith(root)) {
    const rel = local.slice(root.length)
    const parts = rel.split('/')
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : rel
  }
  return 'other'
}

function top(map: Map<string, number>, total: number, n: number): ProfileShare[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, v]) => ({ name, percent: (100 * v) / total }))
}

export function summariseProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  // Self time per node: the sum of the time deltas of its samples (falls back to hit counts).
  const self = new Map<number, number>()
  if (profile.samples && profile.timeDeltas) {
    profile.samples.forEach((id, i) => {
      const next = profile.timeDeltas![i + 1] ?? 0
      self.set(id, (self.get(id) ?? 0) + next)
    })
  } else {
    for (const n of profile.nodes) self.set(n.id, n.hitCount ?? 0)
  }
  const areas = new Map<string, number>()
  const functions = new Map<string, number>()
  let total = 0
  for (const [id, t] of self) {
    const node = byId.get(id)
    if (!node) continue
    const area = areaOf(node.callFrame, root)
    if (area === 'idle') continue
    total += t
    areas.set(area, (areas.get(area) ?? 0) + t)
    const f = node.callFrame
    const where = f.url ? `${areaOf(f, root)}:${f.lineNumber + 1}` : area
    const key = `${f.functionName || '(anonymous)'} (${where})`
    functions.set(key, (functions.get(key) ?? 0) + t)
  }
  return {
    file,
    sampledMs: total / 1000,
    byArea: top(areas, total, 14),
    topFunctions: top(functions, total, 15),
  }
}
