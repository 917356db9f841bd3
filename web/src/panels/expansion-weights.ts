// Weights that always sum to 100: moving one slider spreads the difference
// over the others in proportion to their shares (equally when they are all
// zero), in whole numbers (largest remainder). Locked weights (the nearness
// weight while nothing is chosen to be near) keep their value.

import { CRITERIA, type Criterion, type Weights } from './expansion-api';

export const WEIGHT_TOTAL = 100;

export function weightSum(weights: Weights): number {
  return CRITERIA.reduce((sum, name) => sum + weights[name], 0);
}

/** Split `amount` over `names` in proportion to `shares` (all equal when they sum to 0), in integers. */
function apportion(amount: number, names: Criterion[], shares: Weights): Partial<Weights> {
  const out: Partial<Weights> = {};
  if (names.length === 0) return out;
  const shareSum = names.reduce((sum, name) => sum + shares[name], 0);
  const exact = names.map((name) => (shareSum > 0 ? (amount * shares[name]) / shareSum : amount / names.length));
  const floors = exact.map(Math.floor);
  let left = amount - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((value, index) => ({ index, rest: value - floors[index] })).sort((a, b) => b.rest - a.rest || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    floors[index] += 1;
    left -= 1;
  }
  names.forEach((name, index) => (out[name] = floors[index]));
  return out;
}

/** Set `changed` to `value` (clamped to what the unlocked others can give) and rebalance the rest. */
export function rebalance(weights: Weights, changed: Criterion, value: number, locked: ReadonlySet<Criterion> = new Set()): Weights {
  const lockedSum = CRITERIA.filter((name) => name !== changed && locked.has(name)).reduce((sum, name) => sum + weights[name], 0);
  const free = CRITERIA.filter((name) => name !== changed && !locked.has(name));
  const ceiling = WEIGHT_TOTAL - lockedSum;
  const target = free.length === 0 ? ceiling : Math.max(0, Math.min(ceiling, Math.round(value)));
  const next: Weights = { ...weights, [changed]: target };
  Object.assign(next, apportion(ceiling - target, free, weights));
  return next;
}
