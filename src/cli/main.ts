/**
 * The command line front end. The only place that prints errors and chooses exit statuses; everything
 * below it throws typed errors.
 */
import pkg from '../../package.json' with { type: 'json' };
import { assertNever, HostError, SyscallError, UsageError } from '../errors.ts';
import { debugRequested, formatInternalError } from '../internal-error.ts';
import type { PolicyRequest } from '../policy/index.ts';
import { formatDiagnostic, ProfileError, type Diagnostic } from '../profile/diagnostics.ts';
import { parseArgs, type Invocation } from './args.ts';
import { writeAll } from '../sys/fs.ts';
import { makeReporter } from './report.ts';

function policyRequest(inv: Invocation, target: PolicyRequest['target']): PolicyRequest {
  const uid = process.getuid?.() ?? 0;
  return { target, directives: inv.directives, uid, isRoot: (process.geteuid?.() ?? uid) === 0, cwd: process.cwd(), env: process.env };
}

/** The launch's profile choice, as --profile, --noprofile and the program's (or AppImage's) name make it. */
function launchTarget(inv: Invocation): PolicyRequest['target'] {
  const program = inv.program[0];
  return {
    kind: 'launch',
    noprofile: inv.noprofile,
    ...(inv.profile !== undefined ? { profile: inv.profile } : {}),
    ...(program !== undefined ? { program } : {}),
    ...(inv.appimage ? { appimage: true } : {}),
  };
}

/** Profile diagnostics, compiler style; warnings are informational and follow --quiet. */
function printDiagnostics(diagnostics: readonly Diagnostic[], quiet: boolean): void {
  for (const d of diagnostics) if (d.severity === 'error' || !quiet) writeAll(2, `${formatDiagnostic(d)}\n`);
}

