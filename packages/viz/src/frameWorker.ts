/** Worker: renders movie frames (weights figure → SVG → RGBA) for the pool in movie.ts. */
import { parentPort } from 'node:worker_threads';
import { weightsSpec } from './figures/weights.js';
import { specToSvg, svgToRaster } from './render.js';
import type { FrameTask, FrameResult } from './framePool.js';

if (!parentPort) throw new Error('frameWorker must run in a worker thread');
const port = parentPort;

port.on('message', async (task: FrameTask) => {
  try {
    const svg = await specToSvg(await weightsSpec(task.figure, task.config));
    const r = svgToRaster(svg);
    const rgba = new Uint8Array(r.rgba.buffer, r.rgba.byteOffset, r.rgba.byteLength);
    const out: FrameResult = { index: task.index, width: r.width, height: r.height, rgba };
    port.postMessage(out, [rgba.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ index: task.index, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
