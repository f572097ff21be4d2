/**
 * NumPy `.npy` files of float32 arrays (format version 1.0, dtype `<f4`, C
 * order), which `numpy.load` reads directly. A file starts with the magic
 * string `\x93NUMPY`, the version bytes 1 and 0 and a little-endian uint16
 * header length. The header, an ASCII Python dict literal, is padded with
 * spaces and ends with a newline, so the data starts at a multiple of 64
 * bytes. The raw little-endian data follows.
 */
import { ValidationError } from './errors.ts';

const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** Alignment of the data start, as NumPy 1.9 and later write it. */
const HEADER_ALIGNMENT = 64;

/** Largest header that version 1.0 stores: its length field is a uint16. */
const MAX_V1_HEADER_LENGTH = 0xffff;

/** A float32 array read from a `.npy` file. */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Encodes `data` as a `.npy` file in C order (the last index varies fastest):
 * dtype `<f4` for a Float32Array, `<u4` for a Uint32Array (counts, which float32
 * stores exactly only up to 2²⁴).
 *
 * @throws ValidationError when a dimension is not a non-negative integer or
 *   the product of `shape` differs from `data.length`.
 */
export function encodeNpy(data: Float32Array | Uint32Array, shape: number[]): Uint8Array {
  for (const dimension of shape) {
    if (!Number.isSafeInteger(dimension) || dimension < 0) {
      throw new ValidationError('npy shape', shape, 'dimensions that are integers ≥ 0');
    }
  }
  const count = shape.reduce((product, dimension) => product * dimension, 1);
  if (count !== data.length) {
    throw new ValidationError('npy shape', shape, `dimensions whose product is the element count ${data.length}`);
  }

  // A tuple of one element needs a trailing comma in Python: (5,).
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const descr = data instanceof Uint32Array ? '<u4' : '<f4';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const prefixLength = MAGIC.length + 2 + 2;
  const unpadded = prefixLength + dict.length + 1;
  const padded = Math.ceil(unpadded / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  const header = dict + ' '.repeat(padded - unpadded) + '\n';
  if (header.length > MAX_V1_HEADER_LENGTH) {
    throw new ValidationError('npy shape', `${shape.length} dimensions`, `a shape whose header fits the ${MAX_V1_HEADER_LENGTH} bytes of format version 1.0`);
  }

  const out = new Uint8Array(padded + 4 * data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) {
    out[prefixLength + i] = header.charCodeAt(i);
  }
  writeLittleEndianFloats(out, padded, data);
  return out;
}

function writeLittleEndianFloats(out: Uint8Array, offset: number, data: Float32Array | Uint32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Uint32Array) {
      view.setUint32(4 * i, data[i]!, true);
    } else {
      view.setFloat32(4 * i, data[i]!, true);
    }
  }
}

/** Builds the ValidationError of a malformed file. */
function invalidNpy(detail: string): ValidationError {
  const error = new ValidationError('npy', undefined, detail);
  error.message = `Invalid .npy file: ${detail}.`;
  return error;
}

/**
 * Parses a `.npy` file of versions 1.0 to 3.0 whose dtype is `<f4` in C
 * order, the files that {@link encodeNpy} writes.
 *
 * @throws ValidationError for a bad magic string or version, a header that is
 *   not a dict with `descr`, `fortran_order` and `shape`, another dtype,
 *   Fortran order, or a data size that does not match the shape.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((value, i) => bytes[i] !== value)) {
    throw invalidNpy('the file does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) {
      throw invalidNpy('the file ends inside its header length');
    }
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw invalidNpy(`the format version is ${major}.${bytes[7]}, but only 1.0, 2.0 and 3.0 exist`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw invalidNpy(`the header declares ${headerLength} bytes, but the file ends before them`);
  }
  const header = String.fromCharCode(...bytes.subarray(headerStart, headerStart + headerLength));

  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw invalidNpy(`the header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  }
  if (descr !== '<f4') {
    throw invalidNpy(`the dtype is ${descr}, but only <f4 (little-endian float32) is read`);
  }
  if (fortran === 'True') {
    throw invalidNpy('the array is in Fortran order, but only C order is read');
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  if (shape.some((dimension) => !Number.isSafeInteger(dimension) || dimension < 0)) {
    throw invalidNpy(`the shape (${shapeText}) is not a tuple of integers ≥ 0`);
  }

  const count = shape.reduce((product, dimension) => product * dimension, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart !== 4 * count) {
    throw invalidNpy(`the data has ${bytes.length - dataStart} bytes, but the shape (${shape.join(', ')}) needs ${4 * count}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = view.getFloat32(dataStart + 4 * i, true);
  }
  return { shape, data };
}
