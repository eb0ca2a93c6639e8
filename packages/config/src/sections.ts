/**
 * Every config section of the pipeline, declared once with zod (docs/model.md has the semantics):
 * the dataset a `ring-datagen` run writes, the model, training, and the figures. Types, validation,
 * CLI flags and the JSON Schema files editors use all derive from these declarations.
 *
 * Why zod: it is well kept, infers precise TypeScript types (input: every defaulted field optional;
 * output: every field present), exports standard JSON Schema (`z.toJSONSchema`), from which the CLI
 * flags and messages are read, and it imports in a few tens of ms (CLI start-up matters; TypeBox 1.x
 * took several times longer here).
 */
import * as z from 'zod';

/** A field: its type and bounds, the one-line description `--help` shows, and its default (copied on use). */
function field<T extends z.ZodType>(schema: T, description: string, def: z.output<T>) {
  return (schema.describe(description) as T).default(() => structuredClone(def) as never);
}

/** A config section: its fields (all defaulted) and a description; unknown keys are errors. */
function section<S extends z.ZodRawShape>(shape: S, description: string) {
  return z.strictObject(shape).describe(description);
}

/** Largest sequence accepted: keeps one record batch's column well under Arrow's int32 offsets. */
export const MAX_SEQ_LEN = 1 << 24;
const UINT32_MAX = 0xffffffff;
const seed = (what: string) => field(z.int().min(0).max(UINT32_MAX), `seed of every random draw (${what})`, 0);

/** `pipelines/datasets/<name>/config.json` and `ring-datagen`'s options: what determines a dataset (docs/model.md §1). */
export const datagenSection = section(
  {
    num_samples: field(z.int().min(1).max(Number.MAX_SAFE_INTEGER), 'training sequences', 128000),
    test_samples: field(z.int().min(1).max(Number.MAX_SAFE_INTEGER), 'held-out sequences', 1024),
    seq_len: field(z.int().min(1).max(MAX_SEQ_LEN), 'steps per sequence (T)', 120),
    zero_padding_start_ratio: field(z.number().min(0).lt(1), 'fraction of leading still steps', 0.1),
    zero_ratios_in_rest: field(z.array(z.number().min(0).lt(1)).min(1), 'still fractions of the remaining steps, one drawn per sequence', [0.2, 0.5, 0.8]),
    max_av: field(z.number().gt(0), 'largest |angular velocity| per step (radians)', 0.1 * Math.PI),
    seed: seed('the sequences'),
  },
  'A dataset of angular-velocity sequences (ring-datagen).',
);

/** Activation functions F of the ring dynamics. */
export const ACTIVATIONS = ['tanh', 'relu', 'gelu'] as const;
/** Initialisations of the ring; debug_perfect freezes the perfect matrices and has no gain nets (nothing to train). */
export const INITIALIZATIONS = ['random', 'perfect', 'debug_perfect'] as const;

