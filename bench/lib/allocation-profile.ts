import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * Samples this process's allocations from now on, collected objects included (what the work costs the GC, not
 * what stays alive), and writes `<dir>/alloc-<pid>.heapprofile` at exit: open it in Chrome DevTools, or
 * summarize it with `bench/profile-summary.ts`. Does nothing without `dir`.
 */
export function profileAllocationsTo(dir: string | undefined): void {
  if (!dir) return;
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.once('exit', () => {
    // The same-thread inspector answers synchronously, so this runs before the process is gone.
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error)
        writeFileSync(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
