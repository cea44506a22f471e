/** Spreads small consecutive integers over the table. A plain function, so it inlines. */
function hashOf(key: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** A table's entries: slot + 1, in as few bits as the owner's slots need. */
export type SlotEntries = Uint8Array | Uint16Array | Uint32Array;

/** Entries of a table for `expected` keys: a power of two, at most three quarters full. */
export function tableCapacity(expected: number): number {
  let capacity = 8;
  while (capacity * 3 < expected * 4) capacity <<= 1;
  return capacity;
}

/** Bytes of one entry of a table whose owner holds at most `slots` slots: 8 bits up to 255, 16 up to 65,535. */
function entryBytes(slots: number): number {
  return slots < 0xff ? 1 : slots < 0xffff ? 2 : 4;
}

/** Bytes of a table of `capacity` entries for at most `slots` slots. */
export function tableBytes(capacity: number, slots: number): number {
  return capacity * entryBytes(slots);
}

/** A table of `capacity` entries for at most `slots` slots at `byteOffset` of `buffer` (tableBytes long; 4-aligned). */
export function tableIn(buffer: ArrayBuffer, byteOffset: number, capacity: number, slots: number): SlotEntries {
  const bytes = entryBytes(slots);
  if (bytes === 1) return new Uint8Array(buffer, byteOffset, capacity);
  return bytes === 2 ? new Uint16Array(buffer, byteOffset, capacity) : new Uint32Array(buffer, byteOffset, capacity);
}

/*
 * The slot of each key (a non-negative integer: a peer) among the dense slots of its owner
 * (SpaceSaving), by open addressing with linear probing. The table holds only slot + 1 (0 = empty), in
 * 8 or 16 bits while the slots are few: a key is told apart by reading the owner's keys, which the
 * caller passes in, slot s's at keys[s · stride]. That is an eighth of the bytes of (key, value) pairs
 * in 32 bits and a twentieth of a Map's entries — an item's 200 counters take 512 bytes instead of
 * 4 KiB — with still far fewer cache lines per lookup than a Map, on the model's hottest path. The
 * owner keeps the table in a buffer it shares with its columns and makes a new one when they grow.
 * These are functions of the owner's table, not an object of the table's own: an object per counter
 * set was 30,000 more objects for every full collection to mark in a shop's engine. The owner files
 * no more keys than its table was made for (tableCapacity), so a probe always meets an empty entry.
 */

/** The slot of `key` (keys[slot · stride] === key), or −1. */
export function slotOf(table: SlotEntries, stride: number, key: number, keys: ArrayLike<number>): number {
  const mask = table.length - 1;
  for (let i = hashOf(key) & mask; ; i = (i + 1) & mask) {
    const stored = table[i];
    if (stored === 0) return -1;
    if (keys[(stored - 1) * stride] === key) return stored - 1;
  }
}

/** Files `slot` under `key`, which keys[slot · stride] must already hold; replaces the slot filed for it. */
export function fileSlot(table: SlotEntries, stride: number, key: number, slot: number, keys: ArrayLike<number>): void {
  const mask = table.length - 1;
  for (let i = hashOf(key) & mask; ; i = (i + 1) & mask) {
    const stored = table[i];
    if (stored === 0 || keys[(stored - 1) * stride] === key) {
      table[i] = slot + 1;
      return;
    }
  }
}

/** Forgets `key`; keys must still name it at its slot, and every other filed slot its own key. */
export function unfileSlot(table: SlotEntries, stride: number, key: number, keys: ArrayLike<number>): void {
  const mask = table.length - 1;
  let i = hashOf(key) & mask;
  for (; ; i = (i + 1) & mask) {
    const stored = table[i];
    if (stored === 0) return;
    if (keys[(stored - 1) * stride] === key) break;
  }
  // backward-shift deletion: pull later entries of the probe run into the hole (no tombstones)
  for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
    const stored = table[j];
    if (stored === 0) break;
    const home = hashOf(keys[(stored - 1) * stride]) & mask;
    const stays = i <= j ? i < home && home <= j : i < home || home <= j;
    if (!stays) {
      table[i] = stored;
      i = j;
    }
  }
  table[i] = 0;
}
