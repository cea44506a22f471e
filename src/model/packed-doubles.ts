/**
 * Numbers of many objects packed by index in one Float64Array, which is replaced by one twice as long
 * when an index outgrows it: the objects keep this holder, never the array. A double field of an
 * object is an object of its own in V8 (a boxed number), one more for every full collection to mark.
 */
export interface PackedDoubles {
  values: Float64Array;
}

export function packedDoubles(length: number): PackedDoubles {
  return { values: new Float64Array(length) };
}

/** Makes room for `length` values, keeping those held. */
export function reserve(store: PackedDoubles, length: number): void {
  if (length <= store.values.length) return;
  let size = Math.max(1, store.values.length);
  while (size < length) size *= 2;
  const grown = new Float64Array(size);
  grown.set(store.values);
  store.values = grown;
}
