/**
 * Parameter names. For two action channels they are the reference's state-dict names (docs/model.md §6),
 * so checkpoints move between this project and PyTorch; other channel counts use `Wa.<c>` and
 * `gain_nets.<c>.*`. Channel 0 of the two-channel model is L (left turns), channel 1 is R.
 */
export type Shape = number[];

/** The reference's fixed cosine filter, N×N cos(2π(i−j)/N): a state-dict buffer, not a parameter (docs/model.md §6). */
export const COSINE_FILTER_BUFFER = 'W_delta7';

/** Names of the N×N matrices: ['Wo','Wl','Wr'] for k = 2, ['Wo','Wa.0',…,'Wa.<k−1>'] otherwise. */
export function weightMatrixNames(actionDim: number): string[] {
  return ['Wo', ...Array.from({ length: actionDim }, (_, c) => actionMatrixName(c, actionDim))];
}

/** Name of the rotation matrix of action channel c. */
export function actionMatrixName(channel: number, actionDim: number): string {
  if (actionDim === 2) return channel === 0 ? 'Wl' : 'Wr';
  return `Wa.${channel}`;
}

/** Prefix of the gain net of action channel c (its layers are `<prefix>.0.*` and `<prefix>.2.*`, as nn.Sequential numbers them). */
export function gainNetPrefix(channel: number, actionDim: number): string {
  if (actionDim === 2) return channel === 0 ? 'gain_l_net' : 'gain_r_net';
  return `gain_nets.${channel}`;
}

/** The four tensors of one gain net, Linear(1,H) → GELU → Linear(H,1) → Softplus, in PyTorch layout. */
export function gainNetShapes(prefix: string, hidden: number): Record<string, Shape> {
  return {
    [`${prefix}.0.weight`]: [hidden, 1],
    [`${prefix}.0.bias`]: [hidden],
    [`${prefix}.2.weight`]: [1, hidden],
    [`${prefix}.2.bias`]: [1],
  };
}

/** Every parameter of a model, in a fixed order (matrices, then gain nets by channel); none of the gain nets when `withGainNets` is false. */
export function parameterShapes(numNeurons: number, actionDim: number, hidden: number, withGainNets: boolean): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const name of weightMatrixNames(actionDim)) shapes[name] = [numNeurons, numNeurons];
  if (withGainNets) {
    for (let c = 0; c < actionDim; c++) Object.assign(shapes, gainNetShapes(gainNetPrefix(c, actionDim), hidden));
  }
  return shapes;
}
