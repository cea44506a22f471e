import type { ClickType, PurchaseLine, TrackingEvent } from '../events/types.js';
import { buildCatalog, type CatalogItem } from './catalog.js';
import { Prng, WeightedSampler, zipfWeights } from './prng.js';

export type { CatalogItem } from './catalog.js';

export interface ShopperSimulationOptions {
  seed: number | string;
  users: number;
  items: number;
  categories: number;
  /** Sessions running at once; their events interleave. */
  concurrentSessions?: number;
  /** Zipf exponent of item popularity inside a category. */
  itemZipf?: number;
  /** Zipf exponent of category popularity (which departments users prefer). */
  categoryZipf?: number;
  /** Zipf exponent of user activity (a few users shop a lot). */
  userZipf?: number;
  /** Probability that a product visit ignores the user's taste (any item, by global popularity). */
  noise?: number;
  /** Probability per session that one of the user's preferred categories is replaced (taste drift). */
  driftPerSession?: number;
  /** Mean product visits per session. */
  meanVisitsPerSession?: number;
  funnel?: Partial<FunnelRates>;
  /** Prefix of eventId, orderId and sessionId: give each live run its own so ids never collide. */
  idPrefix?: string;
}

/** Conditional drop-off of the view → click → add_to_cart → purchase funnel. */
export interface FunnelRates {
  click: number;
  addToCart: number;
  removeFromCart: number;
  /** A session ending with a non-empty cart checks out with this probability. */
  purchase: number;
}

export interface ShopperProfile {
  userId: string;
  name: string;
  /** e.g. "likes Outdoor and Books" (the taste the user starts with; it drifts). */
  description: string;
  categories: string[];
}

export interface ShopperSimulation {
  readonly catalog: readonly CatalogItem[];
  readonly itemsById: ReadonlyMap<string, CatalogItem>;
  readonly shoppers: readonly ShopperProfile[];
  /** The next event of the interleaved sessions, stamped with `now` (epoch millis). */
  next(now: number): TrackingEvent;
}

const DEFAULT_FUNNEL: FunnelRates = { click: 0.45, addToCart: 0.3, removeFromCart: 0.15, purchase: 0.6 };
const FIRST_NAMES = [
  'Ada',
  'Bo',
  'Chen',
  'Dara',
  'Emil',
  'Fatima',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kira',
  'Luca',
  'Mia',
  'Noor',
  'Omar',
  'Pia',
  'Quinn',
  'Rosa',
  'Sami',
  'Tess',
  'Uma',
  'Vik',
  'Wen',
  'Yara',
  'Zoe',
];

interface Shopper {
  profile: ShopperProfile;
  /** Category indices with their preference weights. */
  taste: Array<{ category: number; weight: number }>;
}

interface Session {
  shopper: Shopper;
  sessionId: string;
  visitsLeft: number;
  cart: Map<string, number>;
  /** Events of the current product visit not yet emitted. */
  pending: Array<{ type: ClickType; item: CatalogItem }>;
  checkedOut: boolean;
}

