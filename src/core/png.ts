/**
 * PNG encoding and reading for exported pictures: RGBA8 images with UTF-8 text
 * chunks that carry the view, so an exported picture can be opened again.
 *
 * The module touches no DOM and no Node API. The caller passes the zlib
 * compressor: `deflateSync` and `inflateSync` of `node:zlib` in Node, or
 * {@link deflateWithCompressionStream} in browsers. The format is the PNG
 * specification (W3C, third edition): a signature, then chunks of
 * length, type, data and CRC-32.
 */
import { ValidationError } from './errors.ts';

/** Text keyword of the view: the page's query string, as `encodeAppState` writes it. */
export const PNG_VIEW_KEY = 'eos-atlas-view';

/** Text keyword of the eos-atlas version (package.json `version`) that wrote the file. */
export const PNG_VERSION_KEY = 'eos-atlas-version';

/** The 8 bytes that start every PNG file. */
export const PNG_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** zlib (RFC 1950) compressor, synchronous or not. */
export type DeflateFunction = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** zlib (RFC 1950) decompressor, synchronous or not. */
export type InflateFunction = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** A decoded RGBA8 image, rows top to bottom, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Largest chunk length and image dimension that the PNG format allows: 2³¹ − 1. */
const PNG_MAX_INT = 2 ** 31 - 1;

/** Data bytes per IDAT chunk that {@link encodePng} writes. */
const IDAT_CHUNK_BYTES = 1 << 20;

const BYTES_PER_PIXEL = 4;
const COLOR_TYPE_RGBA = 6;

// ---------------------------------------------------------------------------
// CRC-32 (ISO 3309, polynomial 0xEDB88320 in reflected form), as PNG chunks use it.

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      crcTable[n] = c >>> 0;
    }
  }
  return crcTable;
}

/** Returns the CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// Encoding.

/**
 * Encodes an RGBA8 image as a non-interlaced PNG with one uncompressed `iTXt`
 * chunk per entry of `texts`, in insertion order, before the image data.
 * Each row gets the filter (none, Sub, Up, Average or Paeth) with the
 * smallest sum of absolute filtered bytes, the heuristic that the PNG
 * specification recommends for true-colour images.
 *
 * @param rgba 4 bytes per pixel, rows top to bottom.
 * @param texts keyword → UTF-8 text. A keyword has 1 to 79 printable Latin-1
 *   characters without leading, trailing or consecutive spaces.
 * @throws ValidationError for a size that does not match `rgba`, a dimension
 *   outside 1 … 2³¹ − 1, an invalid keyword or a text that contains NUL.
 */
export async function encodePng(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  texts: Record<string, string>,
  deflate: DeflateFunction,
): Promise<Uint8Array> {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > PNG_MAX_INT) {
      throw new ValidationError(`png.${name}`, value, `an integer in [1, ${PNG_MAX_INT}]`);
    }
  }
  if (rgba.length !== width * height * BYTES_PER_PIXEL) {
    throw new ValidationError('png.rgba', `${rgba.length} bytes`, `4 × width × height = ${width * height * BYTES_PER_PIXEL} bytes for ${width} × ${height} pixels`);
  }

  const textChunks = Object.entries(texts).map(([keyword, text]) => ['iTXt', encodeItxt(keyword, text)] as const);
  const compressed = await deflate(filterScanlines(rgba, width, height));

  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, width);
  headerView.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPE_RGBA;
  // Bytes 10, 11 and 12 stay 0: deflate compression, adaptive filtering, no interlace.

  const chunks: Array<readonly [string, Uint8Array]> = [['IHDR', header], ...textChunks];
  for (let offset = 0; offset < compressed.length; offset += IDAT_CHUNK_BYTES) {
    chunks.push(['IDAT', compressed.subarray(offset, offset + IDAT_CHUNK_BYTES)]);
  }
  if (compressed.length === 0) {
    chunks.push(['IDAT', compressed]);
  }
  chunks.push(['IEND', new Uint8Array(0)]);

  const total = PNG_SIGNATURE.length + chunks.reduce((sum, [, data]) => sum + 12 + data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(PNG_SIGNATURE, 0);
  let position = PNG_SIGNATURE.length;
  for (const [type, data] of chunks) {
    view.setUint32(position, data.length);
    for (let i = 0; i < 4; i++) {
      out[position + 4 + i] = type.charCodeAt(i);
    }
    out.set(data, position + 8);
    view.setUint32(position + 8 + data.length, crc32(out, position + 4, position + 8 + data.length));
    position += 12 + data.length;
  }
  return out;
}

