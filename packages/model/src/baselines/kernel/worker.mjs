// A kernel worker of pool.ts: instantiates the module on the shared memory and runs
// run(cmd, index) whenever the host bumps the generation counter. Plain JS so it needs no loader.
import { workerData } from 'node:worker_threads';

const { module, memory, control, index, name } = workerData;
const ctrl = new Int32Array(control);
const GEN = 0, CMD = 1, DONE = 2, FAILED = 3, ACTIVE = 4;
const CMD_EXIT = -1;

const { exports } = new WebAssembly.Instance(module, { env: { memory } });
let seen = workerData.generation;
for (;;) {
  Atomics.wait(ctrl, GEN, seen);
  seen = Atomics.load(ctrl, GEN);
  const cmd = Atomics.load(ctrl, CMD);
  if (cmd === CMD_EXIT) break;
  try {
    if (index < Atomics.load(ctrl, ACTIVE)) exports.run(cmd, index);
  } catch (err) {
    Atomics.store(ctrl, FAILED, 1);
    console.error(`${name} worker ${index}:`, err);
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
