/**
 * A private dbus-daemon and a test service for the D-Bus tests: nothing of the host's buses is used. The
 * daemon's configuration is written here, so the test needs only the dbus-daemon binary, not Debian's
 * session.conf; the service is tests/lib/dbus-service.py (Debian's python3-gi).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { ROOT } from './run.ts';

export const PYTHON = '/usr/bin/python3';

export interface Bus {
  readonly address: string;
  readonly socket: string;
  readonly stop: () => void;
}

async function firstLine(p: Subprocess<'ignore', 'pipe', 'inherit'>, what: string): Promise<string> {
  const reader = p.stdout.getReader();
  let text = '';
  const deadline = Date.now() + 20_000;
  while (!text.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`${what} exited before it was ready`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.slice(0, text.indexOf('\n'));
}

/** A bus listening on DIR/NAME (`abstract`: on an abstract socket of that name as well as nowhere else). */
export async function startBus(dir: string, name: string, opts: { abstract?: boolean } = {}): Promise<Bus> {
  const socket = join(dir, name);
  const listen = opts.abstract ? `unix:abstract=${socket}` : `unix:path=${socket}`;
  const config = join(dir, `${name}.conf`);
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${listen}</listen>
  <auth>EXTERNAL</auth>
  <limit name="max_match_rules_per_connection">50000</limit>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
  );
  const p = Bun.spawn(['dbus-daemon', `--config-file=${config}`, '--nofork', '--print-address=1'], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  const printed = await firstLine(p, 'dbus-daemon');
  return { address: printed.split(',')[0] ?? printed, socket, stop: () => p.kill('SIGKILL') };
}

/** The test service on `bus` (`system` makes it a DBUS_SYSTEM_BUS_ADDRESS client), owning `names`. */
export async function startService(bus: Bus, kind: 'session' | 'system', log: string, names: readonly string[]): Promise<() => void> {
  const env = { ...process.env, [kind === 'session' ? 'DBUS_SESSION_BUS_ADDRESS' : 'DBUS_SYSTEM_BUS_ADDRESS']: bus.address };
  const p = Bun.spawn([PYTHON, join(ROOT, 'tests/lib/dbus-service.py'), kind, log, ...names], { env, stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  const line = await firstLine(p, 'the D-Bus test service');
  if (line !== 'ready') throw new Error(`the D-Bus test service said ${line}`);
  return () => p.kill('SIGKILL');
}

/** Whether a process exists and is not a zombie (a VM's pid 1 may leave orphans unreaped). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
