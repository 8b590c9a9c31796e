/**
 * The commands on running sandboxes and the static tables: argv has been parsed into a ManageAction; the
 * work is in src/registry. Loaded on demand, so the launch path never pays for it.
 */
import { assertNever, UsageError } from '../errors.ts';
import { lookupPasswd } from '../host/facts.ts';
import { findSandbox } from '../registry/find.ts';
import { execJoin } from '../registry/join-exec.ts';
import { formatList, formatTree } from '../registry/list.ts';
import { formatPrint } from '../registry/print.ts';
import { childrenMap, isRunning, processTable } from '../registry/proc.ts';
import { listSandboxes, type Caller, type Sandbox } from '../registry/scan.ts';
import { shutdownSandbox } from '../registry/shutdown.ts';
import { readText, writeAll } from '../sys/fs.ts';
import type { ManageAction } from './args.ts';
import type { Reporter } from './report.ts';
import { formatDebugTable } from './tables.ts';

export interface ManageContext {
  readonly program: readonly string[];
  readonly debug: boolean;
  readonly report: Reporter;
}

function caller(): Caller {
  const uid = process.getuid?.() ?? 0;
  const env = process.env;
  return {
    uid,
    runtimeDir: env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`,
    home: env['HOME'] ?? lookupPasswd(uid)?.home ?? '',
  };
}

/** The sandbox `target` names, given a second to report its pid 1 if it has just started. */
function find(target: string, option: string): Sandbox {
  const c = caller();
  const deadline = performance.now() + 1000;
  for (;;) {
    const sb = findSandbox(listSandboxes(c), target, option, c.uid);
    if (sb.pid1 !== undefined || performance.now() > deadline) return sb;
    Bun.sleepSync(20);
  }
}

function lastCap(): number {
  return Number(readText('/proc/sys/kernel/cap_last_cap')?.trim() ?? '40');
}

export async function runManage(action: ManageAction, ctx: ManageContext): Promise<number> {
  switch (action.kind) {
    case 'list':
      writeAll(1, formatList(listSandboxes(caller()), action.format));
      return 0;
    case 'tree':
      writeAll(1, formatTree(listSandboxes(caller()), processTable(), action.format));
      return 0;
    case 'top': {
      const { runTop } = await import('../registry/top.ts');
      return runTop(caller());
    }
    case 'join': {
      const sb = find(action.target, action.option);
      // Firejail's line, which users of --join know.
      const first = sb.pid1 === undefined ? undefined : childrenMap(processTable()).get(sb.pid1)?.[0];
      if (first !== undefined) ctx.report.info(`Switching to pid ${first}, the first child process inside the sandbox`);
      return execJoin(sb, action.mode, ctx.program, action.option, ctx.debug);
    }
    case 'shutdown':
      shutdownSandbox(find(action.target, '--shutdown'), '--shutdown', (line) => ctx.report.info(line));
      return 0;
    case 'cat':
    case 'ls':
    case 'get':
    case 'put': {
      const { transferCat, transferGet, transferLs, transferPut } = await import('../registry/transfer.ts');
      if (action.kind === 'cat') return transferCat(find(action.target, '--cat'), action.path, ctx.debug);
      const sb = find(action.target, `--${action.kind}`);
      if (action.kind === 'put') return transferPut(sb, action.src, action.dest, ctx.debug);
      return action.kind === 'ls' ? transferLs(sb, action.path, ctx.debug) : transferGet(sb, action.path, ctx.debug);
    }
    case 'print': {
      const out = formatPrint(action.what, find(action.target, action.option), { lastCap: lastCap(), table: processTable() }, action.option);
      if (out.note !== undefined) ctx.report.info(out.note);
      writeAll(1, out.stdout);
      return 0;
    }
    case 'net-print': {
      const { printDns, printFilter, printNet } = await import('../net/print.ts');
      const sb = find(action.target, action.option);
      const uid = caller().uid;
      const out =
        action.what === 'net' ? await printNet(sb, action.option, uid)
        : action.what === 'dns' ? printDns(sb, action.option, processTable())
        : await printFilter(sb, action.option, uid, action.what === 'netfilter' ? 4 : 6);
      if (out.note !== undefined) ctx.report.info(out.note);
      writeAll(1, out.stdout);
      return 0;
    }
    case 'netstats': {
      const { printNetstats } = await import('../net/print.ts');
      const out = printNetstats(listSandboxes(caller()));
      if (out.note !== undefined) ctx.report.info(out.note);
      writeAll(1, out.stdout);
      return 0;
    }
    case 'bandwidth': {
      const { parseBandwidth, runBandwidth } = await import('../net/bandwidth.ts');
      const cmd = parseBandwidth('--bandwidth', action.words);
      const out = await runBandwidth(find(action.target, '--bandwidth'), '--bandwidth', caller().uid, cmd);
      if (out.note !== undefined) ctx.report.info(out.note);
      writeAll(1, out.stdout);
      return 0;
    }
    case 'trace': {
      const { runTrace } = await import('../net/trace.ts');
      return runTrace(action.what, find(action.target, action.option), { option: action.option, info: (line) => ctx.report.info(line) });
    }
    case 'debug-table':
      writeAll(1, formatDebugTable(action.table));
      return 0;
    default:
      return assertNever(action);
  }
}

/**
 * `join-or-start NAME`: joins the caller's sandbox of that name, running `program` there, if one runs;
 * returns false if none does, and the caller starts one under that name.
 */
export function joinIfRunning(name: string, program: readonly string[], debug: boolean): false {
  const c = caller();
  const sb = listSandboxes(c).find((s) => s.entry.name === name && s.entry.uid === c.uid);
  if (sb === undefined) return false;
  try {
    return execJoin(sb, 'all', program, '--join-or-start', debug);
  } catch (e) {
    // NOTE: the sandbox may end between being listed and being joined; then there is none to join.
    if (e instanceof UsageError && !isRunning(sb.entry.pid, sb.entry.startTime)) return false;
    throw e;
  }
}
