/**
 * Resolves like `work`, unless `ms` pass first: then `onExpiry` runs (to kill what is left) and the result
 * rejects with `message`. `work` is abandoned, not cancelled; onExpiry is what stops it.
 */
export async function withWatchdog<T>(work: Promise<T>, ms: number, onExpiry: () => Promise<void>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onExpiry()
        .catch(() => undefined)
        .finally(() => reject(new Error(message)));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
