/**
 * `kiln --build[=FILE] PROGRAM [ARGS…]`: run the program once under --noprofile with strace in front of
 * bwrap (every call of the program, its threads and children), write a profile from what it used
 * (profile.ts), check that --profile.check accepts it, and run the program again under it to see that
 * it exits the same way. If the run fails with private-lib, the profile goes without it and is checked
 * again. The profile goes to FILE (never over an existing file) or to stdout; the verdict to stderr.
 *
 * Nothing is left behind: the trace and the candidate profile live in a directory of kiln's own state
 * directory, which sandboxes never see, removed at the end whatever happens. The program itself runs
 * twice, and changes what it changes on each run, as it would if run twice by hand.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import { HostError, SyscallError, UsageError } from '../errors.ts';
import { probeHost, type HostFacts } from '../host/facts.ts';
import { defaultSearchPath, locate } from '../profile/search.ts';
import { archFromNode } from '../seccomp/index.ts';
import { listSyscalls } from '../seccomp/syscalls.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { mkdirAll, readLink, readRange, writeAll } from '../sys/fs.ts';
import { dbusSocketPaths } from '../desktop/address.ts';
import { hasElfMagic } from '../plan/elf.ts';
import { parseShebang } from '../plan/private-bin.ts';
import type { Invocation } from '../cli/args.ts';
import { BUILD_TRACE_OPTION } from '../trace/request.ts';
import type { Reporter } from '../cli/report.ts';
import { buildProfile, type BuildContext } from './profile.ts';
import { observe, type Observed } from './observe.ts';
import { EEXIST, O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } from '../sys/flags.ts';


/** How a run ended: its exit status, or the signal that ended it. */
interface Ending {
  readonly code: number | null;
  readonly signal: string | null;
}

function describe(e: Ending): string {
  return e.signal !== null ? `was killed by ${e.signal}` : `exited with ${e.code}`;
}

async function runKiln(args: readonly string[]): Promise<Ending> {
  const child = Bun.spawn(['/proc/self/exe', ...args], { argv0: 'kiln', stdio: ['inherit', 'inherit', 'inherit'], env: process.env });
  await child.exited;
  const sig = child.signalCode;
  return { code: child.exitCode, signal: sig === null ? null : String(sig) };
}

/** The first line of a script (`#!/bin/sh -e`), as the interpreter and, for `env NAME`, NAME found on PATH. */
function interpreterOf(path: string, pathVar: string): string[] {
  const [interp, arg] = parseShebang(readRange(path, 0, 256) ?? new Uint8Array()) ?? [];
  if (interp === undefined) return [];
  if (interp.endsWith('/env') && arg !== undefined && !arg.startsWith('-')) {
    const found = pathVar.split(':').map((d) => `${d}/${arg}`).find((p) => readRange(p, 0, 1) !== undefined);
    return found === undefined ? [interp] : [interp, found];
  }
  return [interp];
}

function isElf(path: string): boolean {
  return hasElfMagic(readRange(path, 0, 4) ?? new Uint8Array());
}

