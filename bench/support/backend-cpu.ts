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
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue;
      // Fields after the command name in parentheses: state is the 3rd, utime the 14th and stime the 15th.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while the directory was read.
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1_000_000;
}

/** The database a postgres:// URL names. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
