/**
 * What a store operation returns: the value itself when the backend has it at
 * once (the memory backends, always), a promise only when it must wait (a
 * networked backend). The default path thus makes no promise and no
 * microtask hop per call; `await` still accepts both.
 */
export type MaybeAsync<T> = T | Promise<T>;

/** Whether a store result must be waited for. */
export function isAsync<T>(value: MaybeAsync<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Applies `next` to a result, at once when it is there, after it otherwise. */
export function then<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
