import { describe, expect, it } from 'vitest';
import { delayToNextSlot } from './clock.js';

describe('delayToNextSlot', () => {
  it('waits until the next multiple of the interval', () => {
    expect(delayToNextSlot(0.5, 1000)).toBe(999.5 + 1000 - 1000);
    expect(delayToNextSlot(250, 1000)).toBe(750);
    expect(delayToNextSlot(12_345, 1000)).toBe(655);
    expect(delayToNextSlot(998, 1000)).toBe(2); // 2 ms before a slot is still that slot
  });

  it('counts a timer that fired just before its slot as that slot, so the next wait is a whole period', () => {
    expect(delayToNextSlot(1999.4, 1000)).toBeCloseTo(1000.6);
    expect(delayToNextSlot(2000, 1000)).toBe(1000);
    expect(delayToNextSlot(19.5, 20)).toBeCloseTo(20.5); // short intervals: within a tenth of the interval
  });
});
