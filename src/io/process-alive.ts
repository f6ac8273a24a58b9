// Whether a process id names a live process on this machine. Used to tell a
// stale temporary file or staging folder (its writer is dead) from one that a
// running vmsa-check is still writing. A reused pid only means that a stale
// leftover is kept a little longer, never that live work is removed.

export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
