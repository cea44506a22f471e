/** The engine's members of the error family (src/errors.ts). */
import { createError } from '../errors.js';

/** Asked for lists or given events before start() finished: the process is still starting. */
export const EngineNotStarted = createError('RS_ENGINE_NOT_STARTED', 'EngineNotStarted', () => 'the engine is still starting', {
  retriable: true,
});
