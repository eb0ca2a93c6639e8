/** The fused recurrence kernel: AssemblyScript forward and BPTT wrapped as one tfjs op. */
export { fusedRecurrence, configureFusedKernel, disposeFusedKernel, fusedKernelMemoryBytes, type FusedOptions } from './fused.js';
