/**
 * The typed sandbox policy, and how kiln arrives at it.
 *
 *   buildPolicy(request)        choose the profile, load it, fold it with the command line → Policy
 *   resolvePolicy(input)        fold directives that are already loaded (what buildPolicy does last)
 *   emptyPolicy()               the policy of --noprofile before any option
 *
 * --profile.check and --profile.explain format their output with report.ts (profileReport) and
 * explain.ts (explainPolicy); cli/main.ts imports those on demand, off the launch path.
 */
export { buildPolicy, type PolicyOutcome, type PolicyRequest } from './build.ts';
export { isEnforced } from './enforced.ts';
export { emptyPolicy, type FsRule, type Policy } from './policy.ts';
export { resolvePolicy, type Resolution, type ResolveInput } from './resolve.ts';