async function run(argv: readonly string[]): Promise<number> {
  const inv = parseArgs(argv);
  let quiet = inv.quiet;
  const report = makeReporter(() => quiet);
  switch (inv.action.kind) {
    case 'help':
      writeAll(1, (await import('./help.ts')).HELP);
      return 0;
    case 'version':
      writeAll(1, `kiln version ${pkg.version}\n`);
      return 0;
    case 'profile-check':
    case 'profile-explain': {
      // Loaded on demand: the launch path never pays for it.
      const { profileReport } = await import('../policy/report.ts');
      const { buildPolicy } = await import('../policy/index.ts');
      const out = profileReport(inv.action.kind, buildPolicy(policyRequest(inv, { kind: 'named', name: inv.action.target })));
      if (out.stderr !== '') writeAll(2, out.stderr);
      writeAll(1, out.stdout);
      return out.exitCode;
    }
    case 'firecfg':
      return (await import('../firecfg/firecfg.ts')).runFirecfg(inv.action.args, report);
    case 'ids':
      return (await import('../ids/ids.ts')).runIds(inv.action.mode, report);
    case 'build':
      return (await import('../build/build.ts')).runBuild(inv, inv.action.file, argv, report);
    case 'list':
    case 'tree':
    case 'top':
    case 'join':
    case 'shutdown':
    case 'cat':
    case 'ls':
    case 'get':
    case 'put':
    case 'print':
    case 'net-print':
    case 'netstats':
    case 'bandwidth':
    case 'trace':
    case 'debug-table': {
      const { runManage } = await import('./manage.ts');
      return runManage(inv.action, { program: inv.program, debug: inv.debug, report });
    }
    case 'run':
      break;
    default:
      return assertNever(inv.action);
  }
  const timing: [string, number][] = [['start', performance.now()]];
  const { existingSandbox, nestedRefusal } = await import('../desktop/nested.ts');
  const outer = existingSandbox();
  if (outer !== undefined) throw nestedRefusal(outer);
  const { prepareLaunch } = await import('./prepare.ts');
  const { plan, facts, summary, fromCache } = await prepareLaunch(inv, argv, policyRequest(inv, launchTarget(inv)));
  timing.push([fromCache ? 'plan (cached)' : 'policy+plan', performance.now()]);
  if (summary.joinOrStart !== undefined) {
    const { joinIfRunning } = await import('./manage.ts');
    joinIfRunning(summary.joinOrStart, inv.program, inv.debug); // returns only if there is none to join
  }
  quiet ||= summary.quiet;
  for (const file of summary.profiles) report.info(`Reading profile ${file}`);
  if (!quiet) for (const d of summary.diagnostics) writeAll(2, `${d}\n`);
  for (const command of summary.notEnforced) report.warn(`'${command}' is recognized but not enforced by kiln yet`);
  for (const w of plan.warnings) report.warn(w);
  // Firejail's wording for blacklists ("Disable PATH"); each line names one path the rules came to.
  const fsLines = { blacklists: ['Disable', plan.fsReport.blacklisted], whitelists: ['Whitelist', plan.fsReport.whitelisted], 'private-lib': ['Private-lib', plan.fsReport.privateLib] } as const;
  for (const which of inv.debugFs) for (const path of fsLines[which][1]) writeAll(2, `${fsLines[which][0]} ${path}\n`);
  const { launch } = await import('../launch/launch.ts');
  // Loaded only when asked for, like everything else off the launch path.
  const describePlan = inv.debug ? (await import('./debug.ts')).describePlan : undefined;
  return launch(plan, {
    registryDir: `${facts.stateDir}/sandboxes`,
    uid: facts.uid,
    user: facts.user,
    // join-or-start found nothing to join: start the sandbox under that name, as Firejail does.
    name: summary.name,
    command: ['kiln', ...argv],
    profiles: summary.profiles,
    cwd: facts.cwd,
    caps: plan.init?.keepCaps ?? (plan.preExec.find((s) => s.kind === 'cap-bounding')?.keep ?? 'unchanged'),
    ...(summary.protocols !== undefined ? { protocols: summary.protocols } : {}),
    keepFds: summary.keepFds,
    ...(inv.trace !== undefined ? { trace: inv.trace } : {}),
    quiet,
    warn: (line) => report.warn(line),
    debug: (line) => {
      if (describePlan !== undefined) writeAll(2, `kiln: ${line}\n`);
    },
    beforeExec: (execArgv) => {
      if (describePlan !== undefined) {
        timing.push(['register+prepare', performance.now()]);
        writeAll(2, describePlan(plan, execArgv));
        writeAll(2, `kiln: timing (ms since start): ${timing.map(([k, t]) => `${k} ${t.toFixed(2)}`).join(', ')}\n`);
      }
      report.info(`Child process initialized in ${performance.now().toFixed(2)} ms`);
    },
  });
}

/** `invokedAs`: the name kiln was run under, when it is not `kiln` (symlink invocation, src/desktop/invocation.ts). */
export async function main(argv: readonly string[], invokedAs?: string): Promise<number> {
  try {
    if (invokedAs !== undefined) {
      const { symlinkArgv } = await import('../desktop/invocation.ts');
      const args = symlinkArgv(invokedAs, argv);
      if (args[0] === '--') {
        const { execDirectly, existingSandbox } = await import('../desktop/nested.ts');
        if (existingSandbox() !== undefined) execDirectly(args[1] ?? invokedAs, args.slice(2), makeReporter(() => false).warn);
      }
      return await run(args);
    }
    return await run(argv);
  } catch (e) {
    if (e instanceof ProfileError) {
      printDiagnostics(e.diagnostics, false);
      return 1;
    }
    if (e instanceof UsageError) {
      writeAll(2, `kiln: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof HostError || e instanceof SyscallError) {
      writeAll(2, `kiln: ${e.message}\n`);
      return 1;
    }
    writeAll(2, formatInternalError(e, 'kiln', debugRequested(argv, process.env)));
    return 1;
  }
}
