/**
 * The global configuration: /etc/kiln/kiln.config, or Firejail's /etc/firejail/firejail.config when kiln
 * has none. Both use Firejail's `key value` syntax. kiln reads the switches that profiles can test
 * (`?ALLOW_TRAY:` and the browser ones) and passes over Firejail's other keys, which configure features
 * kiln implements differently or not at all.
 */
import { errorAt, quote, type Diagnostic } from './diagnostics.ts';
import { lexProfile } from './lexer.ts';
import { readProfileFile } from './files.ts';

export interface GlobalConfig {
  /** The file the switches came from; undefined when neither file exists and the defaults apply. */
  readonly file?: string;
  readonly allowTray: boolean;
  readonly browserAllowDrm: boolean;
  readonly browserDisableU2f: boolean;
  /**
   * `tracelog yes`: a profile's `tracelog` takes effect. Off by default, as in Firejail's configuration:
   * its supervisor costs every path call a round trip (docs/tracelog.md). `--tracelog` always applies.
   */
  readonly tracelog: boolean;
  /** The nested X servers' settings (`xvfb-screen`, `xephyr-screen`, their `-extra-params`); absent keys keep kiln's defaults. */
  readonly x11?: X11Config;
}

export interface X11Config {
  /** `xvfb-screen WxHxD`. */
  readonly xvfbScreen?: string;
  readonly xvfbExtraParams?: readonly string[];
  /** `xephyr-screen WxH`. */
  readonly xephyrScreen?: string;
  readonly xephyrExtraParams?: readonly string[];
  /** `xephyr-window-title no` leaves Xephyr's own title. */
  readonly xephyrWindowTitle?: boolean;
  readonly xpraExtraParams?: readonly string[];
  /** `xpra-attach yes`: the server attaches its own client (`xpra start --attach=yes`) instead of a separate `xpra attach`. */
  readonly xpraAttach?: boolean;
}

/** Firejail's defaults, as documented in firejail.config. */
export const DEFAULT_CONFIG: GlobalConfig = { allowTray: false, browserAllowDrm: false, browserDisableU2f: true, tracelog: false };

export const CONFIG_FILES = ['/etc/kiln/kiln.config', '/etc/firejail/firejail.config'] as const;

const SWITCHES = {
  'allow-tray': 'allowTray',
  'browser-allow-drm': 'browserAllowDrm',
  'browser-disable-u2f': 'browserDisableU2f',
  tracelog: 'tracelog',
} as const;

const MAX_CONFIG_SIZE = 1024 * 1024;

const X11_KEYS = {
  'xvfb-screen': true,
  'xvfb-extra-params': true,
  'xephyr-screen': true,
  'xephyr-extra-params': true,
  'xephyr-window-title': true,
  'xpra-extra-params': true,
  'xpra-attach': true,
} as const;

/** Extra parameters are X server options, passed as separate words (never through a shell). */
function setX11Key(x11: { -readonly [K in keyof X11Config]: X11Config[K] }, key: keyof typeof X11_KEYS, value: string): string | undefined {
  switch (key) {
    case 'xvfb-screen':
      if (!/^[0-9]{1,5}x[0-9]{1,5}x[0-9]{1,2}$/.test(value)) return `expected WIDTHxHEIGHTxDEPTH (got ${quote(value)})`;
      x11.xvfbScreen = value;
      return undefined;
    case 'xephyr-screen':
      if (!/^[0-9]{1,5}x[0-9]{1,5}$/.test(value)) return `expected WIDTHxHEIGHT (got ${quote(value)})`;
      x11.xephyrScreen = value;
      return undefined;
    case 'xvfb-extra-params':
    case 'xephyr-extra-params':
    case 'xpra-extra-params': {
      const words = value.split(/[ \t]+/).filter((w) => w !== '');
      const field = key === 'xvfb-extra-params' ? 'xvfbExtraParams' : key === 'xephyr-extra-params' ? 'xephyrExtraParams' : 'xpraExtraParams';
      // Firejail documents the key as repeatable: the parameters add up.
      x11[field] = [...(x11[field] ?? []), ...words];
      return undefined;
    }
    case 'xephyr-window-title':
    case 'xpra-attach':
      if (value !== 'yes' && value !== 'no') return `expected 'yes' or 'no' (got ${quote(value)})`;
      if (key === 'xpra-attach') x11.xpraAttach = value === 'yes';
      else x11.xephyrWindowTitle = value === 'yes';
      return undefined;
  }
}

/** Parses configuration text. Malformed lines for the switches kiln reads are errors. */
export function parseGlobalConfig(file: string, text: string): { config: GlobalConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const config: { -readonly [K in keyof GlobalConfig]: GlobalConfig[K] } = { ...DEFAULT_CONFIG, file };
  const { lines, problems } = lexProfile(text);
  const x11: { -readonly [K in keyof X11Config]: X11Config[K] } = {};
  for (const p of problems) diagnostics.push(errorAt({ file, line: p.line, col: p.col }, p.message, []));
  for (const l of lines) {
    const m = /^(\S+)\s+(.*)$/.exec(l.text);
    const key = m?.[1] ?? l.text;
    const value = m?.[2];
    if (Object.hasOwn(X11_KEYS, key)) {
      const err = setX11Key(x11, key as keyof typeof X11_KEYS, value ?? '');
      if (err !== undefined) diagnostics.push(errorAt({ file, line: l.line, col: l.col }, `${key}: ${err}`, []));
      else config.x11 = { ...x11 };
      continue;
    }
    if (!Object.hasOwn(SWITCHES, key)) continue;
    if (value !== 'yes' && value !== 'no') {
      diagnostics.push(errorAt({ file, line: l.line, col: l.col }, `${key}: expected 'yes' or 'no' (got ${quote(value ?? '')})`, []));
      continue;
    }
    config[SWITCHES[key as keyof typeof SWITCHES]] = value === 'yes';
  }
  return { config, diagnostics };
}

/** Reads the first configuration file that exists. */
export function loadGlobalConfig(files: readonly string[] = CONFIG_FILES): { config: GlobalConfig; diagnostics: Diagnostic[] } {
  for (const file of files) {
    const r = readProfileFile(file, MAX_CONFIG_SIZE);
    switch (r.kind) {
      case 'missing':
        continue; // try the next one, then the defaults
      case 'error':
        return { config: DEFAULT_CONFIG, diagnostics: [{ severity: 'error', file, message: r.message, includedFrom: [], ...position(r) }] };
      case 'text':
        return parseGlobalConfig(file, r.text);
    }
  }
  return { config: DEFAULT_CONFIG, diagnostics: [] };
}

function position(r: { line?: number; col?: number }): { line?: number; col?: number } {
  return r.line === undefined ? {} : { line: r.line, col: r.col ?? 1 };
}
