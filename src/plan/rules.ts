/**
 * The ordered filesystem commands of a profile: blacklist, read-only, read-write, noexec, tmpfs and bind,
 * applied one after another as Firejail applies them to its live mount tree.
 */
import { assertNever, UsageError } from '../errors.ts';
import { behind, expand, hide, sandboxRealpath, setFlag, type FsContext } from './fs-context.ts';
import { matchPath } from './glob.ts';

export function planRules(ctx: FsContext): void {
  const { tree, fs } = ctx;
  for (const rule of ctx.policy.fs) {
    switch (rule.kind) {
      case 'whitelist':
      case 'mkdir':
      case 'mkfile':
        break; // whitelists are planned before these rules; mkdir/mkfile run on the host before planning
      case 'blacklist':
        for (const p of expand(ctx, rule.path)) {
          if (rule.except.some((pattern) => matchPath(pattern, p))) continue;
          hide(ctx, p);
        }
        break;
      case 'read-only':
      case 'read-write':
      case 'noexec': {
        const flag = rule.kind === 'read-only' ? 'ro' : rule.kind === 'read-write' ? 'rw' : 'noexec';
        for (const p of expand(ctx, rule.path)) {
          const real = sandboxRealpath(ctx, p);
          if (real !== undefined) setFlag(ctx, real, flag);
        }
        break;
      }
      case 'tmpfs':
        for (const p of expand(ctx, rule.path)) {
          const real = sandboxRealpath(ctx, p);
          if (real !== undefined && fs.lstat(behind(ctx, real))?.type === 'dir') tree.mount(real, { kind: 'tmpfs', perms: 0o755 });
        }
        break;
      case 'bind': {
        if (!ctx.facts.isRoot) throw new UsageError(`bind ${rule.src},${rule.dest}: bind is only available to root, as in Firejail`);
        const src = fs.realpath(rule.src);
        const dest = fs.realpath(rule.dest);
        if (src === undefined) throw new UsageError(`bind: ${rule.src} does not exist`);
        if (dest === undefined) throw new UsageError(`bind: ${rule.dest} does not exist`);
        tree.mount(dest, { kind: 'host', src });
        break;
      }
      default:
        assertNever(rule);
    }
  }
}
