import { afterEach, describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { parseGlobalConfig, DEFAULT_CONFIG, loadGlobalConfig } from './config.ts';
import { appImageName, selectProfile, type SelectRequest } from './select.ts';
import { makeTree, searchIn, type Tree } from './testing.ts';
import { BUILTIN_PROFILES } from './builtin.ts';

let trees: Tree[] = [];
afterEach(() => {
  for (const t of trees) t.cleanup();
  trees = [];
});
function tree(files: Record<string, string>): Tree {
  const t = makeTree(files);
  trees.push(t);
  return t;
}

describe('selectProfile', () => {
  const user = () => tree({ 'firefox.profile': '', 'default.profile': '' });
  const system = () => tree({ 'firefox.profile': '', 'vlc.profile': '', 'server.profile': '' });
  const req = (r: Partial<SelectRequest>): SelectRequest => ({ noprofile: false, isRoot: false, cwd: '/', ...r });
  const where = (s: ReturnType<typeof selectProfile>) => (s.kind === 'profile' ? `${s.reason} ${s.located.path}` : 'none');

  test('the order of firejail(1): --profile, then the program, then default or server', () => {
    const u = user();
    const s = system();
    const search = searchIn([u.root, s.root], BUILTIN_PROFILES);
    expect(where(selectProfile(req({ profile: 'vlc', program: 'firefox' }), search))).toBe(`option ${s.path('vlc.profile')}`);
    expect(where(selectProfile(req({ program: '/usr/bin/firefox' }), search))).toBe(`program ${u.path('firefox.profile')}`);
    expect(where(selectProfile(req({ program: 'vlc' }), search))).toBe(`program ${s.path('vlc.profile')}`);
    expect(where(selectProfile(req({ program: 'unknown-program' }), search))).toBe(`default ${u.path('default.profile')}`);
    expect(where(selectProfile(req({}), search))).toBe(`default ${u.path('default.profile')}`);
    expect(where(selectProfile(req({ isRoot: true, program: 'unknown-program' }), search))).toBe(`default ${s.path('server.profile')}`);
    expect(where(selectProfile(req({ noprofile: true, program: 'firefox' }), search))).toBe('none');
  });

  test('the built-in default and server profiles come last', () => {
    const search = searchIn([tree({}).root], BUILTIN_PROFILES);
    expect(where(selectProfile(req({}), search))).toBe('default builtin:default.profile');
    expect(where(selectProfile(req({ isRoot: true }), search))).toBe('default builtin:server.profile');
  });

  test('--profile takes a path, a name, a name with .profile, or :name to force the search', () => {
    const s = system();
    const cwd = tree({ vlc: '', 'my.profile': '' });
    const search = searchIn([s.root]);
    expect(where(selectProfile(req({ profile: cwd.path('my.profile') }), search))).toBe(`option ${cwd.path('my.profile')}`);
    expect(where(selectProfile(req({ profile: 'my.profile', cwd: cwd.root }), search))).toBe(`option ${cwd.path('my.profile')}`);
    // A file of that name in the current directory wins over the search, unless the name starts with ':'.
    expect(where(selectProfile(req({ profile: 'vlc', cwd: cwd.root }), search))).toBe(`option ${cwd.path('vlc')}`);
    expect(where(selectProfile(req({ profile: ':vlc', cwd: cwd.root }), search))).toBe(`option ${s.path('vlc.profile')}`);
    expect(where(selectProfile(req({ profile: 'vlc.profile' }), search))).toBe(`option ${s.path('vlc.profile')}`);
  });

  test('a profile that does not exist is a usage error with a suggestion', () => {
    const search = searchIn([system().root]);
    expect(() => selectProfile(req({ profile: 'firefx' }), search)).toThrow(/no profile with name 'firefx' found in .* \(did you mean 'firefox'\?\)/);
    expect(() => selectProfile(req({ profile: '/no/such.profile' }), search)).toThrow(UsageError);
    expect(() => selectProfile(req({ profile: 'x', noprofile: true }), search)).toThrow('cannot be used together');
  });
});

describe('global configuration', () => {
  test('the switches profiles can test, with Firejail defaults', () => {
    expect(parseGlobalConfig('c', '# c\nallow-tray yes\nbrowser-disable-u2f no\nrestricted-network yes\n')).toEqual({
      config: { file: 'c', allowTray: true, browserAllowDrm: false, browserDisableU2f: false, tracelog: false },
      diagnostics: [],
    });
  });

  test('a malformed switch is an error at its line', () => {
    const r = parseGlobalConfig('c', '\nbrowser-allow-drm maybe\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual(["2:1 browser-allow-drm: expected 'yes' or 'no' (got 'maybe')"]);
  });

  test('kiln.config first, then firejail.config, then the defaults', () => {
    const t = tree({ 'kiln.config': 'allow-tray yes\n', 'firejail.config': 'browser-allow-drm yes\n' });
    expect(loadGlobalConfig([t.path('kiln.config'), t.path('firejail.config')]).config.allowTray).toBe(true);
    expect(loadGlobalConfig([t.path('none.config'), t.path('firejail.config')]).config.browserAllowDrm).toBe(true);
    expect(loadGlobalConfig([t.path('none.config')]).config).toEqual(DEFAULT_CONFIG);
  });
});

describe('AppImage profile names', () => {
  test.each([
    ['Krita-5.2.2-x86_64.AppImage', 'krita'],
    ['Some-App_v1.0-x86_64.AppImage', 'some-app'],
    ['nvim.appimage', 'nvim'],
    ['FreeCAD_0.21.2-Linux-x86_64.AppImage', 'freecad'],
    ['Obsidian-1.4.16.AppImage', 'obsidian'],
    ['balenaEtcher-1.18.11-x64.AppImage', 'balenaetcher'],
    ['appimagetool-aarch64.AppImage', 'appimagetool'],
    ['kdenlive', 'kdenlive'],
    ['-1.0.AppImage', undefined],
  ])('%s → %s', (file, name) => {
    expect(appImageName(file)).toBe(name);
  });

  test("--appimage: the file's basename first, then the application's name; a plain program gets only its basename", () => {
    const t = tree({ 'krita.profile': '', 'Special-1.0.AppImage.profile': '', 'default.profile': '' });
    const search = searchIn([t.root]);
    const pick = (r: Partial<SelectRequest>) => {
      const s = selectProfile({ noprofile: false, isRoot: false, cwd: '/', ...r }, search);
      return s.kind === 'profile' ? s.located.path : 'none';
    };
    expect(pick({ program: '/dl/Krita-5.2.2-x86_64.AppImage', appimage: true })).toBe(t.path('krita.profile'));
    expect(pick({ program: 'Special-1.0.AppImage', appimage: true })).toBe(t.path('Special-1.0.AppImage.profile'));
    // Control: without --appimage the name is not shortened.
    expect(pick({ program: '/dl/Krita-5.2.2-x86_64.AppImage' })).toBe(t.path('default.profile'));
  });
});
