/**
 * /dev: the host's, minus the device classes the policy switches off; or with private-dev, bwrap's
 * minimal /dev plus the classes Firejail keeps (dri, dvb, hidraw, snd, video, disc, usb, log), minus the
 * switched-off ones.
 */
import { bindSelf, exists, hide, type FsContext } from './fs-context.ts';

interface DeviceClass {
  readonly paths: (ctx: FsContext) => string[];
  readonly off: (ctx: FsContext) => boolean;
}

function matching(ctx: FsContext, prefixes: readonly string[]): string[] {
  const names = ctx.fs.list('/dev') ?? [];
  return names.filter((n) => prefixes.some((p) => (p.endsWith('*') ? n.startsWith(p.slice(0, -1)) : n === p))).map((n) => `/dev/${n}`);
}

const CLASSES: readonly DeviceClass[] = [
  { paths: (c) => matching(c, ['dri', 'nvidia*']), off: (c) => c.policy.devices.no3d },
  { paths: (c) => matching(c, ['dvb']), off: (c) => c.policy.devices.notv },
  { paths: (c) => matching(c, ['hidraw*']), off: (c) => c.policy.devices.nou2f },
  { paths: (c) => matching(c, ['snd']), off: (c) => c.policy.devices.nosound },
  { paths: (c) => matching(c, ['video*']), off: (c) => c.policy.devices.novideo },
  { paths: (c) => matching(c, ['sr*', 'cdrom', 'cdrw', 'dvd', 'dvdrw']), off: (c) => c.policy.devices.nodvd },
  { paths: (c) => matching(c, ['input']), off: (c) => c.policy.devices.noinput },
  { paths: (c) => matching(c, ['lp*', 'parport*']), off: (c) => c.policy.devices.noprinters },
];

/** Classes private-dev brings back when they are not switched off (input and printers are not among them). */
const PRIVATE_DEV_KEEPS = new Set([0, 1, 2, 3, 4, 5]);

export function planDevices(ctx: FsContext): void {
  const { tree, policy } = ctx;
  if (policy.privateDev) {
    tree.mount('/dev', { kind: 'dev' });
    CLASSES.forEach((cls, i) => {
      if (!PRIVATE_DEV_KEEPS.has(i) || cls.off(ctx)) return;
      for (const p of cls.paths(ctx)) bindSelf(ctx, p, { devices: true });
    });
    for (const p of ['/dev/log', '/dev/usb']) if (exists(ctx, p)) bindSelf(ctx, p, { devices: true });
    if (policy.keepDevShm && exists(ctx, '/dev/shm')) bindSelf(ctx, '/dev/shm', { devices: true });
    return;
  }
  for (const cls of CLASSES) if (cls.off(ctx)) for (const p of cls.paths(ctx)) hide(ctx, p);
}
