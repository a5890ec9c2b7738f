/** Makes a switch over a union exhaustive: a new member fails to compile until handled. */
export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
