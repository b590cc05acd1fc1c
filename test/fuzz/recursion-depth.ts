/** A measure of the stack a thread has, for the runner tests. */

/** How deep a plain recursion gets before the stack runs out. */
export function recursionDepth(): number {
  let depth = 0;
  const down = (): void => {
    depth++;
    down();
  };
  try {
    down();
  } catch {
    // RangeError: the stack is full.
  }
  return depth;
}
