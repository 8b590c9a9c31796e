/**
 * Directories that must exist before planning so that the plan can cover them: kiln's state directory
 * (hidden from every sandbox) and the configuration directories (read-only in every sandbox). A missing
 * ~/.config/firejail could otherwise be created from inside a sandbox, with a profile that the next launch
 * would read. Created empty, mode 0700; nothing existing is touched.
 */
import type { HostFacts } from '../host/facts.ts';
import { configDirs } from '../plan/baseline.ts';
import { mkdirAll, stat } from '../sys/fs.ts';

export function ensureStateDirs(facts: HostFacts): void {
  const wanted = [facts.stateDir, ...configDirs(facts.home, facts.isRoot).filter((d) => !d.startsWith('/etc/'))];
  // Only under a home that exists and is the caller's own (or the state directory, which stateDirFor
  // picked under a runtime directory the caller owns).
  const homeIsMine = stat(facts.home)?.uid === facts.uid;
  for (const dir of wanted) {
    if (stat(dir) === undefined && (dir === facts.stateDir || homeIsMine)) mkdirAll(dir, 0o700);
  }
}
