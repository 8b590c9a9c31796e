/**
 * --top: the caller's sandboxes with their CPU and memory use, redrawn every second until `q` or Ctrl-C.
 * Columns as Firejail's MONITORING section lists them. A sandbox's figures are the sums over its anchor
 * and every process below it. On a terminal the screen is redrawn in place; otherwise each frame is
 * printed after the last, so that the output can be logged.
 */
import { isatty } from 'node:tty';
import { writeAll } from '../sys/fs.ts';
import { childrenMap, processTable, readText, subtree } from './proc.ts';
import { listSandboxes, type Caller, type Sandbox } from './scan.ts';

const INTERVAL_MS = 1000;
// NOTE: /proc reports CPU time in USER_HZ ticks, which the kernel fixes at 100 on x86_64 and arm64.
const TICKS_PER_SECOND = 100;
const PAGE_KIB = 4;

interface Sample {
  readonly at: number;
  /** CPU ticks per sandbox, by anchor pid and start time (a recycled pid is a new sandbox). */
  readonly ticks: ReadonlyMap<string, number>;
}

interface Row {
  readonly sb: Sandbox;
  readonly cpu: number | undefined;
  readonly resKiB: number;
  readonly shrKiB: number;
  readonly processes: number;
}

const key = (sb: Sandbox) => `${sb.entry.pid}@${sb.entry.startTime}`;

function sample(caller: Caller, previous: Sample | undefined): { rows: Row[]; next: Sample } {
  const sandboxes = listSandboxes(caller);
  const table = processTable();
  const children = childrenMap(table);
  const at = performance.now();
  const ticks = new Map<string, number>();
  const rows = sandboxes.map((sb): Row => {
    const members = subtree(children, sb.entry.pid);
    let cpuTicks = 0;
    let resKiB = 0;
    let shrKiB = 0;
    for (const pid of members) {
      const p = table.get(pid);
      cpuTicks += p?.cpuTicks ?? 0;
      resKiB += (p?.rssPages ?? 0) * PAGE_KIB;
      shrKiB += Number((readText(`/proc/${pid}/statm`) ?? '').split(' ')[2] ?? 0) * PAGE_KIB;
    }
    ticks.set(key(sb), cpuTicks);
    const before = previous?.ticks.get(key(sb));
    const seconds = previous === undefined ? 0 : (at - previous.at) / 1000;
    const cpu = before === undefined || seconds <= 0 ? undefined : ((cpuTicks - before) / TICKS_PER_SECOND / seconds) * 100;
    return { sb, cpu, resKiB, shrKiB, processes: members.length };
  });
  rows.sort((a, b) => (b.cpu ?? 0) - (a.cpu ?? 0) || a.sb.entry.pid - b.sb.entry.pid);
  return { rows, next: { at, ticks } };
}

function uptime(started: number): string {
  const s = Math.max(0, Math.floor((Date.now() - started) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

export function formatFrame(rows: readonly Row[], columns: number): string {
  const header = `${'PID'.padStart(7)} ${'User'.padEnd(9)} ${'RES(KiB)'.padStart(9)} ${'SHR(KiB)'.padStart(9)} ${'CPU%'.padStart(6)} ${'Prcs'.padStart(5)} ${'Uptime'.padStart(9)} Command`;
  const lines = rows.map((r) => {
    const e = r.sb.entry;
    const name = e.name === '' ? '' : `${e.name}: `;
    return [
      String(e.pid).padStart(7),
      r.sb.user.slice(0, 9).padEnd(9),
      String(r.resKiB).padStart(9),
      String(r.shrKiB).padStart(9),
      (r.cpu === undefined ? '-' : r.cpu.toFixed(1)).padStart(6),
      String(r.processes).padStart(5),
      uptime(e.started).padStart(9),
      `${name}${e.command.join(' ')}`,
    ].join(' ');
  });
  return [header, ...lines].map((l) => l.slice(0, Math.max(columns, 40))).join('\n') + '\n';
}

/** Runs until `q`, Ctrl-C, SIGINT or SIGTERM; resolves to the exit status. */
export function runTop(caller: Caller): Promise<number> {
  const tty = isatty(1);
  const columns = () => (tty ? (process.stdout.columns ?? 80) : 1000);
  let state = sample(caller, undefined);
  const render = () => writeAll(1, `${tty ? '\x1b[H\x1b[2J' : ''}${formatFrame(state.rows, columns())}${tty ? '' : '\n'}`);
  const tick = () => {
    state = sample(caller, state.next);
    render();
  };
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const rawMode = isatty(0);
    const timer = setInterval(tick, INTERVAL_MS);
    const quit = () => {
      clearInterval(timer);
      if (rawMode) stdin.setRawMode(false);
      stdin.pause();
      if (tty) writeAll(1, '\x1b[?25h');
      resolve(0);
    };
    if (rawMode) stdin.setRawMode(true);
    stdin.on('data', (chunk: Buffer) => {
      // q, or Ctrl-C arriving as a byte in raw mode.
      if (chunk.includes(0x71) || chunk.includes(0x51) || chunk.includes(0x03)) quit();
    });
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
    if (tty) writeAll(1, '\x1b[?25l');
    // The first frame comes at once; CPU% needs two samples and shows '-' until the next.
    render();
  });
}
