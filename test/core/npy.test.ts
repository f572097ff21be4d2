import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import { encodeNpy, parseNpy } from '../../src/core/npy.ts';

const ascii = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

describe('encodeNpy', () => {
  it('writes the version 1.0 header that NumPy writes', () => {
    const bytes = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    const header = ascii(bytes.subarray(10, 10 + headerLength));
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect((10 + headerLength) % 64).toBe(0);
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(bytes.length).toBe(10 + headerLength + 6 * 4);
  });

  it('stores little-endian float32 in C order', () => {
    const bytes = encodeNpy(Float32Array.of(1.5, -2, NaN, Infinity), [2, 2]);
    const view = new DataView(bytes.buffer);
    const start = bytes.length - 16;
    expect(view.getFloat32(start, true)).toBe(1.5);
    expect(view.getFloat32(start + 4, true)).toBe(-2);
    expect(view.getFloat32(start + 8, true)).toBeNaN();
    expect(view.getFloat32(start + 12, true)).toBe(Infinity);
  });

  it('writes a one-element tuple with a comma', () => {
    const bytes = encodeNpy(Float32Array.of(1, 2, 3), [3]);
    expect(ascii(bytes)).toContain("'shape': (3,), }");
  });

  const shapes: number[][] = [[16, 4, 3], [7], [], [0, 5], [2, 1, 1, 2]];
  for (const shape of shapes) {
    it(`round-trips shape (${shape.join(', ')})`, () => {
      const count = shape.reduce((product, dimension) => product * dimension, 1);
      const data = Float32Array.from({ length: count }, (_, i) => i * 0.25 - 3);
      const parsed = parseNpy(encodeNpy(data, shape));
      expect(parsed.shape).toEqual(shape);
      expect(parsed.data).toEqual(data);
    });
  }

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(6), [4, 2])).toThrow(ValidationError);
    expect(() => encodeNpy(new Float32Array(6), [4, 2])).toThrow('element count 6');
  });

  it('rejects a negative or fractional dimension', () => {
    expect(() => encodeNpy(new Float32Array(0), [-1, 0])).toThrow('integers ≥ 0');
    expect(() => encodeNpy(new Float32Array(3), [1.5, 2])).toThrow('integers ≥ 0');
  });
});

describe('parseNpy', () => {
  const withHeader = (dict: string, dataBytes: number): Uint8Array => {
    const header = dict.padEnd(118, ' ') + '\n';
    const bytes = new Uint8Array(10 + header.length + dataBytes);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(bytes.buffer).setUint16(8, header.length, true);
    bytes.set(Uint8Array.from(header, (character) => character.charCodeAt(0)), 10);
    return bytes;
  };

  const malformed: Array<[string, () => Uint8Array, string]> = [
    ['a bad magic string', () => new Uint8Array(64), 'magic string'],
    ['another dtype', () => withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), 'dtype is <f8'],
    ['Fortran order', () => withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8), 'Fortran order'],
    ['short data', () => withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8), 'needs 12'],
    ['a header without shape', () => withHeader("{'descr': '<f4', 'fortran_order': False, }", 0), 'lacks descr, fortran_order or shape'],
  ];
  for (const [name, build, message] of malformed) {
    it(`rejects ${name}`, () => {
      expect(() => parseNpy(build())).toThrow(ValidationError);
      expect(() => parseNpy(build())).toThrow(message);
    });
  }
});
