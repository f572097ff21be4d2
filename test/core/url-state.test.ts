import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import { LAYER_NAMES } from '../../src/core/layers.ts';
import { AXIS_PARAMETERS, createView, DEFAULT_VIEW_INPUT, RATE_PARAMETERS, type Axis, type AxisParameter } from '../../src/core/view.ts';
import {
  decodeAppState,
  DEFAULT_APP_STATE,
  encodeAppState,
  MAX_HISTORY_ENTRIES,
  normalizeAppState,
  URL_STATE_KEYS,
  type AppState,
  type AxisPair,
} from '../../src/core/url-state.ts';

const axis = (parameter: AxisParameter, min: number, max: number, scale: Axis['scale'] = 'linear'): Axis => ({ parameter, min, max, scale });

/** A valid range for each axis parameter. */
const RANGES: Record<AxisParameter, Axis> = {
  eta: axis('eta', 0.1, 2),
  etaRatio: axis('etaRatio', 0.05, 2.2),
  c: axis('c', 0.5, 4),
  sigmaW: axis('sigmaW', 0.1, 2),
  width: axis('width', 1, 4096, 'log'),
  parameterization: axis('parameterization', 0, 1),
  target: axis('target', -2, 2),
  f0OverY: axis('f0OverY', -1, 1),
};

/** Returns a canonical state: a fresh copy of the default with `changes` applied. */
function makeState(changes: (state: AppState) => void = () => {}): AppState {
  const state = structuredClone(DEFAULT_APP_STATE) as AppState;
  changes(state);
  return state;
}

function roundTrip(state: AppState): AppState {
  return decodeAppState(encodeAppState(state));
}

