/**
 * From an invocation to a Policy: choose the profile, load it with its includes, parse the command-line
 * options, and fold both. This is the whole of the profile language as the launcher sees it.
 */
import type { CliDirective } from '../profile/cli.ts';
import { lookupPasswd } from '../host/facts.ts';
import { parseCliDirectives } from '../profile/cli.ts';
import { initialConditions, observe } from '../profile/conditions.ts';
import { loadGlobalConfig, type GlobalConfig } from '../profile/config.ts';
import { hasErrors, type Diagnostic } from '../profile/diagnostics.ts';
import { buildMacroEnv } from '../profile/env.ts';
import { resolveInclude } from '../profile/includes.ts';
import { createLoader, type LoadedProfile } from '../profile/load.ts';
import { defaultSearchPath, type Located, type SearchPath } from '../profile/search.ts';
import { findProfile, selectProfile, type Selection } from '../profile/select.ts';
import { UsageError } from '../errors.ts';
import type { Policy } from './policy.ts';
import { resolvePolicy } from './resolve.ts';

export interface PolicyRequest {
  /** What to load: the launch's selection, or one named profile (--profile.check, --profile.explain). */
  readonly target:
    | { readonly kind: 'launch'; readonly profile?: string; readonly noprofile: boolean; readonly program?: string; readonly appimage?: boolean }
    | { readonly kind: 'named'; readonly name: string };
  readonly directives: readonly CliDirective[];
  readonly uid: number;
  readonly isRoot: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where to look for profiles; by default, search.ts's directories for this user and the built-ins. */
  readonly search?: SearchPath;
  /** The global configuration files, first found wins; by default /etc/kiln/kiln.config, then Firejail's. */
  readonly configFiles?: readonly string[];
}

export type PolicyOutcome =
  | {
      readonly kind: 'ok';
      readonly policy: Policy;
      /** Warnings only; print them unless quiet. */
      readonly diagnostics: readonly Diagnostic[];
      readonly selected?: Located;
    }
  | { readonly kind: 'invalid'; readonly diagnostics: readonly Diagnostic[]; readonly files: readonly string[] };

/** The user's home as host/facts.ts determines it: $HOME, else the passwd entry; absolute in any case. */
function homeOf(req: PolicyRequest): string {
  const env = req.env['HOME'];
  if (env !== undefined && env.startsWith('/')) return env;
  const pw = lookupPasswd(req.uid)?.home;
  return pw !== undefined && pw.startsWith('/') ? pw : '/';
}

function select(req: PolicyRequest, search: SearchPath): Selection {
  const t = req.target;
  if (t.kind === 'named') return { kind: 'profile', located: findProfile(t.name, search, req.cwd), reason: 'option' };
  const { noprofile, profile, program, appimage } = t;
  const opt = { ...(profile !== undefined ? { profile } : {}), ...(program !== undefined ? { program } : {}), ...(appimage === true ? { appimage } : {}) };
  return selectProfile({ noprofile, isRoot: req.isRoot, cwd: req.cwd, ...opt }, search);
}

export function buildPolicy(req: PolicyRequest): PolicyOutcome {
  const home = homeOf(req);
  const env = buildMacroEnv(home, req.uid, req.env['PATH']);
  const search = req.search ?? defaultSearchPath(home);
  const cli = parseCliDirectives(req.directives, env);
  const selection = select(req, search);

  const sources: Located[] = [];
  for (const inc of cli.includes) {
    const r = resolveInclude(inc, env, search);
    if (r.kind !== 'found') throw new UsageError(`--include=${inc}: ${r.message}`);
    sources.push(r.located);
  }
  if (selection.kind === 'profile') sources.push(selection.located);

  const conditions = initialConditions(cli.appimage);
  for (const d of cli.directives) observe(conditions, d);
  let config: { config: GlobalConfig; diagnostics: Diagnostic[] } | undefined;
  const loader = createLoader({ env, search, config: () => (config ??= loadGlobalConfig(req.configFiles)).config });
  const loaded: LoadedProfile = loader.load({ sources, ignores: cli.ignores, conditions });

  const diagnostics: Diagnostic[] = [];
  let reported = false;
  /** The global configuration, read at most once; its diagnostics are reported once, first. */
  const reportedConfig = (): GlobalConfig => {
    const c = (config ??= loadGlobalConfig(req.configFiles));
    if (!reported) {
      reported = true;
      diagnostics.push(...c.diagnostics);
    }
    return c.config;
  };
  if (config !== undefined) reportedConfig(); // read while loading, for a condition
  diagnostics.push(...loaded.diagnostics);
  for (const w of cli.warnings) diagnostics.push({ severity: 'warning', message: w, file: 'command line', includedFrom: [] });
  if (hasErrors(diagnostics)) return { kind: 'invalid', diagnostics, files: loaded.files };

  const resolved = resolvePolicy({ profile: loaded.directives, cli: cli.directives, cliOnly: cli.cliOnly, files: loaded.files, ignored: loaded.ignored, home });
  diagnostics.push(...resolved.diagnostics);
  let policy = resolved.policy;
  if (policy.x11.kind === 'server') {
    // The nested servers' screen sizes and extra parameters come from the global configuration.
    const x11 = reportedConfig().x11;
    if (x11 !== undefined) policy = { ...policy, x11: { ...policy.x11, config: x11 } };
  }
  if (policy.tracelog && !req.directives.some((d) => d.name === 'tracelog')) {
    // As in Firejail, a profile's tracelog needs `tracelog yes` in the global configuration; --tracelog
    // on the command line is the user's own request and always applies.
    const c = reportedConfig();
    if (!c.tracelog) {
      const where = c.file ?? '/etc/kiln/kiln.config (or /etc/firejail/firejail.config)';
      policy = { ...policy, tracelog: false, tracelogOff: `tracelog: the profile asks for it, but ${where} does not say 'tracelog yes'; not applied` };
    }
  }
  if (hasErrors(diagnostics)) return { kind: 'invalid', diagnostics, files: loaded.files };
  return { kind: 'ok', policy, diagnostics, ...(selection.kind === 'profile' ? { selected: selection.located } : {}) };
}
