/**
 * Goodbyes over Redis (a client's bye, a worker's leaving) wait for Redis; when it is gone they
 * would wait forever. `settlesWithin` gives such work a grace period: true when it settled (either
 * way) in time, false when the caller should stop waiting and drop its connections.
 * @example
 * if (!(await settlesWithin(farewell, CLOSE_GRACE_MS))) connection.disconnect();
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
