import { describe, expect, test } from 'bun:test';
import { MountTree } from './tree.ts';

function ops(t: MountTree): string[] {
  const { mounts, initSteps } = t.emit();
  return [
    ...mounts.map((m) => [m.kind, 'src' in m ? m.src : '', m.dest].filter((x) => x !== '').join(' ')),
    ...initSteps.map((s) => `init ${s.kind}${'dest' in s ? ` ${s.dest}` : ''}${s.kind === 'remount' ? ` ${s.flags.join(',')}` : ''}`),
  ];
}

describe('mount tree', () => {
  test('a read-only bind issued after a blacklist does not re-expose it', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/home/u/.ssh', { kind: 'hidden', type: 'dir' });
    t.setFlag('/home/u', 'ro');
    expect(ops(t)).toEqual([
      'bind / /',
      'ro-bind /home/u /home/u',
      'tmpfs /home/u/.ssh',
    ]);
  });

  test('a blacklist covers everything beneath it, including earlier rules', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.setFlag('/home/u/.ssh/keys', 'ro');
    t.mount('/home/u/.ssh', { kind: 'hidden', type: 'dir' });
    expect(ops(t)).toEqual(['bind / /', 'tmpfs /home/u/.ssh']);
  });

  test('read-write under read-only, and the reverse order', () => {
    const a = new MountTree();
    a.mount('/', { kind: 'host', src: '/' });
    a.setFlag('/home/u', 'ro');
    a.setFlag('/home/u/dl', 'rw');
    expect(ops(a)).toEqual(['bind / /', 'ro-bind /home/u /home/u', 'bind /home/u/dl /home/u/dl']);
    const b = new MountTree();
    b.mount('/', { kind: 'host', src: '/' });
    b.setFlag('/home/u/dl', 'rw'); // already writable: no bind of its own
    b.setFlag('/home/u', 'ro'); // a recursive remount makes it read-only too
    expect(ops(b)).toEqual(['bind / /', 'ro-bind /home/u /home/u']);
    const c = new MountTree();
    c.mount('/', { kind: 'host', src: '/' });
    c.mount('/srv', { kind: 'tmpfs' });
    c.mount('/srv/x', { kind: 'host', src: '/srv/x' });
    c.setFlag('/srv/x/y', 'rw'); // under a writable bind: nothing to do
    c.setFlag('/etc', 'ro');
    c.setFlag('/etc/firejail', 'ro'); // under a read-only bind: nothing to do
    expect(ops(c)).toEqual(['bind / /', 'ro-bind /etc /etc', 'tmpfs /srv', 'bind /srv/x /srv/x']);
  });

  test('a read-only tmpfs is remounted after its children are in place', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/home/u', { kind: 'tmpfs' });
    t.mount('/home/u/.mozilla', { kind: 'host', src: '/home/u/.mozilla' });
    t.setFlag('/home/u', 'ro');
    expect(ops(t)).toEqual([
      'bind / /',
      'tmpfs /home/u',
      'ro-bind /home/u/.mozilla /home/u/.mozilla',
      'remount-ro /home/u',
    ]);
  });

  test('noexec becomes an in-sandbox remount; inside a tmpfs too, where a mount creates the path', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/tmp', { kind: 'tmpfs' });
    t.mount('/tmp/y/z', { kind: 'tmpfs' });
    t.setFlag('/home/u', 'noexec');
    t.setFlag('/tmp/y', 'noexec');
    expect(ops(t)).toEqual([
      'bind / /',
      'bind /home/u /home/u',
      'tmpfs /tmp',
      'tmpfs /tmp/y/z',
      'init remount /home/u noexec,nosuid,nodev',
      'init remount /tmp/y/z noexec,nosuid,nodev',
      'init remount /tmp/y noexec,nosuid,nodev',
    ]);
  });

  test('a flag on a path no mount creates inside a tmpfs is dropped: the init stage would find nothing', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/root', { kind: 'tmpfs' });
    t.setFlag('/root/.bashrc', 'ro');
    t.setFlag('/root/.cargo/bin', 'noexec');
    expect(ops(t)).toEqual(['bind / /', 'tmpfs /root']);
  });

  test('a few blacklisted leaves stay bwrap ops', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/home/u/.ssh', { kind: 'hidden', type: 'dir' });
    t.mount('/etc/shadow', { kind: 'hidden', type: 'file' });
    expect(ops(t)).toEqual(['bind / /', 'ro-bind /dev/null /etc/shadow', 'tmpfs /home/u/.ssh']);
  });

  test('many blacklisted leaves on host binds move to the init stage; others stay', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    for (let i = 0; i < 200; i++) t.mount(`/home/u/.config/app${String(i).padStart(3, '0')}`, { kind: 'hidden', type: 'dir' });
    t.mount('/tmp', { kind: 'tmpfs' });
    t.mount('/tmp/x', { kind: 'hidden', type: 'dir' }); // under a tmpfs: bwrap creates it, so bwrap hides it
    t.mount('/srv', { kind: 'hidden', type: 'dir' });
    t.mount('/srv/keep', { kind: 'host', src: '/srv/keep' }); // not a leaf: bwrap must mount beneath it
    const all = ops(t);
    expect(all.filter((o) => !o.startsWith('init'))).toEqual(['bind / /', 'tmpfs /srv', 'bind /srv/keep /srv/keep', 'tmpfs /tmp', 'tmpfs /tmp/x']);
    expect(all.filter((o) => o.startsWith('init hide'))).toHaveLength(200);
    expect(all[all.length - 1]).toBe('init hide /home/u/.config/app199');
  });

  test('files stay with bwrap when the sandbox has no /dev/null to hide them under', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/dev', { kind: 'tmpfs' }); // whitelist /dev/dri, say
    t.mount('/etc/shadow', { kind: 'hidden', type: 'file' });
    t.mount('/home/u/.ssh', { kind: 'hidden', type: 'dir' });
    t.setFlag('/home/u/bin', 'noexec');
    expect(ops(t)).toContain('ro-bind /dev/null /etc/shadow');
    expect(ops(t)).toContain('init hide /home/u/.ssh');
  });

  test('when the init stage runs anyway, every blacklisted leaf on a host bind goes there, before remounts', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/etc/shadow', { kind: 'hidden', type: 'file' });
    t.setFlag('/home/u', 'noexec');
    expect(ops(t)).toEqual(['bind / /', 'bind /home/u /home/u', 'init hide /etc/shadow', 'init remount /home/u noexec,nosuid,nodev']);
  });

  test('a flag on a hidden path is refused', () => {
    const t = new MountTree();
    t.mount('/', { kind: 'host', src: '/' });
    t.mount('/secret', { kind: 'hidden', type: 'dir' });
    expect(t.setFlag('/secret/x', 'rw')).toBe(false);
  });
});
