import { describe, expect, it } from 'vitest';
import { ulid } from '../../src/ids.ts';

describe('ids', () => {
  it('sort in creation order, even many within one millisecond', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => ulid(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ulid(now + 1) > ids.at(-1)!).toBe(true);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});
