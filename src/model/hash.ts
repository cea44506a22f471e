/** FNV-1a 32-bit: a fast, stable string hash for deterministic sampling (never for security). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A deterministic uniform number in [0, 1) derived from a string and a draw index. */
export function hashUniform(text: string, draw: number): number {
  let h = fnv1a(text) ^ Math.imul(draw + 1, 0x9e3779b1);
  // murmur3 finaliser: spreads nearby draws over the whole range
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
