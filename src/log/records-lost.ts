import type { RecordsLost } from './types.js';

/** What a consumer says when retention deleted records before its group read them; `fix` names the setting to raise. */
export function recordsLostMessage(lost: RecordsLost, groupId: string, fix: string): string {
  return (
    `${lost.topic}/${lost.partition}: ${lost.records} records were deleted by retention before group ${groupId} ` +
    `read them; it reads on from offset ${lost.resumedAt}. ${fix}`
  );
}
