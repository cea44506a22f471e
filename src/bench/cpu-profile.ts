import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/**
 * CPU profiles of the bench's runs (`recstream bench --profile DIR`), in the `.cpuprofile` form Chrome
 * DevTools and VS Code open: the engine's own work, which the figures alone do not show.
 */

/** Profiles this process while `run` runs and writes the profile to `dir`/`name`; `dir` null: just runs. */
export async function profiled<T>(dir: string | null, name: string, run: () => Promise<T>): Promise<T> {
  if (dir === null) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(path.join(dir, name), JSON.stringify(profile));
  }
}

/**
 * A child process's CPU profile of its whole life: `flags` for Node make it write one per thread into
 * a directory of its own when it exits (run from source, a thread runs the TypeScript loader, and one
 * name for both would keep the loader's), and `keep()`, once it has exited, moves the main thread's to
 * `dir`/`name`. Without `dir`, no flags and nothing to keep.
 */
export function childProfile(dir: string | null, name: string): { flags: string[]; keep: () => Promise<void> } {
  if (dir === null) return { flags: [], keep: async () => undefined };
  const threads = path.join(dir, `${name}.threads`);
  return {
    flags: ['--cpu-prof', `--cpu-prof-dir=${threads}`],
    async keep() {
      // named CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, the main thread's id 0; a process
      // killed instead of stopped wrote none
      const written = await readdir(threads).catch(() => [] as string[]);
      const main = written.find((file) => file.split('.')[4] === '0');
      if (main !== undefined) await rename(path.join(threads, main), path.join(dir, name));
      await rm(threads, { recursive: true, force: true });
    },
  };
}
