// A kernel worker: instantiates the fused kernel on the shared memory and runs commands for its
// batch slice whenever the host bumps the generation counter. Plain JS so it needs no loader.
import { workerData } from 'node:worker_threads';
import spec from '../../kernel-spec/layout.json' with { type: 'json' };

const { module, memory, control, index } = workerData;
const ctrl = new Int32Array(control);
const [GEN, CMD, DONE, FAILED, ACTIVE] = ['GEN', 'CMD', 'DONE', 'FAILED', 'ACTIVE'].map((w) => spec.control.words.indexOf(w));
const { FORWARD: CMD_FORWARD, BACKWARD: CMD_BACKWARD, EXIT: CMD_EXIT } = spec.commands.codes;

const { exports } = new WebAssembly.Instance(module, { env: { memory } });
let seen = workerData.generation;
for (;;) {
  Atomics.wait(ctrl, GEN, seen);
  seen = Atomics.load(ctrl, GEN);
  const cmd = Atomics.load(ctrl, CMD);
  if (cmd === CMD_EXIT) break;
  try {
    if (index < Atomics.load(ctrl, ACTIVE)) {
      if (cmd === CMD_FORWARD) exports.forward(index);
      else if (cmd === CMD_BACKWARD) exports.backward(index);
    }
  } catch (err) {
    Atomics.store(ctrl, FAILED, 1);
    console.error(`fused kernel worker ${index}:`, err);
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
