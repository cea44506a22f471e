import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  /** The heap sizes node was started with (`--max-semi-space-size`, `--max-old-space-size`, from its flags or NODE_OPTIONS); the engines the bench starts get the same. */
  heapFlags: string[];
  platform: string;
}

const HEAP_FLAG = /^--max-(semi|old)-space-size=\d+$/;

/** This process's heap-size flags, as given on its command line or in NODE_OPTIONS. */
export function heapFlags(): string[] {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return [...new Set(given.filter((flag) => HEAP_FLAG.test(flag)))];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    heapFlags: heapFlags(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}
