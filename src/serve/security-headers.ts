import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Helmet's headers for every HTTP answer. The content security policy is Helmet's default, tightened
 * to what the demo storefront needs: scripts, styles, fetches and the WebSocket to this origin only
 * ('self' covers ws:/wss: of the same host), data: for the page's icon. Styles set from scripts
 * through element.style are not inline styles in CSP's sense, so no 'unsafe-inline' is needed.
 * upgrade-insecure-requests is left out: the engine is often reached over plain HTTP on a private
 * address, where upgraded requests would fail.
 */
export const securityHeaders: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'"],
    },
  },
};
