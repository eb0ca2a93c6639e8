/** Command numbers of assembly/baselines.ts's run(cmd, s); keep the two in sync. */
export const CMD = {
  gruForward: 1,
  gruBackward: 2,
  linearForward: 3,
  linearBackward: 4,
  activationForward: 5,
  activationBackward: 6,
  normForward: 7,
  normBackward: 8,
  attentionForward: 9,
  attentionBackward: 10,
  gruPack: 11,
  gruReduce: 12,
} as const;