export function createShopperSimulation(options: ShopperSimulationOptions): ShopperSimulation {
  const rng = new Prng(options.seed);
  if (!(options.users >= 1 && options.items >= 1 && options.categories >= 1)) {
    throw new Error('createShopperSimulation needs users, items and categories ≥ 1');
  }
  const funnel = { ...DEFAULT_FUNNEL, ...options.funnel };
  const noise = options.noise ?? 0.1;
  const drift = options.driftPerSession ?? 0.05;
  const meanVisits = options.meanVisitsPerSession ?? 5;
  const idPrefix = options.idPrefix ?? `sim${options.seed}`;
  const categoryCount = Math.min(options.categories, options.items);
  const { items, categories, itemsByCategory } = buildCatalog(rng, options.items, categoryCount);
  const itemZipf = options.itemZipf ?? 1;
  const withinCategory = itemsByCategory.map((ids) => new WeightedSampler(zipfWeights(ids.length, itemZipf)));
  const categoryPopularity = new WeightedSampler(zipfWeights(categoryCount, options.categoryZipf ?? 0.6));
  // across clusters: an item's global weight is its category's share times its rank weight inside it
  const globalWeights = new Array<number>(items.length).fill(0);
  const catWeights = zipfWeights(categoryCount, options.categoryZipf ?? 0.6);
  itemsByCategory.forEach((ids, c) => {
    ids.forEach((id, rank) => {
      globalWeights[id] = catWeights[c] / (rank + 1) ** itemZipf;
    });
  });
  const globalPopularity = new WeightedSampler(globalWeights);

  const drawTaste = (): Shopper['taste'] => {
    const first = categoryPopularity.sample(rng);
    if (categoryCount === 1 || rng.chance(0.5)) return [{ category: first, weight: 1 }];
    let second = categoryPopularity.sample(rng);
    for (let tries = 0; second === first && tries < 20; tries++) second = categoryPopularity.sample(rng);
    if (second === first) second = (first + 1) % categoryCount;
    return [
      { category: first, weight: 0.7 },
      { category: second, weight: 0.3 },
    ];
  };

  const width = String(options.users).length;
  const shoppers: Shopper[] = [];
  for (let u = 0; u < options.users; u++) {
    const taste = drawTaste();
    const names = taste.map((t) => categories[t.category]);
    shoppers.push({
      profile: {
        userId: `user-${String(u + 1).padStart(width, '0')}`,
        name: `${FIRST_NAMES[u % FIRST_NAMES.length]}${u >= FIRST_NAMES.length ? ` ${Math.floor(u / FIRST_NAMES.length) + 1}` : ''}`,
        description: `likes ${names.join(' and ')}`,
        categories: names,
      },
      taste,
    });
  }
  // activity ranks are shuffled so heavy shoppers are not simply the lowest ids
  const activityOrder = shoppers.map((_, i) => i);
  for (let i = activityOrder.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [activityOrder[i], activityOrder[j]] = [activityOrder[j], activityOrder[i]];
  }
  const activity = new WeightedSampler(zipfWeights(shoppers.length, options.userZipf ?? 0.8));

  const concurrency = Math.max(1, Math.min(options.concurrentSessions ?? 16, shoppers.length));
  const sessions: Session[] = [];
  const active = new Set<Shopper>();
  let sessionCounter = 0;
  let eventCounter = 0;

  const startSession = (): Session => {
    let shopper = shoppers[activityOrder[activity.sample(rng)]];
    for (let tries = 0; active.has(shopper) && tries < 50; tries++) shopper = shoppers[activityOrder[activity.sample(rng)]];
    if (active.has(shopper)) shopper = shoppers.find((s) => !active.has(s)) ?? shopper;
    active.add(shopper);
    if (rng.chance(drift)) {
      const slot = rng.int(shopper.taste.length);
      const current = new Set(shopper.taste.map((t) => t.category));
      let next = categoryPopularity.sample(rng);
      for (let tries = 0; current.has(next) && tries < 20; tries++) next = rng.int(categoryCount);
      if (!current.has(next)) shopper.taste[slot] = { ...shopper.taste[slot], category: next };
    }
    sessionCounter++;
    return {
      shopper,
      sessionId: `${idPrefix}-s${sessionCounter}`,
      visitsLeft: 1 + Math.floor(rng.exponential(Math.max(0, meanVisits - 1))),
      cart: new Map(),
      pending: [],
      checkedOut: false,
    };
  };

  const chooseItem = (shopper: Shopper): CatalogItem => {
    if (rng.chance(noise)) return items[globalPopularity.sample(rng)];
    let r = rng.float();
    let category = shopper.taste[0].category;
    for (const t of shopper.taste) {
      if (r < t.weight) {
        category = t.category;
        break;
      }
      r -= t.weight;
    }
    return items[itemsByCategory[category][withinCategory[category].sample(rng)]];
  };

  const planVisit = (session: Session): void => {
    const item = chooseItem(session.shopper);
    session.pending.push({ type: 'view', item });
    if (!rng.chance(funnel.click)) return;
    session.pending.push({ type: 'click', item });
    if (!rng.chance(funnel.addToCart)) return;
    session.pending.push({ type: 'add_to_cart', item });
    if (rng.chance(funnel.removeFromCart)) session.pending.push({ type: 'remove_from_cart', item });
  };

  /** The session's next event, or null when it has ended. */
  const step = (session: Session, now: number): TrackingEvent | null => {
    if (session.pending.length === 0 && session.visitsLeft > 0) {
      session.visitsLeft--;
      planVisit(session);
    }
    const userId = session.shopper.profile.userId;
    const next = session.pending.shift();
    if (next !== undefined) {
      if (next.type === 'add_to_cart') session.cart.set(next.item.itemId, next.item.price);
      if (next.type === 'remove_from_cart') session.cart.delete(next.item.itemId);
      eventCounter++;
      return {
        kind: 'click',
        eventId: `${idPrefix}-${eventCounter}`,
        userId,
        timestamp: now,
        type: next.type,
        itemId: next.item.itemId,
        sessionId: session.sessionId,
        price: next.item.price,
      };
    }
    if (session.checkedOut || session.cart.size === 0) return null;
    session.checkedOut = true;
    if (!rng.chance(funnel.purchase)) return null;
    const lines: PurchaseLine[] = [...session.cart].map(([itemId, price]) => ({ itemId, quantity: rng.chance(0.2) ? 2 : 1, price }));
    eventCounter++;
    return {
      kind: 'purchase',
      eventId: `${idPrefix}-${eventCounter}`,
      userId,
      timestamp: now,
      orderId: `${idPrefix}-o${eventCounter}`,
      currency: 'EUR',
      items: lines,
      sessionId: session.sessionId,
    };
  };

  return {
    catalog: items,
    itemsById: new Map(items.map((i) => [i.itemId, i])),
    shoppers: shoppers.map((s) => s.profile),
    next(now) {
      for (;;) {
        while (sessions.length < concurrency) sessions.push(startSession());
        const index = rng.int(sessions.length);
        const session = sessions[index];
        const event = step(session, now);
        if (event !== null) return event;
        active.delete(session.shopper);
        sessions.splice(index, 1);
      }
    },
  };
}