/** Builds the data of an uncompressed iTXt chunk with empty language tag and translated keyword. */
function encodeItxt(keyword: string, text: string): Uint8Array {
  validateKeyword(keyword);
  if (text.includes('\0')) {
    throw new ValidationError(`png text ${JSON.stringify(keyword)}`, text, 'a text without NUL characters');
  }
  const textBytes = new TextEncoder().encode(text);
  // keyword, NUL, compression flag 0, compression method 0, empty language tag + NUL, empty translated keyword + NUL.
  const data = new Uint8Array(keyword.length + 5 + textBytes.length);
  for (let i = 0; i < keyword.length; i++) {
    data[i] = keyword.charCodeAt(i);
  }
  data.set(textBytes, keyword.length + 5);
  return data;
}

function validateKeyword(keyword: string): void {
  const printableLatin1 = [...keyword].every((character) => {
    const code = character.charCodeAt(0);
    return character.length === 1 && ((code >= 32 && code <= 126) || (code >= 161 && code <= 255));
  });
  if (keyword.length < 1 || keyword.length > 79 || !printableLatin1 || keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    throw new ValidationError(
      'png keyword',
      keyword,
      '1 to 79 printable Latin-1 characters without leading, trailing or consecutive spaces',
    );
  }
}

/** Prefixes each row with its filter type and filters it, choosing the filter per row. */
function filterScanlines(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  const rowBytes = width * BYTES_PER_PIXEL;
  const out = new Uint8Array(height * (rowBytes + 1));
  const zeroRow = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * rowBytes, (y + 1) * rowBytes);
    const above = y === 0 ? zeroRow : rgba.subarray((y - 1) * rowBytes, y * rowBytes);

    let bestFilter = 0;
    let bestCost = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      let cost = 0;
      for (let i = 0; i < rowBytes && cost < bestCost; i++) {
        const value = filterByte(filter, row, above, i);
        // The sum of the bytes read as signed values: small differences cost little.
        cost += value < 128 ? value : 256 - value;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestFilter = filter;
      }
    }

    const start = y * (rowBytes + 1);
    out[start] = bestFilter;
    for (let i = 0; i < rowBytes; i++) {
      out[start + 1 + i] = filterByte(bestFilter, row, above, i);
    }
  }
  return out;
}

function filterByte(filter: number, row: ArrayLike<number>, above: ArrayLike<number>, i: number): number {
  const left = i >= BYTES_PER_PIXEL ? row[i - BYTES_PER_PIXEL]! : 0;
  const up = above[i]!;
  const upLeft = i >= BYTES_PER_PIXEL ? above[i - BYTES_PER_PIXEL]! : 0;
  const value = row[i]!;
  switch (filter) {
    case 0:
      return value;
    case 1:
      return (value - left) & 0xff;
    case 2:
      return (value - up) & 0xff;
    case 3:
      return (value - ((left + up) >>> 1)) & 0xff;
    default:
      return (value - paethPredictor(left, up, upLeft)) & 0xff;
  }
}

/** Returns the Paeth predictor: of left, up and upper-left, the one closest to left + up − upper-left. */
function paethPredictor(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) {
    return left;
  }
  return toUp <= toUpLeft ? up : upLeft;
}

/**
 * Compresses with the zlib format through the standard CompressionStream,
 * which browsers and Node 18 and later provide. A {@link DeflateFunction}.
 */
