/** trace.arrow: the reference's evaluation of one TRACE_STEPS-long sequence, step by step (docs/model.md §5.5, docs/formats.md). */
import { Float32, Int32 } from 'apache-arrow';
import { badRunFile, fixedList, flat, listRows, numbers, parseTable, readRunBytes, tableBytes } from '@ring-attractor/train/formats';

/** The file's name in the eval folder. */
export const TRACE_FILE = 'trace.arrow';

/** Steps of the reference's evaluation sequence. */
export const TRACE_STEPS = 200;

/** The trace as computed (T time steps, N neurons, row-major). */
export interface TraceData {
  av: Float32Array;
  angle: Float32Array;
  decoded_pv: Float32Array;
  decoded_argmax: Float32Array;
  /** T×N cosine output. */
  output: Float32Array;
  /** T×N bump (network state). */
  bump: Float32Array;
}

/** trace.arrow bytes: one row per time step. */
export function traceToIpc(trace: TraceData, n: number): Uint8Array {
  const t = trace.av.length;
  return tableBytes(
    [
      { name: 't', data: flat(new Int32(), Int32Array.from({ length: t }, (_, i) => i), t) },
      { name: 'av', data: flat(new Float32(), trace.av, t) },
      { name: 'angle', data: flat(new Float32(), trace.angle, t) },
      { name: 'decoded_pv', data: flat(new Float32(), trace.decoded_pv, t) },
      { name: 'decoded_argmax', data: flat(new Float32(), trace.decoded_argmax, t) },
      { name: 'output', data: fixedList(n, trace.output, t) },
      { name: 'bump', data: fixedList(n, trace.bump, t) },
    ],
    t,
  );
}

/** The trace as the figures read it. */
export interface Trace {
  t: number[];
  av: number[];
  angle: number[];
  decodedPv: number[];
  decodedArgmax: number[];
  /** output[t] and bump[t]: length-N rows. */
  output: Float32Array[];
  bump: Float32Array[];
}

/** Reads trace.arrow of an eval folder; `n` is the ring size the rows must have. */
export function readTrace(dir: string, n: number): Trace {
  const file = TRACE_FILE;
  const table = parseTable(dir, file, readRunBytes(dir, file, 'eval'), 'eval');
  if (table.numRows < 3) badRunFile(dir, file, 'fewer than 3 time steps', 'eval');
  return {
    t: numbers(dir, file, table, 't'),
    av: numbers(dir, file, table, 'av'),
    angle: numbers(dir, file, table, 'angle'),
    decodedPv: numbers(dir, file, table, 'decoded_pv'),
    decodedArgmax: numbers(dir, file, table, 'decoded_argmax'),
    output: listRows(dir, file, table, 'output', n),
    bump: listRows(dir, file, table, 'bump', n),
  };
}
