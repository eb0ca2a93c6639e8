/** A dataset's config (docs/model.md §1): the schema lives in @ring-attractor/config; this is its datagen face. */
import { datagenSection, resolveSection, sectionDefaults, type DatagenConfig, type FieldLabel } from '@ring-attractor/config';

export { MAX_SEQ_LEN, type DatagenConfig } from '@ring-attractor/config';

/** The shape of one sequence: what `generateSequences` needs, without split sizes or seed. */
export type SequenceParams = Pick<DatagenConfig, 'seq_len' | 'zero_padding_start_ratio' | 'zero_ratios_in_rest' | 'max_av'>;

/** The seed's defaults. */
export const DEFAULT_DATAGEN_CONFIG: Readonly<DatagenConfig> = Object.freeze(sectionDefaults(datagenSection));

/**
 * Fills defaults into a partial config and validates it; bad values throw a one-line UsageError naming the field.
 * Keys come out in the schema's order: the config is serialised into every file, which must be byte-identical.
 */
export function resolveDatagenConfig(partial: unknown, label?: FieldLabel): DatagenConfig {
  const c = resolveSection(datagenSection, partial, label);
  return {
    num_samples: c.num_samples,
    test_samples: c.test_samples,
    seq_len: c.seq_len,
    zero_padding_start_ratio: c.zero_padding_start_ratio,
    zero_ratios_in_rest: c.zero_ratios_in_rest,
    max_av: c.max_av,
    seed: c.seed,
  };
}
