/** "Did you mean": the closest known name by edit distance, if it is close enough to be a likely typo. */

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestScore || (d === bestScore && best !== undefined && c < best)) {
      best = c;
      bestScore = d;
    }
  }
  // Allow about one typo per four characters, and always at least one.
  const limit = Math.max(1, Math.floor(word.length / 4));
  if (best !== undefined && bestScore <= limit) return best;
  // A prefix match (`--privat` → `private`) is also a good guess.
  for (const c of candidates) if (c.startsWith(word) && word.length >= 3) return c;
  return undefined;
}

/** ` (did you mean 'x'?)`, or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>, prefix = ''): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean '${prefix}${s}'?)`;
}