export async function deflateWithCompressionStream(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// ---------------------------------------------------------------------------
// Reading.

/** One chunk of a parsed PNG. */
interface PngChunk {
  type: string;
  data: Uint8Array;
  /** Index in the file, counting from 1. */
  index: number;
  /** Byte offset of the chunk's length field. */
  offset: number;
}

/** Builds the ValidationError of a malformed file. */
function invalidPng(detail: string): ValidationError {
  const error = new ValidationError('png', undefined, detail);
  error.message = `Invalid PNG: ${detail}.`;
  return error;
}

function describeChunk(chunk: { index: number; offset: number; type?: string }): string {
  return `chunk ${chunk.index}${chunk.type === undefined ? '' : ` (${chunk.type})`} at byte ${chunk.offset}`;
}

/**
 * Splits a PNG file into chunks and checks its structure: the signature, each
 * chunk's length, type and CRC, IHDR first and of 13 bytes, and an IEND
 * chunk. Bytes after IEND are ignored.
 */
function parseChunks(bytes: Uint8Array): PngChunk[] {
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((value, i) => bytes[i] !== value)) {
    throw invalidPng('the file does not start with the PNG signature 89 50 4E 47 0D 0A 1A 0A');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  for (let index = 1; ; index++) {
    if (offset + 8 > bytes.length) {
      const last = chunks.at(-1);
      throw invalidPng(`the file ends ${last === undefined ? 'after the signature' : `after ${describeChunk(last)}`} without an IEND chunk, so it is truncated`);
    }
    const length = view.getUint32(offset);
    const typeBytes = bytes.subarray(offset + 4, offset + 8);
    const type = String.fromCharCode(...typeBytes);
    const position = { index, offset };
    if (!typeBytes.every((code) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122))) {
      throw invalidPng(`${describeChunk(position)} has the type bytes ${[...typeBytes].map((code) => code.toString(16).padStart(2, '0')).join(' ')}, which are not four ASCII letters`);
    }
    if (length > PNG_MAX_INT) {
      throw invalidPng(`${describeChunk({ ...position, type })} declares ${length} data bytes, above the PNG limit of ${PNG_MAX_INT}`);
    }
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw invalidPng(`${describeChunk({ ...position, type })} declares ${length} data bytes, but only ${Math.max(0, bytes.length - offset - 12)} remain before the CRC, so the file is truncated`);
    }
    const stored = view.getUint32(offset + 8 + length);
    const computed = crc32(bytes, offset + 4, offset + 8 + length);
    if (stored !== computed) {
      throw invalidPng(`${describeChunk({ ...position, type })} has the CRC 0x${hex32(stored)}, but its bytes give 0x${hex32(computed)}, so the file is damaged`);
    }

    if (index === 1 && type !== 'IHDR') {
      throw invalidPng(`the first chunk is ${type}, but a PNG file must start with IHDR`);
    }
    if (index > 1 && type === 'IHDR') {
      throw invalidPng(`${describeChunk({ ...position, type })} repeats IHDR`);
    }
    if (type === 'IHDR' && length !== 13) {
      throw invalidPng(`the IHDR chunk has ${length} data bytes, but it must have 13`);
    }
    chunks.push({ type, data: bytes.subarray(offset + 8, offset + 8 + length), index, offset });
    offset = end;
    if (type === 'IEND') {
      return chunks;
    }
  }
}

function hex32(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * Returns the texts of a PNG file's `tEXt` and uncompressed `iTXt` chunks,
 * by keyword. Compressed `iTXt` and `zTXt` chunks are skipped, because
 * reading them needs a decompressor.
 *
 * @throws ValidationError for a bad signature, a truncated chunk, a CRC
 *   mismatch, a missing or misplaced IHDR, a chunk length above 2³¹ − 1 or a
 *   missing IEND. Also for a malformed text chunk (no keyword separator, a
 *   keyword outside 1 … 79 bytes, invalid UTF-8 in iTXt), and for a keyword
 *   that appears twice, because its value would be ambiguous.
 */
export function readPngTexts(bytes: Uint8Array): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const chunk of parseChunks(bytes)) {
    let entry: [string, string] | undefined;
    if (chunk.type === 'tEXt') {
      entry = parseText(chunk);
    } else if (chunk.type === 'iTXt') {
      entry = parseInternationalText(chunk);
    }
    if (entry === undefined) {
      continue;
    }
    const [keyword, text] = entry;
    if (Object.hasOwn(texts, keyword)) {
      throw invalidPng(`${describeChunk(chunk)} repeats the text keyword ${JSON.stringify(keyword)}, so its value is ambiguous`);
    }
    texts[keyword] = text;
  }
  return texts;
}

/** Reads the keyword that starts a text chunk and returns it with the index after its NUL. */
function readKeyword(chunk: PngChunk): [string, number] {
  const end = chunk.data.indexOf(0);
  if (end < 0) {
    throw invalidPng(`${describeChunk(chunk)} has no NUL byte after its keyword`);
  }
  if (end < 1 || end > 79) {
    throw invalidPng(`${describeChunk(chunk)} has a keyword of ${end} bytes, but a keyword has 1 to 79`);
  }
  return [latin1(chunk.data.subarray(0, end)), end + 1];
}

function parseText(chunk: PngChunk): [string, string] {
  const [keyword, start] = readKeyword(chunk);
  return [keyword, latin1(chunk.data.subarray(start))];
}

