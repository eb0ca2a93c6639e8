import { invalid } from '@ring-attractor/common';

/** Everything that determines a dataset (SPEC §1); names follow the seed's `AVIntegrationDataset`. */
export interface DatagenConfig {
  num_samples: number;
  test_samples: number;
  seq_len: number;
  zero_padding_start_ratio: number;
  zero_ratios_in_rest: number[];
  max_av: number;
  seed: number;
}

/** The shape of one sequence: what `generateSequences` needs, without split sizes or seed. */
export type SequenceParams = Pick<DatagenConfig, 'seq_len' | 'zero_padding_start_ratio' | 'zero_ratios_in_rest' | 'max_av'>;

/** The seed's defaults. */
export const DEFAULT_DATAGEN_CONFIG: Readonly<DatagenConfig> = Object.freeze({
  num_samples: 128000,
  test_samples: 1024,
  seq_len: 120,
  zero_padding_start_ratio: 0.1,
  zero_ratios_in_rest: [0.2, 0.5, 0.8],
  max_av: 0.1 * Math.PI,
  seed: 0,
});

/** Longest sequence accepted: keeps one record batch's column well under Arrow's int32 offsets. */
export const MAX_SEQ_LEN = 1 << 24;

const KEYS = Object.keys(DEFAULT_DATAGEN_CONFIG) as (keyof DatagenConfig)[];

function sizeField(field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) invalid(field, `an integer in [1, ${max}]`, v);
  return v;
}

function ratioField(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) invalid(field, 'a number in [0, 1)', v);
  return v;
}

/** Fills defaults into a partial config and validates it; bad values throw a one-line UsageError naming the field. */
export function resolveDatagenConfig(partial: unknown): DatagenConfig {
  if (partial === undefined || partial === null) partial = {};
  if (typeof partial !== 'object' || Array.isArray(partial)) invalid('config', 'a JSON object', partial);
  const obj = partial as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(KEYS as string[]).includes(key)) invalid(key, `a known option (one of ${KEYS.join(', ')})`, key);
  }
  const pick = (k: keyof DatagenConfig): unknown => (obj[k] === undefined ? DEFAULT_DATAGEN_CONFIG[k] : obj[k]);

  const ratios = pick('zero_ratios_in_rest');
  if (!Array.isArray(ratios) || ratios.length === 0) invalid('zero_ratios_in_rest', 'a non-empty list of numbers in [0, 1)', ratios);
  const maxAv = pick('max_av');
  if (typeof maxAv !== 'number' || !Number.isFinite(maxAv) || maxAv <= 0) invalid('max_av', 'a finite number > 0', maxAv);
  const seed = pick('seed');
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    invalid('seed', 'an integer in [0, 4294967295]', seed);
  }
  // Key order is fixed here: the config is serialised into every file, and files must be byte-identical.
  return {
    num_samples: sizeField('num_samples', pick('num_samples'), Number.MAX_SAFE_INTEGER),
    test_samples: sizeField('test_samples', pick('test_samples'), Number.MAX_SAFE_INTEGER),
    seq_len: sizeField('seq_len', pick('seq_len'), MAX_SEQ_LEN),
    zero_padding_start_ratio: ratioField('zero_padding_start_ratio', pick('zero_padding_start_ratio')),
    zero_ratios_in_rest: ratios.map((r, i) => ratioField(`zero_ratios_in_rest[${i}]`, r)),
    max_av: maxAv,
    seed,
  };
}