/** The models a run can train: the ring attractor, and the reference's two baselines (docs/baselines.md). */
export const MODEL_KINDS = ['ring', 'gru', 'transformer'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
const KIND_DESCRIPTION = 'the model: ring (the leaky ring attractor), gru or transformer (the reference\'s baselines)';
const dropout = (def: number) => field(z.number().min(0).lt(1), 'dropout probability (training only)', def);

/** The `model` section of a ring attractor (docs/model.md §2). */
export const ringModelSection = section(
  {
    kind: field(z.literal('ring'), KIND_DESCRIPTION, 'ring'),
    num_neurons: field(z.int().min(3).max(4096), 'neurons on the ring (N)', 120),
    activation: field(z.enum(ACTIVATIONS), 'activation F', 'gelu'),
    hidden_gain_neurons: field(z.int().min(1).max(1024), 'hidden units of each gain net (H)', 3),
    init: field(z.enum(INITIALIZATIONS), 'initialisation (debug_perfect: frozen perfect matrices, for checks only)', 'random'),
    action_dim: field(z.int().min(2).max(64), 'action channels (2 = left/right turns)', 2),
    alpha: field(z.number().gt(0).max(1), 'leak rate dt/tau', 0.15),
    J0: field(z.number(), 'global inhibition', -0.1),
    J1: field(z.number(), 'gain of the maintenance matrix Wo', 0.1),
  },
  'The network: a leaky ring attractor of N rate neurons.',
);

/** The `model` section of the GRU baseline (the reference's GRU_Integrator; docs/baselines.md). */
export const gruModelSection = section(
  {
    kind: z.literal('gru').describe(KIND_DESCRIPTION),
    hidden_size: field(z.int().min(2).max(4096), 'GRU width H', 128),
    num_layers: field(z.int().min(1).max(16), 'stacked GRU layers', 2),
    dropout: dropout(0.1),
  },
  'The GRU baseline: an encoder of the start angle, an L-layer GRU over the velocity, and a projection to (sin, cos).',
);

/** The `model` section of the causal-transformer baseline (the reference's CausalTransformer; docs/baselines.md). */
export const transformerModelSection = section(
  {
    kind: z.literal('transformer').describe(KIND_DESCRIPTION),
    d_model: field(z.int().min(2).max(4096), 'model width d (even: sin/cos pairs of the positional encoding)', 64),
    nhead: field(z.int().min(1).max(4096), 'attention heads (a divisor of d_model)', 8),
    num_layers: field(z.int().min(1).max(64), 'encoder layers (the reference trains 8)', 2),
    dim_feedforward: field(z.int().min(1).max(65536), 'feed-forward width', 128),
    dropout: dropout(0.01),
    max_seq_len: field(z.int().min(2).max(1 << 20), 'rows of the sinusoidal position table: the longest sequence + 1 it accepts', 5000),
  },
  'The causal-transformer baseline: a start token from (sin, cos), velocity tokens, post-norm encoder layers with a causal mask.',
);

/** Each kind's model section. */
export const MODEL_SECTIONS = { ring: ringModelSection, gru: gruModelSection, transformer: transformerModelSection } as const;

/** Any model section (the experiment file's `model`; resolveModel picks the kind's schema). */
export const modelSection = z.union([ringModelSection, gruModelSection, transformerModelSection]);

/** Each kind's defaults of the training fields that differ (the reference trains the baselines with AdamW/Adam at 3e-4). */
export const TRAIN_DEFAULTS: Record<ModelKind, { lr: number; weight_decay: number }> = {
  ring: { lr: 1e-3, weight_decay: 0 },
  gru: { lr: 3e-4, weight_decay: 0 },
  transformer: { lr: 3e-4, weight_decay: 1e-5 },
};

/** The `train` section (docs/model.md §4). */
export const trainSection = section(
  {
    steps: field(z.int().min(1).max(1e9), 'training steps', 1000),
    batch_size: field(z.int().min(1).max(65536), 'sequences per batch', 128),
    lr: z.number().gt(0).describe('Adam learning rate (default: 1e-3 for ring, 3e-4 for gru and transformer)').optional(),
    weight_decay: z.number().min(0).describe("decoupled weight decay, AdamW's (default: 0, 1e-5 for transformer)").optional(),
    clip: field(z.number().gt(0), 'gradient clipping: largest global L2 norm', 1.0),
    bump_weight: field(z.number().min(0), 'weight of the bump-amplitude loss (ring)', 0.2),
    snapshot_every: field(z.int().min(1).max(1e9), 'weight snapshot every this many steps', 10),
    checkpoint_every: field(z.int().min(1).max(1e9), 'checkpoint every this many steps', 50),
    seed: seed('initial weights, dropout, batch order'),
  },
  'Training: Adam (AdamW with weight decay) on the model\'s loss, with global-norm clipping.',
);

/** Project names of datasets and experiments: nx project names and folder names. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** How a bad name is described to users. */
export const NAME_EXPECTED = 'lower-case letters, digits and dashes, starting with a letter or digit (at most 64)';
const datasetName = z.string().regex(NAME_PATTERN).meta({ expected: `a dataset name: ${NAME_EXPECTED}` });
/** Longest run of the drift and gain probes: keeps their B·T·N bump histories small. */
const MAX_PROBE_STEPS = 100_000;

/** The `eval` section: what ring-eval measures beyond the test error, and on which datasets (docs/evaluation.md). */
export const evalSection = section(
  {
    datasets: field(z.array(datasetName), "datasets evaluated besides the training dataset's test split (folders under pipelines/datasets)", []),
    last_fraction: field(z.number().gt(0).max(1), 'late-error window: the last ceil(fraction·T) steps of each dataset', 0.1),
    speed_bins: field(z.int().min(1).max(1000), 'equal |av| bins over (0, max_av], besides the bin for exactly 0', 8),
    drift_starts: field(z.int().min(1).max(10_000), 'zero-input runs from the angles 2πk/K, k < K (a ring starts from its bump there)', 36),
    drift_horizons: field(z.array(z.int().min(1).max(MAX_PROBE_STEPS)).min(1), 'steps at which the stationary drift is reported (increasing)', [100, 500, 1000]),
    survival_ratio: field(z.number().gt(0).max(1), 'a bump survives while Σ|r| stays at least this fraction of its value after step 1', 0.5),
    gain_velocities: field(z.int().min(3).max(10_001), 'constant velocities swept (odd, so 0 is one)', 31),
    gain_extent: field(z.number().min(1).max(100), 'the sweep spans ±extent·max_av (beyond 1: extrapolation)', 1.5),
    gain_settle: field(z.int().min(0).max(MAX_PROBE_STEPS), 'steps each constant-velocity run settles before its speed is measured', 100),
    gain_window: field(z.int().min(2).max(MAX_PROBE_STEPS), "steps over which the decoded angle's slope is fitted", 200),
  },
  'Evaluation: error against time, by speed and by stillness on each dataset, stationary drift, velocity gain.',
);

/** Movie formats ring-viz can write. */
export const MOVIE_FORMATS = ['mp4', 'gif'] as const;

/** The `viz` section: how the figures, movies and report look. */
export const vizSection = section(
  {
    fps: field(z.number().gt(0).max(120), 'movie frame rate (frames per second)', 10),
    formats: field(z.array(z.enum(MOVIE_FORMATS)), "movies to write (an empty list or 'none' skips ffmpeg)", ['mp4', 'gif']),
    width: field(z.int().min(400).max(4096).multipleOf(2), 'width in px of the weight figures and movie frames (even, for H.264)', 960),
    scheme: field(z.string().min(1), "continuous vega colour scheme, e.g. 'redblue', 'blueorange', 'purplegreen'", 'redblue'),
    reverse_scheme: field(z.boolean(), 'reverse the colour scheme (redblue reversed: negative blue, positive red)', true),
    report_snapshots: field(z.int().min(2).max(1000), "most snapshots in report.html's slider (evenly spaced, first and last kept)", 26),
  },
  'Figures, movies and the HTML report.',
);

const editorSchema = z.string().describe("path of this file's JSON Schema (for editors)").optional();

/** `pipelines/experiments/<name>/config.json`: the dataset it trains on, and each stage's section. */
export const experimentConfig = z
  .strictObject({
    $schema: editorSchema,
    dataset: z.string().regex(NAME_PATTERN).meta({ description: 'the dataset it trains on: a folder under pipelines/datasets', expected: `a dataset name: ${NAME_EXPECTED}` }),
    model: modelSection.prefault({}),
    train: trainSection.prefault({}),
    eval: evalSection.prefault({}),
    viz: vizSection.prefault({}),
  })
  .describe('A ring-attractor experiment: a training run on a dataset, and how it is shown.');

/** `pipelines/datasets/<name>/config.json`: a datagen section, plus the editor's `$schema`. */
export const datasetConfig = datagenSection.extend({ $schema: editorSchema });

/** A dataset's config with every default filled in. */
export type DatagenConfig = z.output<typeof datagenSection>;
/** A ring model section with every default filled in. */
export type RingModelConfig = z.output<typeof ringModelSection>;
/** A GRU model section with every default filled in. */
export type GruModelConfig = z.output<typeof gruModelSection>;
/** A transformer model section with every default filled in. */
export type TransformerModelConfig = z.output<typeof transformerModelSection>;
/** Any model section with every default filled in; `kind` tells which. */
export type ModelConfig = RingModelConfig | GruModelConfig | TransformerModelConfig;
/** The train section with every default filled in (the kind's learning rate and weight decay too). */
export type TrainConfig = Omit<z.output<typeof trainSection>, 'lr' | 'weight_decay'> & { lr: number; weight_decay: number };
/** The viz section with every default filled in. */
export type VizConfig = z.output<typeof vizSection>;
/** The eval section with every default filled in. */
export type EvalSectionConfig = z.output<typeof evalSection>;
/** A ring model section as written (every field optional). */
export type ModelSection = z.input<typeof ringModelSection>;
export type Activation = RingModelConfig['activation'];
export type Initialization = RingModelConfig['init'];
export type MovieFormat = VizConfig['formats'][number];