/** Where a symlink leads, step by step (at most 8), each made absolute. */
function linkChain(path: string): string[] {
  const out: string[] = [];
  let p = path;
  for (let i = 0; i < 8; i++) {
    const t = readLink(p);
    if (t === undefined) break;
    p = t.startsWith('/') ? t : `${p.slice(0, p.lastIndexOf('/'))}/${t}`;
    out.push(p.replace(/\/[^/]+\/\.\.\//g, '/'));
  }
  return out;
}

function busPaths(env: Readonly<Record<string, string | undefined>>, uid: number): { session: string[]; system: string[] } {
  const runtime = env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`;
  return {
    session: [...dbusSocketPaths(env['DBUS_SESSION_BUS_ADDRESS']).paths, `${runtime}/bus`],
    system: [...dbusSocketPaths(env['DBUS_SYSTEM_BUS_ADDRESS']).paths, '/run/dbus/system_bus_socket', '/var/run/dbus/system_bus_socket'],
  };
}

/** What the profile writer needs besides the trace, read from the host once (private-lib is set per try). */
function context(inv: Invocation, argv: readonly string[], obs: Observed, caller: HostFacts): BuildContext {
  const search = defaultSearchPath(caller.home);
  const pathVar = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
  const interpreters = new Map<string, string[]>();
  const binLinks = new Map<string, string[]>();
  const elf = new Set<string>();
  for (const e of new Set(obs.execs)) {
    if (isElf(e)) elf.add(e);
    const i = interpreterOf(e, pathVar);
    if (i.length > 0) interpreters.set(e, i);
    for (const p of [e, ...i]) {
      const chain = linkChain(p);
      if (chain.length > 0) binLinks.set(p, chain);
    }
  }
  const buses = busPaths(process.env, caller.uid);
  const arch = archFromNode(process.arch);
  return {
    program: inv.program,
    commandLine: ['kiln', ...argv],
    date: new Date().toISOString().slice(0, 10),
    version: pkg.version,
    home: caller.home,
    sessionBus: buses.session,
    systemBus: buses.system,
    includeExists: (name) => locate(name, search.dirs, search.builtins) !== undefined,
    interpreters,
    binLinks,
    elf,
    knownSyscalls: new Set(arch === undefined ? [] : listSyscalls(arch).map(([, n]) => n)),
    privateLib: true,
  };
}

/** Writes `text` to a new file; an existing file is never overwritten. */
function writeNew(path: string, text: string, option: string): void {
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644);
  if (fd < 0) {
    const e = errno();
    throw new HostError(`${option}: cannot write ${path}: ${new SyscallError('open', e).message}${e === EEXIST ? ' (kiln does not overwrite a profile; remove it or name another file)' : ''}`);
  }
  try {
    writeAll(fd, text);
  } finally {
    libc().close(fd);
  }
}

/** --profile.check on the written file: the builder's profile must always pass. */
async function checkProfile(path: string): Promise<string | undefined> {
  const { buildPolicy } = await import('../policy/index.ts');
  const { profileReport } = await import('../policy/report.ts');
  const uid = process.getuid?.() ?? 0;
  const out = profileReport('profile-check', buildPolicy({ target: { kind: 'named', name: path }, directives: [], uid, isRoot: uid === 0, cwd: process.cwd(), env: process.env }));
  if (out.exitCode !== 0) return `${out.stdout}${out.stderr}`.trim();
  return /recognized but not enforced/.test(out.stdout) ? out.stdout.trim() : undefined;
}

export async function runBuild(inv: Invocation, file: string | undefined, argv: readonly string[], report: Reporter): Promise<number> {
  const option = file === undefined ? '--build' : `--build=${file}`;
  const stray = inv.directives[0]?.text ?? (inv.profile !== undefined ? `--profile=${inv.profile}` : undefined);
  if (stray !== undefined) throw new UsageError(`${stray} cannot be used with --build: the program runs under --noprofile while it is traced, then under the profile written for it`);
  if (inv.appimage) throw new UsageError('--build does not take --appimage yet');
  const caller = await probeHost();
  mkdirAll(caller.stateDir, 0o700);
  const dir = mkdtempSync(`${caller.stateDir}/build-`);
  // Ctrl-C reaches the program (the same process group); the builder only notes it and cleans up.
  let interrupted: string | undefined;
  const note = (sig: string) => () => {
    interrupted = sig;
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, note(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const quiet = inv.quiet ? ['--quiet'] : [];
    const debug = inv.debug ? ['--debug'] : [];
    report.info(`kiln --build: running ${inv.program.join(' ')} under --noprofile, traced`);
    const traced = await runKiln([...quiet, ...debug, `--${BUILD_TRACE_OPTION}=${dir}/trace`, '--noprofile', '--', ...inv.program]);
    if (interrupted !== undefined) throw new HostError(`--build: interrupted (${interrupted}); no profile written`);
    let text: string;
    try {
      text = readFileSync(`${dir}/trace`, 'utf8');
    } catch {
      throw new HostError(`--build: the traced run left no trace (kiln ${describe(traced)}); no profile written`);
    }
    const obs = observe(text, process.cwd());
    if (!obs.started) throw new HostError(`--build: the program never started under the trace (kiln ${describe(traced)}); no profile written`);
    if (obs.skipped > 0) report.warn(`--build: ${obs.skipped} lines of strace's output were not understood; the profile may miss what they did`);
    const name = (inv.program[0] ?? 'program').split('/').pop() ?? 'program';
    let verdict = '';
    let profile = '';
    let passed = false;
    const ctx = context(inv, argv, obs, caller);
    for (const privateLib of [true, false]) {
      const built = buildProfile(obs, { ...ctx, privateLib });
      if (!privateLib && profile === built.text) break; // private-lib was never offered: nothing else to try
      profile = built.text;
      const candidate = `${dir}/${privateLib ? 'a' : 'b'}-${name}.profile`;
      writeNew(candidate, profile, option);
      const problem = await checkProfile(candidate);
      if (problem !== undefined) throw new HostError(`--build: the profile written fails --profile.check (a bug in kiln; please report it):\n${problem}`);
      report.info(`kiln --build: running ${name} again under the new profile to check it`);
      const verified = await runKiln(['--quiet', `--profile=${candidate}`, '--', ...inv.program]);
      if (interrupted !== undefined) throw new HostError(`--build: interrupted (${interrupted}); no profile written`);
      passed = verified.code === traced.code && verified.signal === traced.signal;
      verdict = passed
        ? `the program ${describe(verified)} under the new profile, as it did while traced`
        : `the program ${describe(traced)} while traced but ${describe(verified)} under the new profile`;
      if (passed || !built.commands.includes('private-lib')) break;
      report.info('kiln --build: trying again without private-lib');
    }
    if (file !== undefined) writeNew(file, profile, option);
    else writeAll(1, profile);
    // The verdict is the builder's result, printed even under --quiet.
    writeAll(2, `kiln --build: verification ${passed ? 'passed' : 'FAILED'}: ${verdict}${file !== undefined ? `; profile written to ${file}` : ''}\n`);
    return passed ? 0 : 1;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    rmSync(dir, { recursive: true, force: true });
  }
}