function parseInternationalText(chunk: PngChunk): [string, string] | undefined {
  const [keyword, start] = readKeyword(chunk);
  const data = chunk.data;
  if (start + 2 > data.length) {
    throw invalidPng(`${describeChunk(chunk)} ends before its compression flag and method`);
  }
  const compressed = data[start]!;
  if (compressed !== 0 && compressed !== 1) {
    throw invalidPng(`${describeChunk(chunk)} has the compression flag ${compressed}, but it must be 0 or 1`);
  }
  const languageEnd = data.indexOf(0, start + 2);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) {
    throw invalidPng(`${describeChunk(chunk)} lacks the NUL bytes that end its language tag and translated keyword`);
  }
  if (compressed === 1) {
    return undefined;
  }
  try {
    return [keyword, new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(translatedEnd + 1))];
  } catch {
    throw invalidPng(`${describeChunk(chunk)} has text for ${JSON.stringify(keyword)} that is not valid UTF-8`);
  }
}

/** Decodes ISO 8859-1 bytes, which map one to one onto the first 256 code points. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * Decodes an RGBA8 non-interlaced PNG (colour type 6, bit depth 8), with any
 * of the five filter types on each row. Other PNG kinds are rejected.
 *
 * @throws ValidationError as {@link readPngTexts} does, and for another
 *   colour type, bit depth or interlace method, an unknown critical chunk, no
 *   IDAT, image data of the wrong size or an unknown filter type.
 */
export async function decodePngRgba(bytes: Uint8Array, inflate: InflateFunction): Promise<RgbaImage> {
  const chunks = parseChunks(bytes);
  const header = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset, 13);
  const width = header.getUint32(0);
  const height = header.getUint32(4);
  const [bitDepth, colorType, compression, filterMethod, interlace] = chunks[0]!.data.subarray(8, 13);
  if (width < 1 || height < 1 || width > PNG_MAX_INT || height > PNG_MAX_INT) {
    throw invalidPng(`the IHDR size ${width} × ${height} is outside 1 … ${PNG_MAX_INT}`);
  }
  if (bitDepth !== 8 || colorType !== COLOR_TYPE_RGBA) {
    throw invalidPng(`the image has bit depth ${bitDepth} and colour type ${colorType}, but only RGBA8 (bit depth 8, colour type 6) is read`);
  }
  if (compression !== 0 || filterMethod !== 0) {
    throw invalidPng(`the IHDR names compression method ${compression} and filter method ${filterMethod}, but PNG defines only 0 for both`);
  }
  if (interlace !== 0) {
    throw invalidPng(`the image uses interlace method ${interlace}, but only non-interlaced images are read`);
  }

  const known = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);
  const critical = chunks.find((chunk) => !known.has(chunk.type) && chunk.type.charCodeAt(0) < 97);
  if (critical !== undefined) {
    throw invalidPng(`${describeChunk(critical)} is a critical chunk that this reader does not know`);
  }
  const data = chunks.filter((chunk) => chunk.type === 'IDAT');
  if (data.length === 0) {
    throw invalidPng('the file has no IDAT chunk');
  }
  const compressed = new Uint8Array(data.reduce((sum, chunk) => sum + chunk.data.length, 0));
  let position = 0;
  for (const chunk of data) {
    compressed.set(chunk.data, position);
    position += chunk.data.length;
  }

  let filtered: Uint8Array;
  try {
    filtered = await inflate(compressed);
  } catch (error) {
    throw invalidPng(`the image data does not decompress (${(error as Error).message})`);
  }
  const rowBytes = width * BYTES_PER_PIXEL;
  if (filtered.length !== height * (rowBytes + 1)) {
    throw invalidPng(`the image data has ${filtered.length} bytes, but ${width} × ${height} RGBA8 pixels need ${height * (rowBytes + 1)}`);
  }
  return { width, height, rgba: unfilterScanlines(filtered, width, height) };
}

function unfilterScanlines(filtered: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = width * BYTES_PER_PIXEL;
  const rgba = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (rowBytes + 1)]!;
    const source = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const above = (y - 1) * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= BYTES_PER_PIXEL ? rgba[row + i - BYTES_PER_PIXEL]! : 0;
      const up = y > 0 ? rgba[above + i]! : 0;
      const upLeft = y > 0 && i >= BYTES_PER_PIXEL ? rgba[above + i - BYTES_PER_PIXEL]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = left;
          break;
        case 2:
          predictor = up;
          break;
        case 3:
          predictor = (left + up) >>> 1;
          break;
        case 4:
          predictor = paethPredictor(left, up, upLeft);
          break;
        default:
          throw invalidPng(`row ${y} has the filter type ${filter}, but PNG defines only 0 to 4`);
      }
      rgba[row + i] = (filtered[source + i]! + predictor) & 0xff;
    }
  }
  return rgba;
}
