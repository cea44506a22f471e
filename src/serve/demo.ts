import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { idProblem } from '../events/fields.js';
import { HttpError, sendError } from './errors.js';

export interface DemoCatalogItem {
  itemId: string;
  name: string;
  category: string;
  price: number;
}

export interface DemoShopper {
  userId: string;
  /** Display name in the shopper picker; the userId when absent. */
  name?: string;
  /** A short line about the shopper's taste, e.g. "likes outdoor gear". */
  description?: string;
}

export interface DemoPluginOptions {
  /** Folder holding index.html, tracker.js, demo.js and demo.css. */
  webDir: string;
  catalog: readonly DemoCatalogItem[];
  shoppers: readonly DemoShopper[];
  /** Mints a storefront token for a user; absent (no AUTH_SECRET) means subscriptions are open. */
  mintToken?: (userId: string) => string;
  /** Collector write key the page's tracker sends, when WRITE_KEYS is set. */
  writeKey?: string | null;
}

/**
 * The only files served: a fixed map, so no request path ever reaches the file system. The tracker is
 * loaded by shops on other origins, so it alone may be embedded cross-origin (Helmet's default
 * Cross-Origin-Resource-Policy is same-origin).
 */
const STATIC_FILES: Record<string, { file: string; type: string; crossOrigin?: boolean }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/tracker.js': { file: 'tracker.js', type: 'text/javascript; charset=utf-8', crossOrigin: true },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  '/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
};

/**
 * The demo storefront of `recstream demo` (`GET /` and `GET /tracker.js`): the page, the tracker and the small
 * JSON API the page reads. Files are read per request so an edited page shows on reload.
 */
export const demoPlugin: FastifyPluginAsync<DemoPluginOptions> = async (app, options) => {
  const { webDir, catalog, shoppers, mintToken } = options;

  const sendFile = async (reply: FastifyReply, file: string, type: string): Promise<FastifyReply> => {
    const body = await readFile(join(webDir, file));
    return reply.header('content-type', type).header('cache-control', 'no-cache').send(body);
  };
  for (const [path, { file, type, crossOrigin }] of Object.entries(STATIC_FILES)) {
    app.get(path, async (_request, reply) => {
      if (crossOrigin === true) reply.header('cross-origin-resource-policy', 'cross-origin');
      return sendFile(reply, file, type);
    });
  }

  app.get('/demo/catalog.json', async () => ({
    items: catalog.map(({ itemId, name, category, price }) => ({ itemId, name, category, price })),
  }));

  app.get('/demo/shoppers.json', async () => ({
    shoppers: shoppers.map((s) => ({ userId: s.userId, name: s.name ?? s.userId, description: s.description ?? null })),
  }));

  app.get('/demo/config.json', async () => ({
    writeKey: options.writeKey ?? null,
    authRequired: mintToken !== undefined,
  }));

  // Answered here rather than thrown: the plugin also runs on a server without recstream's error handler.
  app.get('/demo/token', async (request, reply) => {
    const { userId } = request.query as { userId?: unknown };
    const refuse = (problem: string) =>
      sendError(new HttpError('RS_USER_ID_INVALID', 400, `${problem}, e.g. /demo/token?userId=u1`), request, reply);
    if (typeof userId !== 'string') return refuse('userId is required');
    const problem = idProblem(userId, 'userId');
    if (problem !== null) return refuse(problem);
    return { token: mintToken ? mintToken(userId) : null };
  });
};