export interface GenerateOptions extends Omit<ShopperSimulationOptions, 'users' | 'items' | 'categories'> {
  users?: number;
  items?: number;
  categories?: number;
  events: number;
  /** Time of the first event, epoch millis. */
  start?: number;
  /** Mean gap between consecutive events; default spreads the events over 30 days. */
  meanGapMs?: number;
}

/** Default catalogue size for a user count: enough items for clusters to matter, capped. */
export function defaultItemCount(users: number): number {
  return Math.max(50, Math.min(5000, Math.round(users / 2)));
}

/** A finite log of `events` events with exponential gaps, deterministic for the seed. */
export function* generateEvents(options: GenerateOptions): Generator<TrackingEvent> {
  const users = options.users ?? 1000;
  const sim = createShopperSimulation({
    ...options,
    users,
    items: options.items ?? defaultItemCount(users),
    categories: options.categories ?? 12,
  });
  const clock = new Prng(`${options.seed}:clock`);
  const meanGap = options.meanGapMs ?? (30 * 86_400_000) / Math.max(1, options.events);
  let now = options.start ?? Date.UTC(2026, 0, 1);
  for (let i = 0; i < options.events; i++) {
    yield sim.next(Math.round(now));
    now += clock.exponential(meanGap);
  }
}

export const GENERATED_CSV_HEADER = ['userId', 'itemId', 'timestamp', 'type', 'price', 'sessionId'] as const;

/** CSV rows of one event: a purchase becomes one row per order line (type `purchase`). */
export function eventCsvRows(event: TrackingEvent): string[][] {
  if (event.kind === 'click') {
    return [
      [
        event.userId,
        event.itemId,
        String(event.timestamp),
        event.type,
        event.price == null ? '' : String(event.price),
        event.sessionId ?? '',
      ],
    ];
  }
  return event.items.map((l) => [event.userId, l.itemId, String(event.timestamp), 'purchase', String(l.price), event.sessionId ?? '']);
}
