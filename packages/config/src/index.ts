/** @ring-attractor/config: every config section declared once; types, validation, CLI flags and JSON Schema derive from it. */
export * from './sections.js';
export { resolveSection, sectionDefaults, type FieldLabel } from './resolve.js';
export { expected, type FieldSchema } from './describe.js';
export { flagName, sectionOptions, sectionFlags, rawArgs, fieldFromText, type FlagSource } from './flags.js';
export { parseStageCli, stageOptions, stageEnv, sectionGroup, MODEL_SPEC, TRAIN_SPEC, type StageCliSpec, type StageArgs, type Resolved, type SectionSpec, type SectionDef } from './cli.js';
export { resolveModel, resolveTrain, modelFlagsSchema } from './models.js';
export { checkEval, checkTraining } from './rules.js';
export {
  EXPERIMENT_SECTIONS,
  checkName,
  resolveExperiment,
  readExperimentConfig,
  readDatasetConfig,
  parseSweepAxis,
  type ExperimentConfig,
  type SectionName,
  type SweepAxis,
} from './experiment.js';
export { SCHEMA_FILES, jsonSchemaOf, jsonSchemaText, schemaFiles, type ObjectSchema } from './jsonSchema.js';
