/**
 * kiln's firecfg (`kiln --firecfg ARGS…`, or kiln run as `firecfg`): Firejail's desktop integration for
 * kiln. It links installed programs that have a profile to kiln in /usr/local/bin (or --bindir), so that
 * starting them by name sandboxes them (invocation.ts), and copies menu entries that call such a program
 * by its full path into the user's applications directory, calling it by name (--fix).
 *
 * It changes nothing but links to kiln in the bin directory and files it marked in the user's
 * applications directory; a file or link that is not kiln's is reported and left alone. Differences from
 * Firejail's are in docs/desktop.md ("kiln's firecfg").
 */
import { accessSync, constants } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import type { Reporter } from '../cli/report.ts';
import { assertNever, HostError, SyscallError } from '../errors.ts';
import { readText, realPath, stat, writeAll } from '../sys/fs.ts';
import { absoluteDir, FIRECFG_HELP, parseFirecfgArgs, type FirecfgRequest } from './firecfg-args.ts';
import { cleanDesktopFiles, fixDesktopFiles, SYSTEM_APPLICATIONS, userApplicationsDir } from './firecfg-fix.ts';
import { callerHome, findInstalled, findProfileFor, kilnExecutable, pathIndex, searchDirs, type PathDir } from './firecfg-host.ts';
import { createLink, describeEntry, inspectEntry, listKilnLinks, notWritable, planLinks, removeLink } from './firecfg-links.ts';
import { listFiles, mergeCandidates, type ListSource } from './firecfg-list.ts';
import { makeOut, type FirecfgOut } from './firecfg-out.ts';

const DEFAULT_BINDIR = '/usr/local/bin';

interface Context {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string | undefined;
  /** The bin directory, absolute, as named (messages use it). */
  readonly bindir: string;
  readonly bindirReal: string;
  readonly kilnExe: string;
  /** PATH's directories, the bin directory left out. */
  readonly dirs: readonly PathDir[];
}

function context(req: FirecfgRequest, env: Readonly<Record<string, string | undefined>>): Context {
  const home = callerHome(env);
  const bindir = absoluteDir(req.bindir ?? DEFAULT_BINDIR, process.cwd(), home);
  const bindirReal = stat(bindir)?.isDir === true ? realPath(bindir) : undefined;
  if (bindirReal === undefined) throw new HostError(`${bindir} is not a directory${req.bindir !== undefined ? ' (--bindir)' : ''}`);
  return { env, home, bindir, bindirReal, kilnExe: kilnExecutable(), dirs: searchDirs(env['PATH'], bindirReal) };
}

function checkWritable(ctx: Context): void {
  try {
    accessSync(ctx.bindir, constants.W_OK);
  } catch (e) {
    throw notWritable(ctx.bindir, e);
  }
}

/** The list files that exist, in order; one the caller may not read is named in a warning and skipped. */
function readLists(home: string | undefined, out: FirecfgOut): ListSource[] {
  const sources: ListSource[] = [];
  for (const file of listFiles(home)) {
    try {
      const text = readText(file);
      out.debug(text === undefined ? `${file}: not present` : `${file}: read`);
      if (text !== undefined) sources.push({ file, text });
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      out.warn(`${file} cannot be read (${e.message}); its programs are left out`);
    }
  }
  return sources;
}

/** The default action: a link for every installed program with a profile. */
function makeLinks(ctx: Context, out: FirecfgOut): void {
  checkWritable(ctx);
  const { names, invalid } = mergeCandidates(readLists(ctx.home, out));
  for (const line of invalid) out.warn(`${line}: not a program name; skipped`);
  const steps = planLinks(
    names.map((name) => {
      const program = findInstalled(name, ctx.dirs, ctx.kilnExe);
      const profile = program === undefined ? undefined : findProfileFor(name, ctx.home);
      return { name, entry: inspectEntry(`${ctx.bindir}/${name}`, ctx.kilnExe), ...(program !== undefined ? { program } : {}), ...(profile !== undefined ? { profile } : {}) };
    }),
  );
  let created = 0;
  let notInstalled = 0;
  const linkedDirs: string[] = [];
  for (const step of steps) {
    const path = `${ctx.bindir}/${step.name}`;
    switch (step.kind) {
      case 'create':
        out.debug(`${step.name}: ${step.program}, profile ${step.profile}`);
        if (createLink(path, ctx.bindir, ctx.kilnExe)) {
          out.done(`${path} created`);
          created++;
          linkedDirs.push(step.program.slice(0, step.program.lastIndexOf('/')));
        } else {
          out.warn(`${path} appeared meanwhile and is not kiln's; left alone`);
        }
        break;
      case 'keep':
        out.debug(`${step.name}: ${step.program}, profile ${step.profile}; the link is there already`);
        linkedDirs.push(step.program.slice(0, step.program.lastIndexOf('/')));
        break;
      case 'occupied':
        out.warn(`${path} is ${describeEntry(step.entry)}, not a link to kiln; left alone`);
        break;
      case 'no-profile':
        out.debug(`${step.name}: ${step.program} has no profile; no link${step.entry.kind === 'kiln' ? ' (an earlier link of kiln is left as it is)' : ''}`);
        break;
      case 'not-installed':
        notInstalled++;
        if (step.entry.kind === 'kiln') out.debug(`${step.name}: not installed; its link is left as it is (--clean removes it)`);
        break;
      default:
        assertNever(step);
    }
  }
  out.debug(`${names.length} programs listed, ${notInstalled} of them not installed`);
  warnPathOrder(ctx, linkedDirs, out);
  if (created > 0) out.note("Menu entries that call a program by its full path do not use the links: run 'firecfg --fix' as each desktop user.");
}

