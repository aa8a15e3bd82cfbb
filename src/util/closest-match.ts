/**
 * Fuzzy matching for "Perhaps you meant …" hints: the candidate with the smallest edit distance,
 * if it is close enough to be a plausible typo. Knows nothing of rowgate.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | null {
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Allow roughly one typo per three characters, and always at least two, so "prodcts" finds "products".
  const limit = Math.max(2, Math.ceil(word.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}

/** Levenshtein distance with one rolling row; inputs are identifiers, so short. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > 256 || b.length > 256) return Math.abs(a.length - b.length) + 256;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
