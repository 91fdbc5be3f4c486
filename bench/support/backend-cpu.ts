import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux build in use). */
const TICKS_PER_SECOND = 100;

/**
 * Microseconds of CPU (user + system) spent so far by the PostgreSQL backends serving `database` on this machine:
 * the processes whose title names it (`postgres: 15/main: root <database> 127.0.0.1(…)`). Read from /proc, so
 * Linux only (null elsewhere) and only for a server on this machine. Backends that exit between two readings take
 * their time with them, which the bench's pooled connections do not.
 */
export function backendCpuMicros(database: string): number | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  let micros = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue;
      micros += processCpuMicros(Number(pid)) ?? 0;
    } catch {
      // The process ended while the directory was read.
    }
  }
  return micros;
}

/**
 * Microseconds of CPU (user + system) process `pid` has spent so far, from /proc (null when it is not readable:
 * not Linux, or the process is gone). For a child process, whose time `process.cpuUsage` does not count.
 */
export function processCpuMicros(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name in parentheses: state is the 3rd, utime the 14th and stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1_000_000;
}

/** The database a postgres:// URL names. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
