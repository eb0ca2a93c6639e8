/** Vega-lite figures of the eval stage's files (@ring-attractor/eval/files). */
export { errorByStepSpec, type ErrorByStepOptions } from './errorByStep.js';
export { errorBinsSpec, type ErrorBinsOptions } from './errorBins.js';
export { driftSpec, driftStartsText, type DriftOptions, type DriftStartsText } from './drift.js';
export { gainSpec, type GainOptions, type GainFit } from './gain.js';
export { compareDriftCurvesSpec, compareGainSpec, type DriftCurveRun, type GainRun } from './compare.js';
export { DECODER_COLOUR, decoderColour, thinSteps } from './common.js';
