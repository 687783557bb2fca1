/** Polls until check returns a truthy value (returned), or fails after timeoutMs with the last value seen. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(last)}${lastError ? `, last error: ${String(lastError)}` : ''})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
