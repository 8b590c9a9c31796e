/**
 * firecfg --fix and the .desktop half of --clean: copies of menu entries, in the user's own applications
 * directory, that call a linked program by name. Only files kiln marked (desktop-files.ts) are ever
 * replaced or removed; a user's own file of the same name is left as it is.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { HostError, UsageError } from '../errors.ts';
import { DT_LNK, DT_REG, listDir, mkdirAll, readText, realPath, stat } from '../sys/fs.ts';
import { fixDesktopFile, isKilnWritten } from './desktop-files.ts';
import type { FirecfgOut } from './firecfg-out.ts';

/** Firejail's firecfg reads the system's menu entries here. */
export const SYSTEM_APPLICATIONS = '/usr/share/applications';

/** $XDG_DATA_HOME/applications, else ~/.local/share/applications: where the user's entries win over the system's. */
export function userApplicationsDir(env: Readonly<Record<string, string | undefined>>, home: string | undefined): string {
  const xdg = env['XDG_DATA_HOME'];
  if (xdg !== undefined && xdg.startsWith('/')) return `${xdg.replace(/\/+$/, '')}/applications`;
  if (home === undefined) throw new UsageError('firecfg: neither HOME nor XDG_DATA_HOME names a directory for the fixed .desktop files');
  return `${home}/.local/share/applications`;
}

/** The .desktop file names directly in `dir` (not its subdirectories), sorted; none if it is missing. */
function desktopNames(dir: string, types: readonly number[]): string[] {
  return (listDir(dir) ?? [])
    // A name with a control character could not be written into the mark line intact; no menu uses one.
    .filter((e) => e.name.endsWith('.desktop') && !/[\x00-\x1f]/.test(e.name) && (e.type === 0 || types.includes(e.type)))
    .map((e) => e.name)
    .sort();
}

/** node:fs's error as kiln's: one line naming what failed. */
function hostCall(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw new HostError(`cannot ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Writes `text` at `path` by renaming a fresh file over it, so a reader never sees half a file. */
function writeFile(dir: string, name: string, text: string): void {
  const tmp = `${dir}/.${name}.kiln-${process.pid}`;
  hostCall(`write ${dir}/${name}`, () => {
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    try {
      renameSync(tmp, `${dir}/${name}`);
    } catch (e) {
      unlinkSync(tmp);
      throw e;
    }
  });
}

/**
 * For each entry in `sourceDir` whose Exec= calls a linked program by its full path, a copy in `userDir`
 * calling it by name. `linked` maps each linked name to the program its link runs (canonical): a full
 * path is replaced only when it is that very program, so that `Exec=/opt/x/firefox` never turns into a
 * different firefox found on PATH.
 */
export function fixDesktopFiles(sourceDir: string, userDir: string, linked: ReadonlyMap<string, string>, out: FirecfgOut): void {
  const byName = (path: string): string | undefined => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const program = linked.get(name);
    return program !== undefined && realPath(path) === program ? name : undefined;
  };
  if (realPath(sourceDir) === undefined) out.warn(`${sourceDir} does not exist; no .desktop files to fix`);
  for (const name of desktopNames(sourceDir, [DT_REG, DT_LNK])) {
    const source = `${sourceDir}/${name}`;
    if (stat(source)?.isFile !== true) continue;
    const fixed = fixDesktopFile(readText(source) ?? '', source, byName);
    if (fixed === undefined) {
      out.debug(`${source}: nothing to fix`);
      continue;
    }
    const dest = `${userDir}/${name}`;
    const existing = stat(dest, true);
    if (existing === undefined) {
      mkdirAll(userDir, 0o700); // the XDG base directory specification's mode for a directory it creates
      writeFile(userDir, name, fixed.text);
      out.done(`${dest} created`);
    } else if (!existing.isFile || !isKilnWritten(readText(dest) ?? '')) {
      out.warn(`${dest} exists and was not written by kiln; left alone (${fixed.programs.join(', ')} from that menu entry are not sandboxed)`);
    } else if (readText(dest) === fixed.text) {
      out.debug(`${dest}: up to date`);
    } else {
      writeFile(userDir, name, fixed.text);
      out.done(`${dest} updated`);
    }
  }
}

/** Removes the .desktop files in `userDir` that kiln's --fix wrote, and nothing else. */
export function cleanDesktopFiles(userDir: string, out: FirecfgOut): void {
  for (const name of desktopNames(userDir, [DT_REG])) {
    const path = `${userDir}/${name}`;
    if (stat(path, true)?.isFile !== true || !isKilnWritten(readText(path) ?? '')) continue;
    hostCall(`remove ${path}`, () => unlinkSync(path));
    out.done(`${path} removed`);
  }
}
