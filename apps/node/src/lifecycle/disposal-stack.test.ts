import { describe, expect, it } from '@jest/globals';
import { DisposalStack } from './disposal-stack.js';

describe('DisposalStack', () => {
  it('releases last-in first-out, every one even when one fails, once', async () => {
    const order: string[] = [];
    const stack = new DisposalStack();
    const port = stack.use('port', { n: 1 }, (r) => void order.push(`port${r.n}`));
    expect(port).toEqual({ n: 1 });
    stack.defer('broker', async () => {
      order.push('broker');
      throw new Error('broker would not close');
    });
    stack.defer('listener', () => void order.push('listener'));
    const failures = await stack.disposeAll();
    expect(order).toEqual(['listener', 'broker', 'port1']);
    expect(failures).toEqual([{ name: 'broker', error: new Error('broker would not close') }]);
    expect(await stack.disposeAll()).toBe(failures);
    expect(order).toHaveLength(3);
    expect(() => stack.defer('late', () => undefined)).toThrow(/already stopping/);
  });
});
