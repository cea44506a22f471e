import { access } from 'node:fs/promises';
import { UsageError } from './command.js';

// Each reader names the flag and the value it got, so a usage error says what to change.

export function requiredFlag(flag: string, raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') throw new UsageError(`${flag} is required`);
  return raw;
}

export function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < 1)
    throw new UsageError(`${flag} must be a positive integer, got '${raw}'`);
  return v;
}

/** A rate and the like: 0 allowed, fractions allowed. */
export function nonNegativeNumber(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0) throw new UsageError(`${flag} must be a number ≥ 0, got '${raw}'`);
  return v;
}

export function finiteNumber(flag: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag} must be a number, got '${raw}'`);
  return v;
}

/** 0 asks the system for a free port. */
export function tcpPort(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || v > 65535) throw new UsageError(`${flag} must be a TCP port (0-65535), got '${raw}'`);
  return v;
}

export function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

export function urlFlag(flag: string, raw: string | undefined): string | undefined {
  if (raw !== undefined && !URL.canParse(raw)) throw new UsageError(`${flag} must be a URL, got '${raw}'`);
  return raw;
}

export async function readableFile(flag: string, path: string): Promise<string> {
  try {
    await access(path);
  } catch (err) {
    throw new UsageError(`${flag} '${path}' cannot be read`, 'RS_INPUT_UNREADABLE', { cause: err });
  }
  return path;
}
