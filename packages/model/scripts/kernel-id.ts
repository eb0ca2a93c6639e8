// Prints the recurrence kernel, its ISA path and thread count that a train stage on this machine
// uses (`--backend auto --kernel auto`, one thread per core): part of the train stage's nx cache
// key, since results differ in the last bits between kernels, ISA paths and thread counts.
// Run: node --import tsx packages/model/scripts/kernel-id.ts
import { disposeKernels, kernelThreads, nativeInfo, selectBackend, selectKernel } from '../src/index.js';

const backend = await selectBackend('auto', () => {});
const kernel = selectKernel('auto', backend, () => {});
// The wasm kernel's path (fused multiply-adds or not) follows from the engine's V8 version.
const path = kernel === 'native' ? nativeInfo().isa : kernel === 'wasm' ? `v8-${process.versions.v8}` : backend;
process.stdout.write(`${kernel} ${path} threads=${kernelThreads()}\n`);
disposeKernels();
