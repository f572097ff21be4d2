import { deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import {
  crc32,
  decodePngRgba,
  deflateWithCompressionStream,
  encodePng,
  PNG_SIGNATURE,
  PNG_VERSION_KEY,
  PNG_VIEW_KEY,
  readPngTexts,
} from '../../src/core/png.ts';
import { decodeAppState, encodeAppState } from '../../src/core/url-state.ts';

const deflate = (data: Uint8Array): Uint8Array => deflateSync(data);
const inflate = (data: Uint8Array): Uint8Array => inflateSync(data);

/** Builds an image with flat areas, gradients and noise, so the encoder picks several filter types. */
function testImage(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let state = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const band = Math.floor(y / 4) % 3;
      if (band === 0) {
        rgba[i] = 40;
        rgba[i + 1] = 200;
      } else {
        rgba[i] = band === 1 ? (x * 9) & 0xff : state >>> 24;
        rgba[i + 1] = (y * 7 + x) & 0xff;
      }
      rgba[i + 2] = (x * y) & 0xff;
      rgba[i + 3] = x % 5 === 0 ? 128 : 255;
    }
  }
  return rgba;
}

/** Builds one chunk with a correct CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) {
    out[4 + i] = type.charCodeAt(i);
  }
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function header(width: number, height: number, colorType = 6, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data[8] = 8;
  data[9] = colorType;
  data[12] = interlace;
  return chunk('IHDR', data);
}

/** Returns the data of the first IDAT chunk; pngjs and encodePng write a single one for small images. */
function firstIdatData(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset);
  for (let offset = 8; offset < png.length; offset += 12 + view.getUint32(offset)) {
    if (String.fromCharCode(...png.subarray(offset + 4, offset + 8)) === 'IDAT') {
      return png.subarray(offset + 8, offset + 8 + view.getUint32(offset));
    }
  }
  throw new Error('no IDAT chunk');
}

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (character) => character.charCodeAt(0));

/** Builds a 1 × 1 RGBA PNG with the given chunks between IHDR and IDAT. */
function pngWith(...middle: Uint8Array[]): Uint8Array {
  return concat(PNG_SIGNATURE, header(1, 1), ...middle, chunk('IDAT', deflateSync(Uint8Array.of(0, 1, 2, 3, 4))), chunk('IEND', new Uint8Array(0)));
}

