import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { mintToken } from '../../src/serve/tokens.js';
import { click, post, type ServeStack, startServeStack } from '../serve/stack.js';
import { TestClient } from '../serve/ws-client.js';

const OLD = 'rotation-old-secret-0123456789';
const NEW = 'rotation-new-secret-9876543210';

/** HTTP status of a list read with the token, and the first WebSocket answer to a subscribe with it. */
async function tryToken(stack: ServeStack, token: string): Promise<{ http: number; ws: string }> {
  const res = await fetch(`${stack.url}/v1/users/alice/recommendations`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
  const client = await TestClient.connect(stack.wsUrl);
  try {
    client.send({ op: 'subscribe', userId: 'alice', token });
    const frame = await client.next((f) => f.op === 'recommendations' || f.op === 'error');
    return { http: res.status, ws: frame.op === 'error' ? String(frame.code) : frame.op };
  } finally {
    client.socket.close();
  }
}

describe('rotating AUTH_SECRET: two secrets accepted at once', () => {
  let stack: ServeStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('accepts tokens of the previous secret while AUTH_SECRET_PREVIOUS holds it, on HTTP and WebSocket, and refuses them once it is gone', async () => {
    const oldToken = mintToken(OLD, 'alice', 600);
    const newToken = mintToken(NEW, 'alice', 600);
    const strangerToken = mintToken('unrelated-secret-0123456789', 'alice', 600);

    stack = await startServeStack({ AUTH_SECRET: NEW, AUTH_SECRET_PREVIOUS: OLD });
    expect((await post(stack, [click('alice', 'i1'), click('alice', 'i2')])).status).toBe(202);
    expect(await tryToken(stack, oldToken)).toEqual({ http: 200, ws: 'recommendations' });
    expect(await tryToken(stack, newToken)).toEqual({ http: 200, ws: 'recommendations' });
    const refused = await tryToken(stack, strangerToken);
    expect(refused.http).toBe(401);
    expect(refused.ws).not.toBe('recommendations');
    await stack.stop();

    stack = await startServeStack({ AUTH_SECRET: NEW });
    const after = await tryToken(stack, oldToken);
    expect(after.http).toBe(401);
    expect(after.ws).not.toBe('recommendations');
    expect(await tryToken(stack, newToken)).toEqual({ http: 200, ws: 'recommendations' });
  });

  it('names AUTH_SECRET_PREVIOUS when it cannot be a rotation', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return err instanceof ConfigError ? err.problems : [];
      }
    };
    expect(problems({ AUTH_SECRET_PREVIOUS: OLD })[0]).toMatch(/^AUTH_SECRET_PREVIOUS is set without AUTH_SECRET/);
    expect(problems({ AUTH_SECRET: NEW, AUTH_SECRET_PREVIOUS: NEW })[0]).toMatch(/^AUTH_SECRET_PREVIOUS equals AUTH_SECRET/);
    expect(problems({ AUTH_SECRET: NEW, AUTH_SECRET_PREVIOUS: 'short' })[0]).toMatch(/^AUTH_SECRET_PREVIOUS is shorter than 16/);
    expect(loadConfig({ AUTH_SECRET: NEW, AUTH_SECRET_PREVIOUS: OLD }).authSecretPrevious).toBe(OLD);
  });
});