/** Returns the ValidationError that decoding `query` throws. */
function rejection(query: string): ValidationError {
  try {
    decodeAppState(query);
  } catch (error) {
    if (error instanceof ValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error(`decodeAppState accepted ${JSON.stringify(query)}`);
}

const zoomEntries = (count: number): AxisPair[] =>
  Array.from({ length: count }, (_, i) => ({ x: axis('etaRatio', 0.05 + i / 100, 2.2 - i / 50), y: axis('sigmaW', 0.1 + i / 1000, 2 - i / 30) }));

describe('url state defaults', () => {
  it('default state round trips', () => {
    expect(roundTrip(DEFAULT_APP_STATE)).toEqual(DEFAULT_APP_STATE);
  });

  it('empty query is the default state', () => {
    expect(decodeAppState('')).toEqual(DEFAULT_APP_STATE);
    expect(decodeAppState('?')).toEqual(DEFAULT_APP_STATE);
  });

  it('default state is the default view input', () => {
    expect(createView(DEFAULT_APP_STATE.view)).toEqual(createView(DEFAULT_VIEW_INPUT));
    expect(encodeAppState({ ...DEFAULT_APP_STATE, view: DEFAULT_VIEW_INPUT })).toBe(encodeAppState(DEFAULT_APP_STATE));
  });

  it('writes every picture key', () => {
    expect(encodeAppState(DEFAULT_APP_STATE)).toBe(
      'v=1&n=1024&s=1&x=1&y=1&su=1&sv=1&eta=1&T=1000&init=typical' +
        '&xa=etaRatio,0.05,2.2,linear&ya=sigmaW,0.1,2,linear&res=256x256&samples=1' +
        '&layer=phase&cmap=phase&cscale=linear',
    );
  });

  it('reads a leading question mark', () => {
    const state = makeState((s) => (s.view.experiment!.width = 64));
    expect(decodeAppState(`?${encodeAppState(state)}`)).toEqual(state);
  });

  it('fills absent keys with defaults', () => {
    const state = decodeAppState('n=64&layer=lyapunovExponent');
    expect(state.view.experiment!.width).toBe(64);
    expect(state.view.experiment!.steps).toBe(1000);
    expect(state.view.x).toEqual(DEFAULT_APP_STATE.view.x);
    expect(state.colormap).toEqual({ map: 'blueRed', scale: 'linear' });
    expect(state.debug).toEqual({ engine: 'auto', precision: 'auto' });
  });

  it('decoded state is mutable', () => {
    const state = decodeAppState('');
    state.view.x.min = 0.5;
    state.history.push(zoomEntries(1)[0]!);
    expect(DEFAULT_APP_STATE.view.x.min).toBe(0.05);
    expect(DEFAULT_APP_STATE.history).toEqual([]);
  });
});

describe('url state round trip', () => {
  it('every axis parameter on both axes', () => {
    let pairs = 0;
    for (const x of AXIS_PARAMETERS) {
      for (const y of AXIS_PARAMETERS) {
        if (x === y || (RATE_PARAMETERS.includes(x) && RATE_PARAMETERS.includes(y))) {
          continue;
        }
        const state = makeState((s) => {
          s.view.x = { ...RANGES[x] };
          s.view.y = { ...RANGES[y] };
        });
        expect(roundTrip(state), `${x} against ${y}`).toEqual(state);
        pairs += 1;
      }
    }
    expect(pairs).toBe(50);
  });

  it('log scales', () => {
    const state = makeState((s) => {
      s.view.x = axis('eta', 1e-3, 10, 'log');
      s.view.y = axis('sigmaW', 0.01, 3, 'log');
    });
    expect(encodeAppState(state)).toContain('xa=eta,0.001,10,log&ya=sigmaW,0.01,3,log');
    expect(roundTrip(state)).toEqual(state);
  });

  it('every experiment field', () => {
    const state = makeState((s) => {
      s.view.experiment = {
        width: 37,
        parameterization: 0.25,
        inputNorm: 1.5,
        target: -0.75,
        sigmaU: 0.8,
        sigmaV: 1.3,
        learningRate: 0.02,
        steps: 123456,
        init: { kind: 'typical' },
      };
      s.view.x = { ...RANGES.eta };
      s.view.y = { ...RANGES.target };
    });
    expect(roundTrip(state)).toEqual(state);
  });

  it('typical initialization', () => {
    const state = makeState();
    expect(encodeAppState(state)).toContain('init=typical');
    expect(roundTrip(state).view.experiment!.init).toEqual({ kind: 'typical' });
  });

  it('explicit initialization', () => {
    const state = makeState((s) => (s.view.experiment!.init = { kind: 'explicit', f0: -0.4, lambda0: 2.5 }));
    expect(encodeAppState(state)).toContain('init=explicit&f0=-0.4&lambda0=2.5');
    expect(roundTrip(state)).toEqual(state);
  });

  it('sampled initialization with samples', () => {
    const state = makeState((s) => {
      s.view.experiment!.init = { kind: 'sampled', seed: 2 ** 53 - 1 };
      s.view.samples = 16;
      s.view.columns = 64;
      s.view.rows = 32;
      s.layer = 'fractionChaotic';
      s.colormap = { map: 'heat', scale: 'linear', min: 0, max: 1 };
    });
    expect(encodeAppState(state)).toContain('init=sampled&seed=9007199254740991');
    expect(encodeAppState(state)).toContain('res=64x32&samples=16');
    expect(roundTrip(state)).toEqual(state);
  });

  it('layer and colour map with range', () => {
    const state = makeState((s) => {
      s.layer = 'sharpnessRatio';
      s.colormap = { map: 'blueRed', scale: 'log', min: 0.25, max: 4 };
    });
    expect(encodeAppState(state)).toContain('layer=sharpnessRatio&cmap=blueRed&cscale=log&cmin=0.25&cmax=4');
    expect(roundTrip(state)).toEqual(state);
  });

  it('one-sided colour range', () => {
    const state = makeState((s) => {
      s.layer = 'lyapunovExponent';
      s.colormap = { map: 'grey', scale: 'symmetric', max: 0.5 };
    });
    expect(encodeAppState(state)).not.toContain('cmin');
    expect(roundTrip(state)).toEqual(state);
  });

  it('every layer with its default map', () => {
    for (const layer of LAYER_NAMES) {
      const state = decodeAppState(`layer=${layer}`);
      expect(state.layer).toBe(layer);
      expect(roundTrip(state), layer).toEqual(state);
    }
  });

  it('zoom history both ways', () => {
    const entries = zoomEntries(5);
    const state = makeState((s) => {
      s.history = entries.slice(0, 3);
      s.future = entries.slice(3);
      s.future[1]!.x = axis('eta', 0.001, 1, 'log');
    });
    const decoded = roundTrip(state);
    expect(decoded).toEqual(state);
    expect(decoded.history[0]).toEqual(entries[0]);
    expect(decoded.future).toHaveLength(2);
    expect(encodeAppState(makeState((s) => (s.history = entries.slice(0, 2))))).toContain(
      '&hist=etaRatio,0.05,2.2,linear:sigmaW,0.1,2,linear;etaRatio,0.060000000000000005,2.18,linear:sigmaW,0.101,1.9666666666666666,linear',
    );
  });

  it('debug flags', () => {
    const flags = [
      { engine: 'cpu', precision: 'auto' },
      { engine: 'webgpu', precision: 'auto', showTiles: true },
      { engine: 'auto', precision: 'auto', showTiles: false },
    ] as const;
    for (const debug of flags) {
      const state = makeState((s) => (s.debug = { ...debug }));
      expect(roundTrip(state), JSON.stringify(debug)).toEqual(state);
    }
    expect(encodeAppState(makeState((s) => (s.debug = { engine: 'cpu', precision: 'auto', showTiles: true })))).toMatch(/&engine=cpu&tiles=1$/);
    expect(encodeAppState(DEFAULT_APP_STATE)).not.toContain('engine');
  });

  it('every precision', () => {
    for (const precision of ['float32', 'df64', 'float64'] as const) {
      const state = makeState((s) => (s.debug.precision = precision));
      expect(roundTrip(state), precision).toEqual(state);
      expect(encodeAppState(state)).toMatch(new RegExp(`&precision=${precision}$`));
      expect(decodeAppState(`precision=${precision}`).debug.precision).toBe(precision);
    }
  });

  it('precision after engine and before tiles', () => {
    const state = makeState((s) => (s.debug = { engine: 'webgpu', precision: 'df64', showTiles: true }));
    expect(encodeAppState(state)).toMatch(/&engine=webgpu&precision=df64&tiles=1$/);
  });

  it('leaves out the auto precision', () => {
    expect(encodeAppState(DEFAULT_APP_STATE)).not.toContain('precision');
    expect(decodeAppState('precision=auto')).toEqual(DEFAULT_APP_STATE);
    expect(decodeAppState('').debug.precision).toBe('auto');
  });

  it('float64 with the CPU engine', () => {
    const state = makeState((s) => (s.debug = { engine: 'cpu', precision: 'float64' }));
    expect(roundTrip(state)).toEqual(state);
    expect(encodeAppState(state)).toMatch(/&engine=cpu&precision=float64$/);
  });

  it('reads a saved state without precision as auto', () => {
    const saved = makeState() as unknown as { debug: { engine: string; precision?: string } };
    delete saved.debug.precision;
    expect(normalizeAppState(saved as unknown as AppState).debug).toEqual({ engine: 'auto', precision: 'auto' });
  });

  it('awkward numbers exactly', () => {
    const values = [0.1 + 0.2, 1e-300, 123456789.123456789, -0, 5e-324, 1.7976931348623157e308, 1e21, -1 / 3];
    for (const value of values) {
      // The largest double can only be an axis maximum.
      const largest = value === Number.MAX_VALUE;
      const state = makeState((s) => {
        s.view.experiment!.target = value;
        s.view.x = largest ? axis('target', 0, value) : axis('target', value, value + Math.max(1, Math.abs(value)));
        s.view.y = { ...RANGES.eta };
      });
      const decoded = roundTrip(state);
      expect(Object.is(decoded.view.experiment!.target, value), String(value)).toBe(true);
      expect(Object.is(largest ? decoded.view.x.max : decoded.view.x.min, value), String(value)).toBe(true);
      expect(decoded).toEqual(state);
    }
  });

  it('awkward numbers in init and colours', () => {
    const state = makeState((s) => {
      s.view.experiment!.init = { kind: 'explicit', f0: -0, lambda0: 0.1 + 0.2 };
      s.view.experiment!.learningRate = 1e-300;
      s.layer = 'peakLossRatio';
      s.colormap = { map: 'blueYellow', scale: 'linear', min: -0, max: 123456789.123456789 };
    });
    const decoded = roundTrip(state);
    expect(decoded).toEqual(state);
    const init = decoded.view.experiment!.init!;
    expect(init.kind).toBe('explicit');
    expect(Object.is((init as { f0: number }).f0, -0)).toBe(true);
    expect(Object.is(decoded.colormap.min, -0)).toBe(true);
    expect(encodeAppState(state)).toContain('f0=-0&lambda0=0.30000000000000004');
    expect(encodeAppState(state)).toContain('eta=1e-300');
  });

  it('large exponents without plus', () => {
    const state = makeState((s) => (s.view.experiment!.target = 1e21));
    expect(encodeAppState(state)).toContain('y=1e21&');
    expect(decodeAppState('y=1e%2B21').view.experiment!.target).toBe(1e21);
    expect(decodeAppState('y=1e+21').view.experiment!.target).toBe(1e21);
  });
});

describe('url state normalization', () => {
  it('resolves presets and sigmaW', () => {
    const state = makeState((s) => (s.view.experiment = { parameterization: 'NTP', sigmaW: 0.7, learningRate: 0.3 }));
    const decoded = roundTrip(state);
    expect(decoded.view.experiment).toMatchObject({ parameterization: 0, sigmaU: 0.7, sigmaV: 0.7, learningRate: 0.3, width: 1024 });
    expect(decoded).toEqual(normalizeAppState(state));
  });

  it('reads preset names in s', () => {
    expect(decodeAppState('s=NTP').view.experiment!.parameterization).toBe(0);
    expect(decodeAppState('s=muP').view.experiment!.parameterization).toBe(1);
  });

  it('ignores extension keys', () => {
    expect(decodeAppState('x-note=zoomed&x-=1&x-note=again')).toEqual(DEFAULT_APP_STATE);
  });

  it('decodes percent-escapes', () => {
    const state = decodeAppState('xa=eta%2C0.1%2C2%2Clog&hist=eta,0.2,1,log%3AsigmaW,0.1,2,linear');
    expect(state.view.x).toEqual(axis('eta', 0.1, 2, 'log'));
    expect(state.history).toHaveLength(1);
  });

  it('skips empty parts', () => {
    expect(decodeAppState('&n=64&&')).toEqual(decodeAppState('n=64'));
  });

  it('keeps full history under 7000 characters', () => {
    const long = -1.2345678901234567e-300;
    const entry = (): AxisPair => ({ x: axis('parameterization', 1.2345678901234567e-300, 0.9999999999999998), y: axis('f0OverY', long, -long) });
    const state = makeState((s) => {
      s.view.experiment = {
        width: 1234567890123456,
        parameterization: 0.12345678901234568,
        // Long but not so small that |x|²σ² underflows, which createExperiment rejects.
        inputNorm: 1.2345678901234567e-30,
        target: long,
        sigmaU: 1.2345678901234567e-30,
        sigmaV: 1.2345678901234567e-30,
        learningRate: 1.2345678901234567e-300,
        steps: 2147483647,
        init: { kind: 'explicit', f0: long, lambda0: 1.2345678901234567e300 },
      };
      s.view.x = entry().x;
      s.view.y = entry().y;
      s.layer = 'lyapunovExponent';
      s.colormap = { map: 'blueYellow', scale: 'symmetric', min: -1.2345678901234567e-30, max: 1.2345678901234567e-30 };
      s.history = Array.from({ length: MAX_HISTORY_ENTRIES }, entry);
      s.future = Array.from({ length: MAX_HISTORY_ENTRIES }, entry);
      s.debug = { engine: 'webgpu', precision: 'float64', showTiles: false };
    });
    const query = encodeAppState(state);
    expect(query.length).toBeGreaterThan(5000);
    expect(query.length).toBeLessThan(7000);
    expect(decodeAppState(query)).toEqual(state);
  });

  it('rejects history beyond the limit', () => {
    const state = makeState((s) => (s.history = zoomEntries(MAX_HISTORY_ENTRIES + 1)));
    expect(() => encodeAppState(state)).toThrow(ValidationError);
    const query = encodeAppState(makeState((s) => (s.future = zoomEntries(MAX_HISTORY_ENTRIES)))).replace('&fut=', '&fut=eta,0.1,1,linear:sigmaW,0.1,1,linear;');
    const error = rejection(query);
    expect(error.field).toBe('fut');
    expect(error.message).toContain(`at most ${MAX_HISTORY_ENTRIES} entries`);
  });

  it('encode rejects an invalid state', () => {
    expect(() => encodeAppState(makeState((s) => (s.view.x = axis('eta', 2, 1))))).toThrow(/Invalid xa/);
    expect(() => encodeAppState(makeState((s) => (s.colormap.map = 'period')))).toThrow(/Invalid cmap/);
    expect(() => encodeAppState(makeState((s) => (s.history = [{ x: axis('eta', 0.1, 1), y: axis('c', 1, 2) }])))).toThrow(/Invalid hist/);
  });
});

describe('url state rejection', () => {
  const cases: Array<[string, string, string]> = [
    // [case, query, field]
    ['number with suffix', 'n=1.2x', 'n'],
    ['empty number', 'eta=', 'eta'],
    ['NaN', 'x=NaN', 'x'],
    ['Infinity', 'y=Infinity', 'y'],
    ['negative Infinity', 'y=-Infinity', 'y'],
    ['hexadecimal', 'T=0x10', 'T'],
    ['overflow', 'su=1e999', 'su'],
    ['key without value', 'sv', 'sv'],
    ['number in axis', 'xa=etaRatio,0.05,2.2x,linear', 'xa'],
    ['unknown layer', 'layer=phases', 'layer'],
    ['unknown colour map', 'cmap=viridis', 'cmap'],
    ['categorical map on another layer', 'layer=period&cmap=phase', 'cmap'],
    ['bad colour scale', 'cscale=logarithmic', 'cscale'],
    ['colour min equals max', 'layer=catapult&cmin=1&cmax=1', 'cmax'],
    ['colour min above max', 'layer=catapult&cmin=2&cmax=1', 'cmax'],
    ['colour min beyond float32', 'layer=catapult&cmin=-1e39', 'cmin'],
    ['log colour scale at zero', 'layer=catapult&cscale=log&cmin=0', 'cmin'],
    ['bad axis scale', 'xa=etaRatio,0.05,2.2,lin', 'xa'],
    ['swapped axis bounds', 'xa=etaRatio,2.2,0.05,linear', 'xa'],
    ['swapped axis fields', 'ya=0.1,sigmaW,2,linear', 'ya'],
    ['axis scale first', 'xa=linear,etaRatio,0.05,2.2', 'xa'],
    ['axis with three fields', 'xa=etaRatio,0.05,2.2', 'xa'],
    ['log axis at zero', 'xa=eta,0,1,log', 'xa'],
    ['axis parameter typo', 'xa=etaratio,0.05,2.2,linear', 'xa'],
    ['axis parameter typo on y', 'ya=sigmaw,0.1,2,linear', 'ya'],
    ['same parameter twice', 'ya=etaRatio,0.1,2,linear', 'ya'],
    ['two rate axes', 'ya=eta,0.1,2,linear', 'ya'],
    ['unknown key', 'n=64&steps=100', 'steps'],
    ['key case', 't=100', 't'],
    ['duplicated key', 'n=64&n=128', 'n'],
    ['duplicated layer key', 'layer=phase&layer=phase', 'layer'],
    ['version 2', 'v=2&n=64', 'v'],
    ['version 2 with new keys', 'v=2&zoom=3', 'v'],
    ['version 0', 'v=0', 'v'],
    ['negative width', 'n=-5', 'n'],
    ['fractional width', 'n=2.5', 'n'],
    ['parameterization above 1', 's=1.5', 's'],
    ['unknown preset', 's=mup', 's'],
    ['zero learning rate', 'eta=0', 'eta'],
    ['fractional steps', 'T=10.5', 'T'],
    ['zero input norm', 'x=0', 'x'],
    ['both sigmas zero', 'su=0&sv=0', 'su'],
    ['negative sigma', 'sv=-1', 'sv'],
    ['resolution with zero', 'res=0x10', 'res'],
    ['resolution without rows', 'res=10', 'res'],
    ['resolution with empty rows', 'res=10x', 'res'],
    ['resolution with three parts', 'res=10x10x10', 'res'],
    ['fractional resolution', 'res=10.5x10', 'res'],
    ['samples with typical init', 'samples=4', 'samples'],
    ['zero samples', 'init=sampled&seed=1&samples=0', 'samples'],
    ['unknown init', 'init=random', 'init'],
    ['explicit without lambda0', 'init=explicit&f0=0', 'lambda0'],
    ['explicit without f0', 'init=explicit&lambda0=2', 'f0'],
    ['explicit outside wedge', 'init=explicit&f0=5&lambda0=2', 'f0'],
    ['sampled without seed', 'init=sampled', 'seed'],
    ['negative seed', 'init=sampled&seed=-1', 'seed'],
    ['seed with typical init', 'seed=3', 'seed'],
    ['f0 with sampled init', 'init=sampled&seed=1&f0=0', 'f0'],
    ['history entry without y axis', 'hist=etaRatio,0.1,2,linear', 'hist'],
    ['history entry with short axis', 'hist=etaRatio,0.1,2:sigmaW,0.1,2,linear', 'hist'],
    ['history entry with swapped bounds', 'hist=etaRatio,0.1,2,linear:sigmaW,2,0.1,linear', 'hist'],
    ['history entry with bad number', 'fut=etaRatio,0.1,2,linear:sigmaW,0.1,NaN,linear', 'fut'],
    ['empty history', 'hist=', 'hist'],
    ['trailing history separator', 'hist=etaRatio,0.1,2,linear:sigmaW,0.1,2,linear;', 'hist'],
    ['unknown engine', 'engine=gpu', 'engine'],
    ['unknown precision', 'precision=double', 'precision'],
    ['precision case', 'precision=DF64', 'precision'],
    ['empty precision', 'precision=', 'precision'],
    ['float32 on the CPU engine', 'engine=cpu&precision=float32', 'precision'],
    ['df64 on the CPU engine', 'engine=cpu&precision=df64', 'precision'],
    ['duplicated precision', 'precision=df64&precision=float64', 'precision'],
    ['tiles as word', 'tiles=true', 'tiles'],
    ['bad percent-escape', 'n=%zz', 'n'],
  ];

  it.each(cases)('%s', (_, query, field) => {
    const error = rejection(query);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('names the value and the allowed ones', () => {
    const axisError = rejection('xa=etaratio,0.05,2.2,linear');
    expect(axisError.message).toContain('"etaratio,0.05,2.2,linear"');
    expect(axisError.message).toContain('etaRatio');

    const layerError = rejection('layer=phases');
    expect(layerError.value).toBe('phases');
    expect(layerError.message).toContain('fractionDiverged');

    const numberError = rejection('n=1.2x');
    expect(numberError.value).toBe('1.2x');
    expect(numberError.message).toContain('decimal number');
  });

  it('lists known keys for an unknown key', () => {
    const error = rejection('n=64&steps=100');
    expect(error.message).toContain('Unknown key "steps"');
    for (const key of URL_STATE_KEYS) {
      expect(error.message).toContain(key);
    }
    expect(error.message).toContain('"x-"');
  });

  it('names the understood versions', () => {
    const error = rejection('v=2&n=64');
    expect(error.value).toBe('2');
    expect(error.message).toContain('reads: 1');
  });

  it('shows both values of a duplicated key', () => {
    const error = rejection('n=64&n=128');
    expect(error.value).toEqual(['64', '128']);
  });

  it('says which history entry is invalid', () => {
    const valid = 'etaRatio,0.1,2,linear:sigmaW,0.1,2,linear';
    const error = rejection(`hist=${valid};${valid};etaRatio,0.1,2,linear:sigmaW,2,0.1,linear`);
    expect(error.message).toContain('entry 3');
    expect(error.value).toBe('etaRatio,0.1,2,linear:sigmaW,2,0.1,linear');
  });

  it('lists the precisions for an unknown one', () => {
    const error = rejection('precision=double');
    expect(error.value).toBe('double');
    expect(error.message).toContain('auto, float32, df64, float64');
  });

  it('explains df64 with the CPU engine', () => {
    const error = rejection('engine=cpu&precision=df64');
    expect(error.value).toBe('df64');
    expect(error.message).toContain('auto or float64 with engine=cpu');
  });

  it('reports a missing init field', () => {
    expect(rejection('init=explicit&f0=0').message).toMatch(/^Missing lambda0\./);
  });
});

describe('colour maps of category layers', () => {
  it('rejects a continuous map on the phase and period layers', () => {
    expect(() => decodeAppState('layer=phase&cmap=heat')).toThrow(/the phase map for the phase layer/);
    expect(() => decodeAppState('layer=period&cmap=blueYellow')).toThrow(/the period map for the period layer/);
  });
});
