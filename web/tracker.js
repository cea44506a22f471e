/* recstream browser tracker: plain ES2017, no dependencies, no build step. */
(function (root) {
  'use strict';
  var SESSION_KEY = 'recstream.session';
  var SESSION_IDLE_MS = 30 * 60 * 1000;
  var cfg = null;
  var queue = [];
  var timer = null;
  var inFlight = false;
  var failures = 0;
  var retryAt = 0;

  function uuid() {
    var c = root.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map
      .call(b, function (x) {
        return (x + 256).toString(16).slice(1);
      })
      .join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // A session ends after 30 minutes without events; storage may be unavailable (private mode, iframes).
  var memorySession = null;
  function sessionId() {
    var now = Date.now();
    var s = memorySession;
    try {
      s = JSON.parse(root.sessionStorage.getItem(SESSION_KEY)) || s;
    } catch (_e) {
      /* keep memory copy */
    }
    if (!s || now - s.last > SESSION_IDLE_MS) s = { id: uuid(), last: now };
    s.last = now;
    memorySession = s;
    try {
      root.sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    } catch (_e) {
      /* memory only */
    }
    return s.id;
  }

  function url() {
    var u = cfg.endpoint.replace(/\/+$/, '') + '/v1/events';
    return cfg.writeKey ? u + '?writeKey=' + encodeURIComponent(cfg.writeKey) : u;
  }

  function schedule(ms) {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      send(false);
    }, ms);
  }

  function enqueue(event) {
    if (!cfg) throw new Error('recstream.init() must be called first');
    queue.push(event);
    // Bounded: under a long outage the oldest events go first.
    if (queue.length > cfg.maxQueue) queue.splice(0, queue.length - cfg.maxQueue);
    if (cfg.onEvent) cfg.onEvent(event);
    if (queue.length >= cfg.batchSize && Date.now() >= retryAt) send(false);
    else schedule(cfg.flushInterval);
    return event;
  }

  function base(type) {
    return { eventId: uuid(), userId: cfg.userId, timestamp: Date.now(), type: type, sessionId: sessionId() };
  }

  function track(type, props) {
    return enqueue(Object.assign(base(type), props || {}));
  }

  // Sends one batch. Never two fetches at once: the end of one decides about the next.
  function send(beacon) {
    if (!cfg || queue.length === 0 || (inFlight && !beacon)) return Promise.resolve();
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    var batch = queue.splice(0, cfg.batchSize);
    // text/plain keeps the request "simple": no CORS preflight, and the collector detects the format.
    var body = JSON.stringify(batch);
    if (beacon && root.navigator.sendBeacon(url(), new Blob([body], { type: 'text/plain;charset=UTF-8' }))) {
      return send(true);
    }
    inFlight = true;
    return root
      .fetch(url(), {
        method: 'POST',
        body: body,
        keepalive: true,
        credentials: 'omit',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      })
      .then(
        function (res) {
          inFlight = false;
          if (res.status >= 500 || res.status === 429) return retryLater(batch);
          failures = 0;
          retryAt = 0;
          if (cfg.onResponse) cfg.onResponse(res.status, batch);
          // A timer that fired during the request found it busy: send what waited.
          if (queue.length >= cfg.batchSize || (queue.length && !timer)) return send(false);
        },
        function () {
          inFlight = false;
          retryLater(batch);
        },
      );
  }

  function retryLater(batch) {
    queue = batch.concat(queue).slice(-cfg.maxQueue);
    failures++;
    var delay = Math.min(cfg.maxBackoff, cfg.flushInterval * Math.pow(2, failures)) * (0.75 + Math.random() * 0.5);
    retryAt = Date.now() + delay;
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    schedule(delay);
  }

  function flush(opts) {
    var beacon = !!(opts && opts.beacon && root.navigator && root.navigator.sendBeacon);
    if (!beacon && Date.now() < retryAt) return Promise.resolve();
    return send(beacon);
  }

  function closestAttr(el, name) {
    for (; el && el.getAttribute; el = el.parentNode) {
      var v = el.getAttribute(name);
      if (v) return v;
    }
    return null;
  }

  function onClick(e) {
    var itemId = closestAttr(e.target, 'data-item-id');
    if (!itemId) return;
    var type = closestAttr(e.target, 'data-recstream-type') || 'click';
    if (type === 'none') return;
    var props = { itemId: itemId };
    var rec = closestAttr(e.target, 'data-recommendation-id');
    if (rec) props.recommendationId = rec;
    var price = parseFloat(closestAttr(e.target, 'data-price'));
    if (price >= 0) props.price = price;
    track(type, props);
  }

  function onHide() {
    if (root.document.visibilityState !== 'visible') flush({ beacon: true });
  }

  function init(options) {
    if (!options || !options.endpoint || !options.userId) throw new Error('recstream.init needs endpoint and userId');
    if (cfg && cfg.autoCapture) root.document.removeEventListener('click', onClick, true);
    cfg = Object.assign({ batchSize: 20, flushInterval: 1000, maxQueue: 500, maxBackoff: 30000, autoCapture: false }, options);
    if (cfg.autoCapture) root.document.addEventListener('click', onClick, true);
    return api;
  }

  // Resubscribes after a dropped connection with growing delays; `token` may be a function returning a
  // (promise of a) fresh token, so expired tokens are replaced on reconnect.
  function subscribe(o) {
    var ws = null,
      closed = false,
      attempt = 0,
      refreshes = 0,
      retry = null;
    function later() {
      if (!closed) retry = setTimeout(open, Math.min(10000, 250 * Math.pow(2, attempt++)));
    }
    function send() {
      return Promise.resolve(typeof o.token === 'function' ? o.token(o.userId) : o.token).then(function (token) {
        var msg = { op: 'subscribe', userId: o.userId };
        if (token) msg.token = token;
        if (!closed && ws.readyState === 1) ws.send(JSON.stringify(msg));
      });
    }
    function open() {
      ws = new root.WebSocket(o.url);
      ws.onopen = function () {
        attempt = 0;
        if (o.onStatus) o.onStatus('open');
        send().catch(function (err) {
          if (o.onError) o.onError({ op: 'error', code: 'token', message: String(err) });
          ws.close();
        });
      };
      ws.onmessage = function (ev) {
        var msg;
        try {
          msg = JSON.parse(ev.data);
        } catch (_e) {
          return;
        }
        if (msg.op === 'recommendations') {
          refreshes = 0;
          if (o.onRecommendations) o.onRecommendations(msg);
        } else if (msg.op === 'error') {
          // A token function can mint a fresh one; a fixed token would only expire again.
          if (msg.code === 'token-expired' && typeof o.token === 'function' && refreshes++ < 3) send();
          else if (o.onError) o.onError(msg);
        }
      };
      ws.onclose = function () {
        if (closed) return;
        if (o.onStatus) o.onStatus('reconnecting');
        later();
      };
    }
    open();
    return {
      close: function () {
        closed = true;
        clearTimeout(retry);
        if (ws) ws.close();
      },
    };
  }

  function itemEvent(type) {
    return function (itemId, props) {
      return track(type, Object.assign({ itemId: itemId }, props));
    };
  }

  var api = {
    init: init,
    track: track,
    identify: function (userId) {
      cfg.userId = userId;
    },
    pageView: function (itemId, props) {
      if (!itemId) {
        var meta = root.document.querySelector('meta[name="recstream:item-id"]');
        itemId = meta && meta.getAttribute('content');
      }
      return itemId ? itemEvent('view')(itemId, props) : null;
    },
    productClick: itemEvent('click'),
    addToCart: itemEvent('add_to_cart'),
    removeFromCart: itemEvent('remove_from_cart'),
    purchase: function (order) {
      return enqueue(Object.assign(base('purchase'), { orderId: uuid(), currency: 'USD' }, order));
    },
    flush: flush,
    subscribe: subscribe,
    newId: uuid,
  };

  if (root.document) {
    root.document.addEventListener('visibilitychange', onHide);
    root.addEventListener('pagehide', function () {
      flush({ beacon: true });
    });
  }
  root.recstream = api;
})(typeof window !== 'undefined' ? window : this);
