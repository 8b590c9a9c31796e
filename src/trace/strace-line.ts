/**
 * strace's output, as kiln asks for it (`-f -qq -y -Y -s 64 -e signal=none`), line by line:
 *
 *   1234<cat> openat(AT_FDCWD</etc>, "hostname", O_RDONLY) = 3</etc/hostname>
 *   1234<ls> statx(AT_FDCWD</tmp>, "/nope", …) = -1 ENOENT (No such file or directory)
 *   1234<sh> execve("/usr/bin/cat", ["cat"], 0x5632… /* 39 vars *\/ <unfinished ...>
 *   1234<cat> <... execve resumed>) = 0
 *
 * A call another thread interrupted comes in two lines; `StraceReader` joins them by pid. The arguments
 * are split at their top-level commas but kept as strace printed them; events.ts reads the ones it needs.
 * NOTE: strace is the field's tool and its format is stable across 5.x and 6.x for these calls; a line
 * this reader does not understand is counted, never guessed at.
 */

export interface SyscallLine {
  /** The host pid (strace runs outside the sandbox's pid namespace). */
  readonly pid: number;
  /** The thread's command name at the time of the call (-Y). */
  readonly comm: string;
  readonly name: string;
  /** The arguments at top level, as printed. */
  readonly args: readonly string[];
  /** The return value: a number, or undefined for `?` (exit_group, a successful execve seen from a thread). */
  readonly ret: number | undefined;
  /** The errno's name when the call failed (`ENOENT`). */
  readonly errno?: string;
  /** The path strace printed for a returned fd (`= 3</etc/hostname>`). */
  readonly retPath?: string;
}

const HEAD = /^(\d+)<(.*?)> /;

/** Splits `text` (after the opening parenthesis) into top-level arguments and what follows the closing one. */
export function splitArgs(text: string): { args: string[]; rest: string } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // a C string with strace's escapes; the closing quote may be followed by "..." (truncated)
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
      continue;
    }
    if (c === '<' && text[i + 1] === '<') {
      i++; // a shift in a flag value (1<<CAP_CHOWN), not a decoration
      continue;
    }
    // NOTE: a socket's decoration holds an arrow (`<TCP:[1.2.3.4:80->5.6.7.8:9]>`), which closes nothing.
    if (c === '>' && text[i - 1] === '-') continue;
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ']' || c === '}' || c === '>') depth--;
    else if (c === ')') {
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return { args, rest: text.slice(i + 1) };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}

const RESULT = /^ += (-?\d+|0x[0-9a-f]+|\?)(?:<(.*)>)?(?: ([A-Z][A-Z0-9_]+)(?: \(.*\))?)?(?: \(.*\))?$/;

function parseComplete(pid: number, comm: string, body: string): SyscallLine | undefined {
  const open = body.indexOf('(');
  if (open <= 0) return undefined;
  const name = body.slice(0, open);
  if (!/^[a-z0-9_]+$/.test(name)) return undefined;
  const split = splitArgs(body.slice(open + 1));
  if (split === undefined) return undefined;
  const m = RESULT.exec(split.rest);
  if (m === null) return undefined;
  const [, value = '?', deco, err] = m;
  const ret = value === '?' ? undefined : value.startsWith('0x') ? Number.parseInt(value, 16) : Number(value);
  return {
    pid,
    comm,
    name,
    args: split.args,
    ret,
    ...(err !== undefined && ret !== undefined && ret < 0 ? { errno: err } : value === '?' && err !== undefined ? { errno: err } : {}),
    ...(deco !== undefined ? { retPath: deco } : {}),
  };
}

/** Reads strace's lines one at a time and hands back whole calls; joins `<unfinished ...>` with its `resumed`. */
export class StraceReader {
  private readonly pending = new Map<number, string>();
  /** Lines that were not a call kiln understood (signals, exits, a format change). */
  skipped = 0;

  push(line: string): SyscallLine | undefined {
    const head = HEAD.exec(line);
    if (head === null) {
      if (line.trim() !== '') this.skipped++;
      return undefined;
    }
    const pid = Number(head[1]);
    const comm = head[2] ?? '';
    const body = line.slice(head[0].length);
    if (body.endsWith(' <unfinished ...>')) {
      this.pending.set(pid, body.slice(0, -' <unfinished ...>'.length));
      return undefined;
    }
    if (body.startsWith('<... ')) {
      const m = /^<\.\.\. ([a-z0-9_]+) resumed>/.exec(body);
      const start = this.pending.get(pid);
      this.pending.delete(pid);
      if (m === null || start === undefined || !start.startsWith(`${m[1]}(`)) {
        this.skipped++;
        return undefined;
      }
      return this.parsed(pid, comm, start + body.slice(m[0].length));
    }
    // `+++ exited with 0 +++`, `--- SIGCHLD … ---`: not calls
    if (body.startsWith('+++') || body.startsWith('---')) return undefined;
    return this.parsed(pid, comm, body);
  }

  private parsed(pid: number, comm: string, body: string): SyscallLine | undefined {
    const r = parseComplete(pid, comm, body);
    if (r === undefined) this.skipped++;
    return r;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f', '"': '"', '\\': '\\', a: '\x07', b: '\b' };

/**
 * A string argument as the program passed it: `"…"` with strace's escapes decoded; undefined if the
 * argument is not a string (NULL, a pointer), or was truncated (`"…"...`) unless `prefix` accepts the
 * part strace printed. NOTE: strace prints paths in full whatever its -s; only other strings (argv, data)
 * are cut at -s.
 */
export function cStringArg(arg: string | undefined, prefix = false): string | undefined {
  if (prefix && arg?.endsWith('"...') === true) arg = arg.slice(0, -3);
  if (arg === undefined || !arg.startsWith('"') || !arg.endsWith('"') || arg.length < 2) return undefined;
  const bytes: number[] = [];
  const body = arg.slice(1, -1);
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== '\\') {
      bytes.push(...enc.encode(c));
      continue;
    }
    const n = body[++i] ?? '';
    if (n === 'x') {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(body[j] ?? '')) j++;
      bytes.push(Number.parseInt(body.slice(i, j), 8));
      i = j - 1;
    } else {
      bytes.push(...enc.encode(SIMPLE_ESCAPES[n] ?? n));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The path strace printed after an fd (`3</etc/hostname>`, `AT_FDCWD</home/u>`), if any. */
export function fdPath(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  const lt = arg.indexOf('<');
  if (lt < 0 || !arg.endsWith('>')) return undefined;
  return arg.slice(lt + 1, -1);
}

/** The items of an array argument (`["ls", "-l"]`), each still as printed. */
export function arrayItems(arg: string | undefined): string[] {
  if (arg === undefined || !arg.startsWith('[') || !arg.endsWith(']')) return [];
  const split = splitArgs(`${arg.slice(1, -1)})`);
  return split?.args ?? [];
}

/** A field of a struct argument (`{sa_family=AF_UNIX, sun_path="/run/x"}` → `sun_path`), as printed. */
export function structField(arg: string | undefined, field: string): string | undefined {
  if (arg === undefined || !arg.startsWith('{') || !arg.endsWith('}')) return undefined;
  for (const item of splitArgs(`${arg.slice(1, -1)})`)?.args ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0 && item.slice(0, eq) === field) return item.slice(eq + 1);
  }
  return undefined;
}
