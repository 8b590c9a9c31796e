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
}

/** Firejail's defaults, as documented in firejail.config. */
export const DEFAULT_CONFIG: GlobalConfig = { allowTray: false, browserAllowDrm: false, browserDisableU2f: true };

export const CONFIG_FILES = ['/etc/kiln/kiln.config', '/etc/firejail/firejail.config'] as const;

const SWITCHES = {
  'allow-tray': 'allowTray',
  'browser-allow-drm': 'browserAllowDrm',
  'browser-disable-u2f': 'browserDisableU2f',
} as const;

const MAX_CONFIG_SIZE = 1024 * 1024;

/** Parses configuration text. Malformed lines for the switches kiln reads are errors. */
export function parseGlobalConfig(file: string, text: string): { config: GlobalConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const config: { -readonly [K in keyof GlobalConfig]: GlobalConfig[K] } = { ...DEFAULT_CONFIG, file };
  const { lines, problems } = lexProfile(text);
  for (const p of problems) diagnostics.push(errorAt({ file, line: p.line, col: p.col }, p.message, []));
  for (const l of lines) {
    const m = /^(\S+)\s+(.*)$/.exec(l.text);
    const key = m?.[1] ?? l.text;
    if (!Object.hasOwn(SWITCHES, key)) continue;
    const value = m?.[2];
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
