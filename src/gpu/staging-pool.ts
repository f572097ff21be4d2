/**
 * A pool of MAP_READ staging buffers, so reading tile after tile back to the
 * host does not create and destroy a buffer each time.
 */

/** Reuses staging buffers of at least the requested size. */
export class StagingPool {
  private readonly free: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** Returns a mappable buffer of at least `size` bytes. */
  acquire(size: number): GPUBuffer {
    const index = this.free.findIndex((buffer) => buffer.size >= size);
    if (index >= 0) {
      return this.free.splice(index, 1)[0]!;
    }
    return this.device.createBuffer({
      label: 'eos-atlas staging',
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Returns an unmapped buffer to the pool. */
  release(buffer: GPUBuffer): void {
    this.free.push(buffer);
  }

  /** Destroys every pooled buffer. */
  destroy(): void {
    for (const buffer of this.free.splice(0)) {
      buffer.destroy();
    }
  }
}
