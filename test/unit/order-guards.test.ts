/**
 * The order-entry guards (src-engine/domain/order.ts) say exactly what the lists of values say: every listed value
 * passes, anything else (other strings, other cases, boxed strings, other types) fails.
 */
import { describe, expect, it } from 'vitest';
import {
  isOffset,
  isOrderType,
  isSide,
  isStpMode,
  isTimeInForce,
  OFFSETS,
  ORDER_TYPES,
  SIDES,
  STP_MODES,
  TIMES_IN_FORCE,
} from '../../src-engine/domain/order.ts';

const CASES: [string, (x: unknown) => boolean, readonly string[]][] = [
  ['isSide', isSide, SIDES],
  ['isOrderType', isOrderType, ORDER_TYPES],
  ['isTimeInForce', isTimeInForce, TIMES_IN_FORCE],
  ['isStpMode', isStpMode, STP_MODES],
  ['isOffset', isOffset, OFFSETS],
];

describe('order-entry guards', () => {
  for (const [name, guard, list] of CASES) {
    it(`${name} accepts exactly ${list.join(', ')}`, () => {
      for (const v of list) expect(guard(v), v).toBe(true);
      // every value of every other list that is not in this one, and look-alikes
      const others = CASES.flatMap(([, , l]) => l).filter((v) => !list.includes(v));
      const lookAlikes = list.flatMap((v) => [v.toUpperCase(), v.toLowerCase(), ` ${v}`, `${v}\u0000`]);
      for (const v of [...others, ...lookAlikes.filter((x) => !list.includes(x))]) expect(guard(v), v).toBe(false);
      for (const v of [undefined, null, 0, 1, true, {}, [], list, new String(list[0])]) expect(guard(v)).toBe(false);
    });
  }
});
