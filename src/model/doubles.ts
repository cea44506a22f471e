/**
 * An array of `n` numbers held as unboxed doubles: filled with a double, V8 gives it double
 * elements, 8 bytes each, where an array of small integers turns every later fraction into a boxed
 * number. Its values are 0.5 until set.
 */
export function unboxedDoubles(n: number): number[] {
  return new Array<number>(n).fill(0.5);
}