/** A bin directory that is not on PATH, or comes after the programs' own, is never reached by name. */
function warnPathOrder(ctx: Context, programDirs: readonly string[], out: FirecfgOut): void {
  if (programDirs.length === 0) return;
  const pathVar = ctx.env['PATH'];
  const at = pathIndex(pathVar, ctx.bindirReal);
  if (at < 0) {
    out.warn(`${ctx.bindir} is not on PATH: a program started by name does not reach its link there`);
    return;
  }
  const before = [...new Set(programDirs)].find((d) => {
    const real = realPath(d);
    return real !== undefined && pathIndex(pathVar, real) < at;
  });
  if (before !== undefined) out.warn(`${ctx.bindir} comes after ${before} on PATH: programs there are started without their link`);
}

function listLinks(ctx: Context, out: FirecfgOut): void {
  for (const name of listKilnLinks(ctx.bindir, ctx.kilnExe)) out.done(`${ctx.bindir}/${name}`);
}

function clean(ctx: Context, out: FirecfgOut): void {
  const names = listKilnLinks(ctx.bindir, ctx.kilnExe);
  if (names.length > 0) checkWritable(ctx);
  for (const name of names) {
    const path = `${ctx.bindir}/${name}`;
    if (removeLink(path, ctx.bindir, ctx.kilnExe)) out.done(`${path} removed`);
  }
  cleanDesktopFiles(userApplicationsDir(ctx.env, ctx.home), out);
}

function fix(ctx: Context, req: FirecfgRequest, out: FirecfgOut): void {
  const linked = new Map<string, string>();
  for (const name of listKilnLinks(ctx.bindir, ctx.kilnExe)) {
    const program = findInstalled(name, ctx.dirs, ctx.kilnExe);
    const real = program === undefined ? undefined : realPath(program);
    out.debug(`${name}: ${real ?? 'not installed'}`);
    if (real !== undefined) linked.set(name, real);
  }
  if (linked.size === 0) {
    out.warn(`${ctx.bindir} holds no links to kiln for installed programs; run firecfg${req.bindir !== undefined ? ` --bindir=${ctx.bindir}` : ''} first`);
    return;
  }
  const sourceDir = absoluteDir(req.applicationsDir ?? SYSTEM_APPLICATIONS, process.cwd(), ctx.home);
  fixDesktopFiles(sourceDir, userApplicationsDir(ctx.env, ctx.home), linked, out);
}

export function runFirecfg(args: readonly string[], report: Reporter): number {
  const req = parseFirecfgArgs(args);
  const out = makeOut(report, req.debug);
  const env = process.env;
  switch (req.action.kind) {
    case 'help':
      writeAll(1, FIRECFG_HELP);
      return 0;
    case 'version':
      writeAll(1, `kiln version ${pkg.version}\n`);
      return 0;
    case 'add-users':
      out.note('firecfg --add-users is not needed with kiln: kiln is not setuid and keeps no list of allowed users (Firejail\'s firejail.users); any user may run it. Nothing was changed.');
      return 0;
    case 'fix-sound':
      out.note(
        "firecfg --fix-sound is not needed with kiln: it works around PulseAudio releases before 9.0, whose shared memory broke in a PID namespace, by turning it off for every client of the user. Nothing was changed.",
      );
      return 0;
    case 'list':
      listLinks(context(req, env), out);
      return 0;
    case 'clean':
      clean(context(req, env), out);
      return 0;
    case 'fix':
      fix(context(req, env), req, out);
      return 0;
    case 'links':
      makeLinks(context(req, env), out);
      return 0;
    default:
      return assertNever(req.action);
  }
}
