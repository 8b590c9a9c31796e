/**
 * .desktop files for firecfg --fix: a menu entry whose Exec= calls a program by its full path
 * (`Exec=/usr/bin/firefox %u`) never reaches firecfg's link; a copy that calls it by name does. Pure:
 * text in, text out.
 *
 * Only the program word of Exec= and TryExec= keys changes, in every group (a [Desktop Action] has its
 * own Exec=); every other byte stays. The copy is marked with an `X-Kiln-Fixed=SOURCE` key in its
 * [Desktop Entry] group (the specification reserves X- keys for extensions), which is how --fix knows
 * it may update the copy and --clean that it may remove it.
 */

export const MARK_KEY = 'X-Kiln-Fixed';

const KEY_LINE = /^([A-Za-z0-9-]+)(\s*=\s*)(.*)$/;

/**
 * The first word of an Exec value and what follows it, or undefined when it cannot be taken apart
 * without the full quoting rules (a backslash in it). A quoted word loses its quotes.
 */
export function firstWord(value: string): { word: string; rest: string } | undefined {
  if (value.startsWith('"')) {
    const end = value.indexOf('"', 1);
    if (end < 0) return undefined;
    const word = value.slice(1, end);
    return word.includes('\\') ? undefined : { word, rest: value.slice(end + 1) };
  }
  const m = /^[^ \t]*/.exec(value);
  const word = m?.[0] ?? '';
  return word.includes('\\') || word.includes('"') ? undefined : { word, rest: value.slice(word.length) };
}

/** The group a line opens (`[Desktop Entry]` → `Desktop Entry`), or undefined if it opens none. */
function groupOf(line: string): string | undefined {
  const m = /^\[([^\]]*)\]\s*$/.exec(line);
  return m?.[1];
}

/** Whether kiln's --fix wrote this text: the mark key in its [Desktop Entry] group. */
export function isKilnWritten(text: string): boolean {
  let group: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    group = groupOf(line) ?? group;
    if (group === 'Desktop Entry' && KEY_LINE.exec(line)?.[1] === MARK_KEY) return true;
  }
  return false;
}

export interface FixedDesktopFile {
  readonly text: string;
  /** The programs whose Exec= now calls them by name. */
  readonly programs: readonly string[];
}

/**
 * `text` with each Exec= and TryExec= whose program word is a full path that `byName` accepts (it
 * returns the name to call instead) rewritten to call it by name, and the mark added; undefined when
 * no Exec= changes (a TryExec= alone does not start anything), when the text has no [Desktop Entry]
 * group, or when it is kiln's own copy already.
 */
export function fixDesktopFile(text: string, source: string, byName: (path: string) => string | undefined): FixedDesktopFile | undefined {
  if (isKilnWritten(text)) return undefined;
  const lines = text.split('\n');
  const programs = new Set<string>();
  let group: string | undefined;
  let entryHeader = -1;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = raw.slice(0, raw.length - cr.length);
    const g = groupOf(line);
    if (g !== undefined) {
      group = g;
      if (g === 'Desktop Entry' && entryHeader < 0) entryHeader = i;
      continue;
    }
    const m = KEY_LINE.exec(line);
    const key = m?.[1];
    if (group === undefined || m === null || (key !== 'Exec' && key !== 'TryExec')) continue;
    const parts = firstWord(m[3] ?? '');
    if (parts === undefined || !parts.word.startsWith('/')) continue;
    const name = byName(parts.word);
    if (name === undefined) continue;
    lines[i] = `${key}${m[2] ?? '='}${name}${parts.rest}${cr}`;
    if (key === 'Exec') programs.add(name);
  }
  if (programs.size === 0 || entryHeader < 0) return undefined;
  const cr = (lines[entryHeader] ?? '').endsWith('\r') ? '\r' : '';
  lines.splice(entryHeader + 1, 0, `${MARK_KEY}=${source}${cr}`);
  const note = `# Written by kiln's firecfg --fix from ${source}, to start ${[...programs].join(', ')} through its link; firecfg --clean removes it.${cr}`;
  return { text: [note, ...lines].join('\n'), programs: [...programs] };
}
