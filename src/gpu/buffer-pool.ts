/**
 * A pool of GPU buffers of one usage, so that tile after tile and render after
 * render reuse buffers instead of creating and destroying them. On a CPU driver
 * such as lavapipe a new buffer costs the page faults of its memory and a
 * zero fill by Dawn before its first use. Pooling the 64 MiB of a tile's states
 * saved about 80 ms of system time per 1024² render there.
 */

/** Reuses buffers of at least the requested size. */
export class BufferPool {
  private readonly free: GPUBuffer[] = [];
  private destroyed = false;

  /**
   * @param usage GPUBufferUsage flags of every buffer in the pool.
   * @param label Label of the buffers, for validation messages.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly label: string,
  ) {}

  /**
   * Returns a buffer of at least `size` bytes: the smallest free one that fits, or a
   * new one. Creating a new one destroys the free buffers that are smaller, so tiles
   * that grow from render to render leave one buffer per concurrent user, not one
   * per size they ever had.
   */
  acquire(size: number): GPUBuffer {
    let best = -1;
    this.free.forEach((buffer, index) => {
      if (buffer.size >= size && (best < 0 || buffer.size < this.free[best]!.size)) {
        best = index;
      }
    });
    if (best >= 0) {
      return this.free.splice(best, 1)[0]!;
    }
    for (const buffer of this.free.splice(0)) {
      buffer.destroy();
    }
    return this.device.createBuffer({ label: this.label, size, usage: this.usage });
  }

  /**
   * Returns a buffer to the pool; a mappable one must be unmapped. After
   * {@link destroy} (the device was replaced while the buffer was in use) it
   * destroys the buffer instead.
   */
  release(buffer: GPUBuffer): void {
    if (this.destroyed) {
      buffer.destroy();
      return;
    }
    this.free.push(buffer);
  }

  /** Destroys every pooled buffer, and every buffer released later. */
  destroy(): void {
    this.destroyed = true;
    for (const buffer of this.free.splice(0)) {
      buffer.destroy();
    }
  }
}
