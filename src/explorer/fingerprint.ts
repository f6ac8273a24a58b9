// 64-bit fingerprints of encoded states, computed with 32-bit integer
// arithmetic only (no BigInt on the hot path). The construction follows
// MurmurHash3 x86_128 restricted to two cross-mixed lanes: each lane is a full
// Murmur3 32-bit round, and the lanes are added into each other after every
// word and at the end, so every input bit influences all 64 output bits.
// Immutable's hashCode() (31 bits) must never be used as a fingerprint.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Writes the 64-bit fingerprint of bytes[from..from + length) into out[0]
 * (high word) and out[1] (low word). The pair (0, 0) is never produced, so a
 * zeroed table slot can mean "empty".
 */
export function fingerprint64(bytes: Uint8Array, length: number, out: Uint32Array, from = 0): void {
  let h1 = 0x9747b28c;
  let h2 = 0x2f9c4b3a;
  const words = length >>> 2;
  let p = from;
  for (let w = 0; w < words; w++, p += 4) {
    const k = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    let k1 = Math.imul(k, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, C3);
    k2 = (k2 << 17) | (k2 >>> 15);
    h2 ^= Math.imul(k2, C4);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 5) + 0x561ccd1b) | 0;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
  }
  const rest = length & 3;
  if (rest !== 0) {
    let tail = bytes[p]!;
    if (rest > 1) tail ^= bytes[p + 1]! << 8;
    if (rest > 2) tail ^= bytes[p + 2]! << 16;
    let k1 = Math.imul(tail, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
    let k2 = Math.imul(tail, C3);
    k2 = (k2 << 17) | (k2 >>> 15);
    h2 ^= Math.imul(k2, C4);
  }
  h1 ^= length;
  h2 ^= length;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  if (h1 === 0 && h2 === 0) h2 = 1;
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
}

/**
 * Probability that at least one fingerprint collision silently merged two
 * distinct states, for n distinct states and m transitions (each transition
 * is one lookup). Two estimates, as TLC reports them:
 *  - optimistic: n * (m - n) / 2^64 (each of the m - n lookups of an already
 *    seen fingerprint could have been a different state that collided);
 *  - birthday bound: n^2 / 2^65 (any pair of the n stored fingerprints).
 */
export function collisionProbability(states: number, transitions: number): { optimistic: number; birthday: number } {
  const two64 = 2 ** 64;
  const optimistic = Math.min(1, (states * Math.max(0, transitions - states)) / two64);
  const birthday = Math.min(1, (states * states) / (2 * two64));
  return { optimistic, birthday };
}
