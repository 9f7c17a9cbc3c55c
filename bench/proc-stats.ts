// Reads CPU time and memory of processes from /proc (Linux only), as in the prototype method:
// CPU µs/req = (utime + stime) delta / requests; RSS = VmRSS sampled under load.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

/** Clock ticks per second of the /proc CPU counters (`getconf CLK_TCK`, 100 on Linux). */
export const CLK_TCK: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

// Index in statFields() of stat field N (1-based, as in proc(5)): N - 3.
const UTIME = 14 - 3
const STIME = 15 - 3
const CUTIME = 16 - 3
const CSTIME = 17 - 3

/** utime + stime of a process in ticks; 0 once it is gone. */
export function cpuTicks(pid: number): number {
  const f = statFields(pid)
  return f ? Number(f[UTIME]) + Number(f[STIME]) : 0
}

/** stime alone: CPU spent in the kernel for the process (syscalls, here mostly TCP). */
export function sysTicks(pid: number): number {
  const f = statFields(pid)
  return f ? Number(f[STIME]) : 0
}

/**
 * This process's own CPU plus that of its children already reaped (wrk runs end inside a
 * measurement window, so their time shows up here once they exit).
 */
export function selfTicks(): number {
  const f = statFields('self')
  return f ? Number(f[UTIME]) + Number(f[STIME]) + Number(f[CUTIME]) + Number(f[CSTIME]) : 0
}

function statusKb(pid: number, field: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

/** Resident set size in bytes; 0 when the process is gone. */
export function rssBytes(pid: number): number {
  return statusKb(pid, 'VmRSS') * 1024
}

/** Peak resident set size since the process started (VmHWM), in bytes. */
export function hwmBytes(pid: number): number {
  return statusKb(pid, 'VmHWM') * 1024
}

/** Direct children of a process (e.g. nginx workers of their master). */
export function childrenOf(pid: number): number[] {
  const out: number[] = []
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      if (text) out.push(...text.split(/\s+/).map(Number))
    }
  } catch {
    // gone
  }
  return out
}

/** Process-busy and total ticks of the machine, summed over CPUs (first line of /proc/stat). */
export function systemTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v
  // Interrupt time (loopback networking runs in softirq) belongs to no process: kept apart so it
  // does not count as another process's load.
  const busy = user + nice + system + steal
  return { busy, total: busy + irq + softirq + idle + iowait }
}

export function cpuCount(): number {
  const text = readFileSync('/proc/stat', 'utf8')
  return text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length
}

export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    return match?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The 1-minute load average (/proc/loadavg): runnable and waiting tasks of the whole machine. */
export function loadAvg1(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
  } catch {
    return NaN
  }
}
