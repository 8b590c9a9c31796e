/**
 * The command line front end. The only place that prints errors and chooses exit statuses; everything
 * below it throws typed errors.
 */
import pkg from '../../package.json' with { type: 'json' };
import { HostError, SyscallError, UsageError } from '../errors.ts';
import { probeHost, type HostFacts } from '../host/facts.ts';
import { findExecutable } from '../host/bwrap.ts';
import { resolvePolicy } from '../policy/resolve.ts';
import type { Policy } from '../policy/policy.ts';
import { planLaunch } from '../plan/plan.ts';
import { describePlan } from './debug.ts';
import { parseArgs, type Invocation } from './args.ts';
import { registryDir } from '../registry/store.ts';
import { HELP } from './help.ts';
import { writeAll } from '../sys/fs.ts';

/** Informational output, Firejail's wording, on stderr; silenced by --quiet. */
export interface Reporter {
  info(line: string): void;
  warn(line: string): void;
}

function makeReporter(quiet: () => boolean): Reporter {
  return {
    info: (line) => {
      if (!quiet()) writeAll(2, `${line}\n`);
    },
    warn: (line) => {
      if (!quiet()) writeAll(2, `Warning: ${line}\n`);
    },
  };
}

/** The program to run: the given one, resolved on the host PATH, or the user's shell. */
function resolveProgram(inv: Invocation, policy: Policy, facts: HostFacts): string[] {
  if (inv.program.length === 0) {
    if (policy.shell === 'none') throw new UsageError('shell none is set, but no program was given');
    return [policy.shell ?? facts.shell];
  }
  const [name, ...rest] = inv.program as [string, ...string[]];
  const path = findExecutable(name, facts.env['PATH']);
  if (path === undefined) throw new UsageError(`program not found: ${name}`, 127);
  return [path.startsWith('/') ? path : `${facts.cwd}/${path}`, ...rest];
}

function warnNotEnforced(policy: Policy, report: Reporter): void {
  const seen = new Set<string>();
  for (const { command } of policy.notEnforced) {
    if (seen.has(command)) continue;
    seen.add(command);
    report.warn(`'${command}' is recognized but not enforced by kiln yet`);
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const inv = parseArgs(argv);
  let quiet = inv.quiet;
  const report = makeReporter(() => quiet);
  switch (inv.action.kind) {
    case 'help':
      writeAll(1, HELP);
      return 0;
    case 'version':
      writeAll(1, `kiln version ${pkg.version}\n`);
      return 0;
    case 'profile-check':
    case 'profile-explain':
      throw new UsageError(`--${inv.action.kind.replace('-', '.')} is not available yet`);
    case 'run':
      break;
  }
  const policy = resolvePolicy(inv.directives);
  quiet ||= policy.quiet;
  const facts = await probeHost();
  const program = resolveProgram(inv, policy, facts);
  const plan = planLaunch(policy, facts, { argv: program });
  warnNotEnforced(policy, report);
  const { launch } = await import('../launch/launch.ts');
  return launch(plan, {
    registryDir: registryDir(facts.uid, facts.runtimeDir),
    uid: facts.uid,
    user: facts.user,
    name: policy.name ?? '',
    command: ['kiln', ...argv],
    profiles: policy.profiles,
    cwd: facts.cwd,
    caps: plan.init?.keepCaps ?? (plan.preExec.find((s) => s.kind === 'cap-bounding')?.keep ?? 'unchanged'),
    keepFds: policy.keepFds === 'all' ? [] : policy.keepFds,
    beforeExec: (execArgv) => {
      if (inv.debug) writeAll(2, describePlan(plan, execArgv));
      report.info(`Child process initialized in ${performance.now().toFixed(2)} ms`);
    },
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeAll(2, `kiln: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof HostError || e instanceof SyscallError) {
      writeAll(2, `kiln: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
