// The demo storefront: renders the catalogue, tracks clicks through tracker.js and shows the live
// recommendations pushed over the WebSocket.
const tracker = window.recstream;
const $ = (id) => document.getElementById(id);
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const ITEMS_PER_SECTION = 8;
const TICKER_LINES = 5;

const state = {
  items: new Map(),
  categories: [],
  userId: null,
  subscription: null,
  shownCategory: null,
  lastList: new Set(),
  cart: new Map(),
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'style') node.style.cssText = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A stable colour per category so badges and tiles match everywhere.
function hue(text) {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

function badge(category) {
  return el('span', { class: 'badge', style: `--hue:${hue(category)}` }, category);
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

function itemName(itemId) {
  return state.items.get(itemId)?.name ?? itemId;
}

const REASON_WORDS = {
  'co-viewed': 'because you viewed',
  'co-clicked': 'because you viewed',
  similar: 'because you viewed',
  'co-carted': 'because you put in your cart',
  'bought-together': 'because you bought',
  'co-purchased': 'because you bought',
};

function listWords(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Turns the engine's machine reasons (`co-viewed:<itemId>`, `bought-together:<itemId>`, `trending`)
 * into short sentences, one per kind: "because you viewed Tent and Headlamp".
 */
function describeReasons(reasons) {
  const byKind = new Map();
  for (const reason of reasons) {
    const at = reason.indexOf(':');
    const kind = at < 0 ? reason : reason.slice(0, at);
    if (!byKind.has(kind)) byKind.set(kind, []);
    if (at >= 0) byKind.get(kind).push(itemName(reason.slice(at + 1)));
  }
  return [...byKind].map(([kind, names]) => {
    if (kind === 'trending' || kind === 'popular') return 'trending now';
    if (names.length === 0) return kind.replace(/[-_]/g, ' ');
    return `${REASON_WORDS[kind] ?? 'related to'} ${listWords(names)}`;
  });
}

function productCard(item) {
  return el(
    'article',
    {
      class: 'product',
      'data-item-id': item.itemId,
      'data-price': item.price,
      'data-category': item.category,
      tabindex: 0,
      role: 'button',
      'aria-label': `${item.name}, ${money.format(item.price)}`,
    },
    el('div', { class: 'tile', style: `--hue:${hue(item.category)}`, 'aria-hidden': 'true' }, initials(item.name)),
    el(
      'div',
      { class: 'product-body' },
      el('h3', { class: 'product-name' }, item.name),
      el('div', { class: 'product-meta' }, badge(item.category), el('span', { class: 'price' }, money.format(item.price))),
    ),
    el('button', { class: 'button add', type: 'button', 'data-recstream-type': 'add_to_cart' }, 'Add to cart'),
  );
}

function renderGrid() {
  const grid = $('grid');
  grid.replaceChildren();
  const shown = state.shownCategory ? [state.shownCategory] : state.categories;
  for (const category of shown) {
    const items = [...state.items.values()].filter((i) => i.category === category);
    const visible = state.shownCategory ? items : items.slice(0, ITEMS_PER_SECTION);
    const more = items.length - visible.length;
    grid.append(
      el(
        'section',
        { class: 'category', 'data-category': category },
        el(
          'div',
          { class: 'category-head' },
          el('h2', {}, category),
          more > 0 ? el('button', { class: 'link', type: 'button', 'data-show': category }, `all ${items.length} →`) : null,
        ),
        el('div', { class: 'grid' }, visible.map(productCard)),
      ),
    );
  }
  markRecommendedCards();
  for (const chip of $('categories').children) {
    chip.classList.toggle('active', (chip.dataset.category || null) === state.shownCategory);
  }
}

function renderCategories() {
  const chip = (label, category) => el('button', { class: 'chip', type: 'button', 'data-category': category ?? '' }, label);
  $('categories').replaceChildren(chip('All', null), ...state.categories.map((c) => chip(c, c)));
}

function tick(direction, text) {
  const time = new Date().toLocaleTimeString('en-GB');
  const line = el('li', { class: `tick ${direction}` }, el('time', {}, time), el('span', {}, text));
  $('ticker').prepend(line);
  while ($('ticker').children.length > TICKER_LINES) $('ticker').lastChild.remove();
}

const EVENT_WORDS = { view: 'viewed', click: 'clicked', add_to_cart: 'added to cart', remove_from_cart: 'removed from cart' };

function describeEvent(event) {
  if (event.type === 'purchase') return `ordered ${event.items.length} item(s) · ${money.format(orderTotal(event.items))}`;
  const via = event.recommendationId ? ' (from recommendations)' : '';
  return `${EVENT_WORDS[event.type] ?? event.type} ${itemName(event.itemId)}${via}`;
}

function renderRecommendations(rec) {
  const list = $('recs');
  const previous = state.lastList;
  state.lastList = new Set(rec.items.map((i) => i.itemId));
  list.dataset.recommendationId = rec.recommendationId;
  list.dataset.userId = rec.userId;
  const top = rec.items[0]?.score || 1;
  list.replaceChildren(
    ...rec.items.map((entry, rank) => {
      const item = state.items.get(entry.itemId) ?? { name: entry.itemId, category: 'other', price: null };
      return el(
        'li',
        { class: previous.has(entry.itemId) ? 'rec' : 'rec fresh', 'data-item-id': entry.itemId, 'data-price': item.price },
        el('span', { class: 'rank' }, rank + 1),
        el(
          'div',
          { class: 'rec-body' },
          el(
            'div',
            { class: 'rec-title' },
            el('span', { class: 'rec-name' }, item.name),
            item.price === null ? null : el('span', { class: 'price' }, money.format(item.price)),
          ),
          el(
            'div',
            { class: 'rec-meta' },
            badge(item.category),
            el(
              'span',
              { class: 'score', title: `score ${entry.score.toFixed(3)}` },
              el('span', { style: `width:${Math.max(4, Math.round((entry.score / top) * 100))}%` }),
            ),
          ),
          el(
            'ul',
            { class: 'reasons', 'data-reasons': entry.reasons.join(' ') },
            describeReasons(entry.reasons).map((text) => el('li', { class: 'reason' }, text)),
          ),
        ),
      );
    }),
  );
  markRecommendedCards();
  $('recs-empty').hidden = rec.items.length > 0;
  $('recs-empty').textContent = 'No recommendations yet: click a few products.';
  $('recs-meta').textContent = `model ${rec.modelVersion} · ${new Date(rec.generatedAt).toLocaleTimeString('en-GB')}`;
  const value = rec.userScores?.expectedOrderValue;
  const box = $('order-value');
  box.hidden = typeof value !== 'number';
  if (typeof value === 'number') {
    box.replaceChildren(el('span', {}, 'Expected order value'), el('strong', {}, money.format(value)));
  }
  tick('in', rec.items.length ? `${rec.items.length} recommendations, top: ${itemName(rec.items[0].itemId)}` : 'empty recommendation list');
}

// Cards in the catalogue that are on the current list get a small "for you" mark.
function markRecommendedCards() {
  for (const card of document.querySelectorAll('#grid .product')) {
    card.classList.toggle('for-you', state.lastList.has(card.dataset.itemId));
  }
}

function setConnection(status) {
  const node = $('connection');
  node.className = `status status-${status}`;
  node.textContent = { open: 'live', reconnecting: 'reconnecting…', connecting: 'connecting…', error: 'refused' }[status] ?? status;
}

async function tokenFor(userId) {
  const res = await fetch(`/demo/token?userId=${encodeURIComponent(userId)}`);
  if (!res.ok) throw new Error(`token request failed: ${res.status}`);
  return (await res.json()).token;
}

function selectShopper(userId) {
  state.userId = userId;
  tracker.identify(userId);
  state.subscription?.close();
  state.lastList = new Set();
  markRecommendedCards();
  $('recs').replaceChildren();
  $('order-value').hidden = true;
  $('recs-empty').hidden = false;
  $('recs-empty').textContent = 'Waiting for the first recommendations…';
  const option = $('shopper').selectedOptions[0];
  $('shopper-about').textContent = option?.dataset.description ?? '';
  setConnection('connecting');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  state.subscription = tracker.subscribe({
    url: `${scheme}//${location.host}/v1/stream`,
    userId,
    token: tokenFor,
    onStatus: setConnection,
    onRecommendations: (rec) => {
      if (rec.userId === state.userId) renderRecommendations(rec);
    },
    onError: (err) => {
      setConnection('error');
      tick('error', `${err.code}: ${err.message}`);
    },
  });
}

function orderTotal(lines) {
  return lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
}

function renderCart() {
  const lines = [...state.cart.values()];
  $('cart').replaceChildren(
    ...lines.map((l) =>
      el(
        'li',
        {},
        el('span', {}, `${l.quantity} × ${itemName(l.itemId)}`),
        el(
          'button',
          { class: 'link', type: 'button', 'data-item-id': l.itemId, 'data-recstream-type': 'remove_from_cart', 'data-remove': l.itemId },
          'remove',
        ),
      ),
    ),
  );
  $('cart-total').textContent = lines.length ? money.format(orderTotal(lines)) : 'empty';
  $('checkout').disabled = lines.length === 0;
}

function onClick(event) {
  const target = event.target;
  const show = target.closest('[data-show]');
  if (show) {
    state.shownCategory = show.dataset.show;
    renderGrid();
    return;
  }
  const chip = target.closest('.chip');
  if (chip) {
    state.shownCategory = chip.dataset.category || null;
    renderGrid();
    return;
  }
  const remove = target.closest('[data-remove]');
  if (remove) {
    state.cart.delete(remove.dataset.remove);
    renderCart();
    return;
  }
  const add = target.closest('.add');
  if (add) {
    const item = state.items.get(add.closest('[data-item-id]').dataset.itemId);
    const line = state.cart.get(item.itemId) ?? { itemId: item.itemId, quantity: 0, price: item.price };
    line.quantity += 1;
    state.cart.set(item.itemId, line);
    renderCart();
    return;
  }
  const card = target.closest('[data-item-id]');
  if (card) {
    card.classList.remove('pulse');
    void card.offsetWidth;
    card.classList.add('pulse');
  }
}

function checkout() {
  const items = [...state.cart.values()].map(({ itemId, quantity, price }) => ({ itemId, quantity, price }));
  if (items.length === 0) return;
  tracker.purchase({ currency: 'USD', items });
  state.cart.clear();
  renderCart();
}

async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

async function start() {
  const [catalog, people, config] = await Promise.all([
    getJson('/demo/catalog.json'),
    getJson('/demo/shoppers.json'),
    getJson('/demo/config.json'),
  ]);
  for (const item of catalog.items) state.items.set(item.itemId, item);
  state.categories = [...new Set(catalog.items.map((i) => i.category))].sort();

  const visitor = `visitor-${tracker.newId().slice(0, 8)}`;
  const shoppers = [
    ...people.shoppers,
    { userId: visitor, name: 'New visitor', description: 'no history yet: you start from what is trending' },
  ];
  $('shopper').replaceChildren(...shoppers.map((s) => el('option', { value: s.userId, 'data-description': s.description }, s.name)));

  tracker.init({
    endpoint: location.origin,
    writeKey: config.writeKey,
    userId: shoppers[0].userId,
    autoCapture: true,
    // Short flush interval: the demo is about seeing the reaction to each click.
    flushInterval: 150,
    onEvent: (event) => tick('out', describeEvent(event)),
    onResponse: (status) => {
      if (status >= 400) tick('error', `collector answered ${status}`);
    },
  });

  renderCategories();
  renderGrid();
  renderCart();
  document.addEventListener('click', onClick);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches('.product')) e.target.click();
  });
  $('shopper').addEventListener('change', (e) => selectShopper(e.target.value));
  $('checkout').addEventListener('click', checkout);
  selectShopper(shoppers[0].userId);
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  setConnection('error');
  tick('error', `the demo could not start: ${err.message}`);
});