/** Runs `action` and returns the ValidationError it throws. */
function validationErrorOf(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

const texts = { [PNG_VIEW_KEY]: 'v=1&n=64&layer=phase', [PNG_VERSION_KEY]: '0.1.0', Comment: 'σ_w, λ₀ and η/η_c: ✓ 😀' };

describe('encodePng', () => {
  it('round-trips pixels and texts', async () => {
    const rgba = testImage(37, 23);
    const png = await encodePng(rgba, 37, 23, texts, deflate);
    const decoded = await decodePngRgba(png, inflate);
    expect(decoded.width).toBe(37);
    expect(decoded.height).toBe(23);
    expect(decoded.rgba).toEqual(rgba);
    expect(readPngTexts(png)).toEqual(texts);
  });

  it('writes the requested size in IHDR', async () => {
    const png = await encodePng(new Uint8Array(5 * 3 * 4), 5, 3, {}, deflate);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect(view.getUint32(16)).toBe(5);
    expect(view.getUint32(20)).toBe(3);
    expect([...png.subarray(24, 29)]).toEqual([8, 6, 0, 0, 0]);
  });

  it('is read by an independent decoder', async () => {
    const rgba = testImage(29, 31);
    const png = PNG.sync.read(Buffer.from(await encodePng(rgba, 29, 31, texts, deflate)));
    expect(png.width).toBe(29);
    expect(png.height).toBe(31);
    expect(new Uint8Array(png.data)).toEqual(rgba);
  });

  it('uses more than one filter type', async () => {
    const filtered = inflateSync(firstIdatData(await encodePng(testImage(37, 23), 37, 23, {}, deflate)));
    const filters = new Set(Array.from({ length: 23 }, (_, row) => filtered[row * (37 * 4 + 1)]));
    expect(filters.size).toBeGreaterThan(1);
  });

  it('accepts an asynchronous CompressionStream deflate', async () => {
    const rgba = testImage(16, 9);
    const png = await encodePng(rgba, 16, 9, texts, deflateWithCompressionStream);
    expect((await decodePngRgba(png, inflate)).rgba).toEqual(rgba);
  });

  it('carries an AppState query exactly', async () => {
    const query =
      'v=1&n=64&s=0&x=1&y=1&su=1&sv=1&eta=1&T=2000&init=sampled&seed=7&xa=etaRatio,0.8,1.6,linear&ya=sigmaW,0.5,1.5,linear' +
      '&res=128x128&samples=16&layer=fractionChaotic&cmap=heat&cscale=linear&cmin=0&cmax=1&hist=etaRatio,0.05,2.2,linear:sigmaW,0.1,2,linear';
    const state = decodeAppState(query);
    const encoded = encodeAppState(state);
    const png = await encodePng(new Uint8Array(4), 1, 1, { [PNG_VIEW_KEY]: encoded }, deflate);
    const restored = readPngTexts(png)[PNG_VIEW_KEY]!;
    expect(restored).toBe(encoded);
    expect(decodeAppState(restored)).toEqual(state);
  });

  const invalidInputs: Array<[string, () => Promise<unknown>, string]> = [
    ['a pixel count that does not match', () => encodePng(new Uint8Array(12), 2, 2, {}, deflate), 'Invalid png.rgba'],
    ['a zero width', () => encodePng(new Uint8Array(0), 0, 1, {}, deflate), 'Invalid png.width'],
    ['an empty keyword', () => encodePng(new Uint8Array(4), 1, 1, { '': 'x' }, deflate), 'Invalid png keyword'],
    ['a keyword of 80 characters', () => encodePng(new Uint8Array(4), 1, 1, { ['k'.repeat(80)]: 'x' }, deflate), 'Invalid png keyword'],
    ['a keyword outside Latin-1', () => encodePng(new Uint8Array(4), 1, 1, { 'λ': 'x' }, deflate), 'Invalid png keyword'],
    ['a text with NUL', () => encodePng(new Uint8Array(4), 1, 1, { key: 'a\0b' }, deflate), 'without NUL'],
  ];
  for (const [name, action, message] of invalidInputs) {
    it(`rejects ${name}`, async () => {
      const error = await action().then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(message);
    });
  }
});

describe('readPngTexts', () => {
  it('reads tEXt as Latin-1 and iTXt as UTF-8', () => {
    const itxt = concat(latin1('Title\0\0\0en\0Titel\0'), new TextEncoder().encode('λ_H ✓'));
    const png = pngWith(chunk('tEXt', latin1('Author\0Jos\xe9')), chunk('iTXt', itxt));
    expect(readPngTexts(png)).toEqual({ Author: 'José', Title: 'λ_H ✓' });
  });

  it('skips compressed iTXt and zTXt', () => {
    const compressed = concat(latin1('Packed\0\x01\0\0\0'), deflateSync(latin1('hidden')));
    const png = pngWith(chunk('iTXt', compressed), chunk('zTXt', concat(latin1('Z\0\0'), deflateSync(latin1('z')))));
    expect(readPngTexts(png)).toEqual({});
  });

  const good = (): Uint8Array => pngWith(chunk('iTXt', concat(latin1(`${PNG_VIEW_KEY}\0\0\0\0\0`), latin1('v=1'))));
  const itxtOffset = 8 + 25;

  const malformations: Array<[string, () => Uint8Array, string]> = [
    [
      'a bad signature',
      () => {
        const png = good();
        png[1] = 0x51;
        return png;
      },
      'does not start with the PNG signature',
    ],
    ['an empty file', () => new Uint8Array(0), 'does not start with the PNG signature'],
    ['a chunk cut short', () => good().subarray(0, itxtOffset + 12), 'so the file is truncated'],
    ['a file without IEND', () => good().subarray(0, good().length - 12), 'without an IEND chunk'],
    [
      'a CRC mismatch',
      () => {
        const png = good();
        png[itxtOffset + 10] = png[itxtOffset + 10]! ^ 0x01;
        return png;
      },
      'so the file is damaged',
    ],
    ['a missing IHDR', () => concat(PNG_SIGNATURE, chunk('tEXt', latin1('a\0b')), chunk('IEND', new Uint8Array(0))), 'must start with IHDR'],
    [
      'an oversized length',
      () => {
        const png = good();
        new DataView(png.buffer).setUint32(itxtOffset, 0x80000000);
        return png;
      },
      'above the PNG limit of 2147483647',
    ],
    [
      'a chunk type that is not letters',
      () => {
        const png = good();
        png[itxtOffset + 4] = 0x31;
        return png;
      },
      'not four ASCII letters',
    ],
    ['a short IHDR', () => concat(PNG_SIGNATURE, chunk('IHDR', new Uint8Array(12)), chunk('IEND', new Uint8Array(0))), 'must have 13'],
    ['a keyword without NUL', () => pngWith(chunk('tEXt', latin1('no separator'))), 'no NUL byte after its keyword'],
    ['an empty keyword', () => pngWith(chunk('tEXt', latin1('\0text'))), 'a keyword of 0 bytes'],
    ['a keyword of 80 bytes', () => pngWith(chunk('tEXt', latin1(`${'k'.repeat(80)}\0text`))), 'a keyword of 80 bytes'],
    ['invalid UTF-8 in iTXt', () => pngWith(chunk('iTXt', concat(latin1('key\0\0\0\0\0'), Uint8Array.of(0xc3, 0x28)))), 'not valid UTF-8'],
    ['an iTXt without its NUL bytes', () => pngWith(chunk('iTXt', latin1('key\0\0\0en'))), 'lacks the NUL bytes'],
    ['a compression flag of 2', () => pngWith(chunk('iTXt', latin1('key\0\x02\0\0\0x'))), 'compression flag 2'],
    ['a repeated keyword', () => pngWith(chunk('tEXt', latin1('key\0a')), chunk('iTXt', latin1('key\0\0\0\0\0b'))), 'repeats the text keyword "key"'],
  ];
  for (const [name, build, message] of malformations) {
    it(`rejects ${name}`, () => {
      const error = validationErrorOf(() => readPngTexts(build()));
      expect(error.message).toMatch(/^Invalid PNG: /);
      expect(error.message).toContain(message);
    });
  }
});

describe('decodePngRgba', () => {
  for (const filterType of [0, 1, 2, 3, 4]) {
    it(`decodes filter type ${filterType}`, async () => {
      const image = new PNG({ width: 19, height: 11 });
      const rgba = testImage(19, 11);
      image.data = Buffer.from(rgba);
      const bytes = PNG.sync.write(image, { filterType, colorType: 6, inputHasAlpha: true });
      const filtered = inflateSync(firstIdatData(new Uint8Array(bytes)));
      expect(filtered[0]).toBe(filterType);
      expect((await decodePngRgba(new Uint8Array(bytes), inflate)).rgba).toEqual(rgba);
    });
  }

  const invalidImages: Array<[string, () => Uint8Array, string]> = [
    ['an RGB image', () => concat(PNG_SIGNATURE, header(1, 1, 2), chunk('IDAT', deflateSync(Uint8Array.of(0, 1, 2, 3))), chunk('IEND', new Uint8Array(0))), 'colour type 2'],
    ['an interlaced image', () => concat(PNG_SIGNATURE, header(1, 1, 6, 1), chunk('IDAT', deflateSync(Uint8Array.of(0, 1, 2, 3, 4))), chunk('IEND', new Uint8Array(0))), 'interlace method 1'],
    ['a filter type of 5', () => concat(PNG_SIGNATURE, header(1, 1), chunk('IDAT', deflateSync(Uint8Array.of(5, 1, 2, 3, 4))), chunk('IEND', new Uint8Array(0))), 'filter type 5'],
    ['short image data', () => concat(PNG_SIGNATURE, header(2, 1), chunk('IDAT', deflateSync(Uint8Array.of(0, 1, 2, 3, 4))), chunk('IEND', new Uint8Array(0))), 'need 9'],
    ['no IDAT', () => concat(PNG_SIGNATURE, header(1, 1), chunk('IEND', new Uint8Array(0))), 'no IDAT'],
    ['data that does not inflate', () => concat(PNG_SIGNATURE, header(1, 1), chunk('IDAT', Uint8Array.of(1, 2, 3)), chunk('IEND', new Uint8Array(0))), 'does not decompress'],
    ['an unknown critical chunk', () => pngWith(chunk('ABCD', new Uint8Array(0))), 'critical chunk'],
  ];
  for (const [name, build, message] of invalidImages) {
    it(`rejects ${name}`, async () => {
      const error = await decodePngRgba(build(), inflate).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(message);
    });
  }
});
