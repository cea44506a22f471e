import { type Prng, WeightedSampler, zipfWeights } from './prng.js';

export interface CatalogItem {
  itemId: string;
  name: string;
  category: string;
  price: number;
}

interface CategoryTheme {
  name: string;
  basePrice: number;
  adjectives: readonly string[];
  nouns: readonly string[];
}

const THEMES: readonly CategoryTheme[] = [
  {
    name: 'Outdoor',
    basePrice: 60,
    adjectives: ['Trail', 'Alpine', 'Summit', 'Ridge', 'Canyon', 'Glacier'],
    nouns: ['Backpack', 'Tent', 'Headlamp', 'Jacket', 'Sleeping Bag', 'Water Filter', 'Trekking Poles'],
  },
  {
    name: 'Kitchen',
    basePrice: 35,
    adjectives: ['Cast-Iron', 'Copper', 'Ceramic', 'Bamboo', 'Steel', 'Stoneware'],
    nouns: ['Skillet', 'Kettle', 'Knife Set', 'Cutting Board', 'Dutch Oven', 'Espresso Cup', 'Mixing Bowl'],
  },
  {
    name: 'Books',
    basePrice: 18,
    adjectives: ['Illustrated', 'Pocket', 'Collected', 'Annotated', 'Modern', 'Classic'],
    nouns: ['Cookbook', 'Atlas', 'Novel', 'Field Guide', 'Poetry', 'History', 'Memoir'],
  },
  {
    name: 'Electronics',
    basePrice: 120,
    adjectives: ['Wireless', 'Smart', 'Compact', 'Pro', 'Portable', 'Noise-Cancelling'],
    nouns: ['Headphones', 'Speaker', 'Charger', 'Keyboard', 'Camera', 'E-Reader', 'Monitor'],
  },
  {
    name: 'Toys',
    basePrice: 25,
    adjectives: ['Wooden', 'Magnetic', 'Plush', 'Rainbow', 'Musical', 'Giant'],
    nouns: ['Blocks', 'Puzzle', 'Robot', 'Train Set', 'Bear', 'Kite', 'Marble Run'],
  },
  {
    name: 'Garden',
    basePrice: 30,
    adjectives: ['Heirloom', 'Terracotta', 'Galvanised', 'Organic', 'Raised', 'Solar'],
    nouns: ['Planter', 'Seed Kit', 'Watering Can', 'Trowel', 'Bird Feeder', 'Lantern', 'Compost Bin'],
  },
  {
    name: 'Fashion',
    basePrice: 45,
    adjectives: ['Linen', 'Wool', 'Denim', 'Silk', 'Vintage', 'Tailored'],
    nouns: ['Shirt', 'Scarf', 'Trousers', 'Dress', 'Cap', 'Coat', 'Sneakers'],
  },
  {
    name: 'Beauty',
    basePrice: 22,
    adjectives: ['Botanical', 'Hydrating', 'Lavender', 'Citrus', 'Gentle', 'Mineral'],
    nouns: ['Face Oil', 'Soap', 'Shampoo', 'Lip Balm', 'Serum', 'Hand Cream', 'Bath Salts'],
  },
  {
    name: 'Sports',
    basePrice: 40,
    adjectives: ['Carbon', 'Grip', 'Training', 'Team', 'Speed', 'Recovery'],
    nouns: ['Racket', 'Ball', 'Yoga Mat', 'Dumbbells', 'Jump Rope', 'Bottle', 'Gloves'],
  },
  {
    name: 'Music',
    basePrice: 55,
    adjectives: ['Acoustic', 'Vintage', 'Studio', 'Analog', 'Travel', 'Electric'],
    nouns: ['Guitar Strings', 'Ukulele', 'Metronome', 'Vinyl', 'Microphone', 'Capo', 'Harmonica'],
  },
  {
    name: 'Pets',
    basePrice: 20,
    adjectives: ['Cosy', 'Chew-Proof', 'Orthopedic', 'Reflective', 'Catnip', 'Self-Cleaning'],
    nouns: ['Dog Bed', 'Leash', 'Cat Tree', 'Bowl', 'Toy Mouse', 'Brush', 'Litter Box'],
  },
  {
    name: 'Office',
    basePrice: 28,
    adjectives: ['Ergonomic', 'Leather', 'Recycled', 'Minimal', 'Dotted', 'Standing'],
    nouns: ['Notebook', 'Desk Lamp', 'Pen Set', 'Chair Cushion', 'Planner', 'Organiser', 'Desk'],
  },
];

export interface Catalog {
  items: CatalogItem[];
  categories: string[];
  /** Item indices of each category, most popular first (their order is their Zipf rank). */
  itemsByCategory: number[][];
}

/**
 * A deterministic catalogue: item i goes to a category drawn with Zipf weights over categories (so
 * departments differ in size); prices are the category's base price times a log-normal factor.
 */
export function buildCatalog(rng: Prng, itemCount: number, categoryCount: number): Catalog {
  const themes: CategoryTheme[] = [];
  for (let c = 0; c < categoryCount; c++) {
    const theme = THEMES[c % THEMES.length];
    themes.push(c < THEMES.length ? theme : { ...theme, name: `${theme.name} ${Math.floor(c / THEMES.length) + 1}` });
  }
  const categorySizes = new WeightedSampler(zipfWeights(categoryCount, 0.5));
  const itemsByCategory: number[][] = themes.map(() => []);
  const items: CatalogItem[] = [];
  const width = String(itemCount).length;
  for (let i = 0; i < itemCount; i++) {
    // the first `categoryCount` items seed every category so none is empty
    const c = i < categoryCount ? i : categorySizes.sample(rng);
    const theme = themes[c];
    const n = itemsByCategory[c].length;
    const adjective = theme.adjectives[n % theme.adjectives.length];
    const noun = theme.nouns[Math.floor(n / theme.adjectives.length) % theme.nouns.length];
    const series = Math.floor(n / (theme.adjectives.length * theme.nouns.length));
    const name = series === 0 ? `${adjective} ${noun}` : `${adjective} ${noun} ${series + 1}`;
    const price = Math.max(0.99, Math.round(theme.basePrice * Math.exp(0.5 * rng.normal())) - 0.01);
    itemsByCategory[c].push(i);
    items.push({ itemId: `item-${String(i + 1).padStart(width, '0')}`, name, category: theme.name, price });
  }
  return { items, categories: themes.map((t) => t.name), itemsByCategory };
}
