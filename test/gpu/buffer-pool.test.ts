import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/gpu/buffer-pool.ts';

/** Returns a stand-in device whose buffers record their size and whether they were destroyed. */
function fakeDevice() {
  const created: Array<{ size: number; destroyed: boolean; destroy(): void }> = [];
  const device = {
    createBuffer({ size }: { size: number }) {
      const buffer = {
        size,
        destroyed: false,
        destroy() {
          buffer.destroyed = true;
        },
      };
      created.push(buffer);
      return buffer;
    },
  };
  return { device: device as unknown as GPUDevice, created };
}

describe('BufferPool', () => {
  it('reuses the smallest free buffer that fits', () => {
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device, 0, 'test');
    const large = pool.acquire(1000);
    const small = pool.acquire(100);
    expect(created).toHaveLength(2);
    pool.release(large);
    pool.release(small);
    expect(pool.acquire(50)).toBe(small);
    expect(pool.acquire(500)).toBe(large);
    expect(created).toHaveLength(2);
  });

  it('drops smaller free buffers on growth', () => {
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device, 0, 'test');
    const first = pool.acquire(100);
    const inUse = pool.acquire(300);
    pool.release(first);
    const larger = pool.acquire(200);
    expect(larger.size).toBe(200);
    expect(created[0]!.destroyed).toBe(true);
    expect(created[1]!.destroyed).toBe(false);
    pool.release(inUse);
    pool.release(larger);
    expect(pool.acquire(150)).toBe(larger);
  });

  it('destroys buffers released after the pool was destroyed', () => {
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device, 0, 'test');
    const pooled = pool.acquire(10);
    const inUse = pool.acquire(10);
    pool.release(pooled);
    pool.destroy();
    expect(created[0]!.destroyed).toBe(true);
    expect(created[1]!.destroyed).toBe(false);
    pool.release(inUse);
    expect(created[1]!.destroyed).toBe(true);
  });
});
