import { spawnSync } from 'node:child_process';

export interface ToolRun {
  status: number;
  output: string;
}

/**
 * Runs a system tool that CI installs (promtool from the Debian "prometheus" package, docker-compose).
 * A missing tool is an error with the install hint, never a skip.
 */
export function runTool(tool: string, args: string[], options: { cwd: string; installHint: string }): ToolRun {
  const result = spawnSync(tool, args, { cwd: options.cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${tool} is not installed: ${options.installHint}`);
    throw result.error;
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
