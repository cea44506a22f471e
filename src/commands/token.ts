import { ConfigError, loadConfig } from '../config.js';
import { idProblem } from '../events/fields.js';
import { mintToken } from '../serve/tokens.js';
import { commandEnv, defineCommand, UsageError } from './command.js';
import { positiveInt, requiredFlag } from './flag-values.js';

const USAGE = `Usage: recstream token --user ID [--ttl SECONDS] [--json]

Mints a storefront token for WebSocket subscriptions, signed with AUTH_SECRET.
  --user ID        the user the token lets a storefront subscribe to (required)
  --ttl SECONDS    lifetime in seconds (default 3600, at most TOKEN_MAX_TTL_SECONDS)
  --json           print {"token", "userId", "expiresAt"} instead of the bare token
`;

const DEFAULT_TTL_SECONDS = 3600;

/** `recstream token`: resolves to the exit code. */
export const runToken = defineCommand({
  name: 'token',
  usage: USAGE,
  options: {
    user: { type: 'string' },
    ttl: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, io) {
    const user = requiredFlag('--user', flags.user);
    const userProblem = idProblem(user, '--user');
    if (userProblem !== null) throw new UsageError(userProblem);
    const ttl = positiveInt('--ttl', flags.ttl, DEFAULT_TTL_SECONDS);
    // The engine's own configuration, so the token fits what the engine will accept.
    const config = loadConfig(commandEnv(io));
    const secret = config.authSecret;
    if (secret === null) {
      throw new ConfigError(['AUTH_SECRET is not set; set the same secret the engine runs with, e.g. AUTH_SECRET=$(openssl rand -hex 32)']);
    }
    if (ttl > config.tokenMaxTtlSeconds) {
      throw new UsageError(
        `--ttl ${ttl} is longer than the engine accepts (TOKEN_MAX_TTL_SECONDS=${config.tokenMaxTtlSeconds}); mint a shorter-lived token`,
      );
    }
    const now = Date.now();
    const token = mintToken(secret, user, ttl, now);
    io.stdout.write(
      flags.json === true ? `${JSON.stringify({ token, userId: user, expiresAt: Math.floor(now / 1000) + ttl })}\n` : `${token}\n`,
    );
    return 0;
  },
});
