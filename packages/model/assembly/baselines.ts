// The baselines' wasm module: the fused GRU stack (gru.ts) and the dense ops (ops.ts) behind one
// entry point, so that one shared memory and one pool of threads serve both. The host writes a
// command's parameters, then every thread calls run(cmd, s) for its slice s.
// Command numbers: keep in sync with src/baselines/kernel/commands.ts.
import { gruBackward, gruForward, gruPack, gruReduce } from './gru';
import { writeConstants } from './simd';
import { activationBackward, activationForward, attentionBackward, attentionForward, linearBackward, linearForward, normBackward, normForward } from './ops';

/** Once per memory, before any command. */
export function init(): void {
  writeConstants();
}

export function run(cmd: i32, s: i32): void {
  switch (cmd) {
    case 1: gruForward(s); break;
    case 2: gruBackward(s); break;
    case 3: linearForward(s); break;
    case 4: linearBackward(s); break;
    case 5: activationForward(s); break;
    case 6: activationBackward(s); break;
    case 7: normForward(s); break;
    case 8: normBackward(s); break;
    case 9: attentionForward(s); break;
    case 10: attentionBackward(s); break;
    case 11: gruPack(s); break;
    case 12: gruReduce(s); break;
    default: unreachable();
  }
}
