/** Worker: renders movie frames (weights figure → SVG → RGBA) for the pool in framePool.ts. */
import { parentPort } from 'node:worker_threads';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { imageDataName, weightsSpec } from './figures/weights.js';
import { svgToRaster } from './render.js';
import type { FrameTask, FrameResult } from './framePool.js';

if (!parentPort) throw new Error('frameWorker must run in a worker thread');
const port = parentPort;

// Frames differ only in their images and title, so one View is compiled per worker and each
// frame just swaps those in: the same spec and renderer as a static PNG, without re-parsing.
let view: vega.View | undefined;
let viewKey = '';

async function render(task: FrameTask): Promise<FrameResult> {
  const spec = await weightsSpec(task.figure, task.config);
  const key = JSON.stringify({ names: task.figure.names, n: task.figure.n, domain: task.figure.domain, config: task.config });
  if (!view || key !== viewKey) {
    view?.finalize();
    view = new vega.View(vega.parse(vl.compile(spec as unknown as vl.TopLevelSpec).spec), { renderer: 'none' });
    viewKey = key;
  } else {
    const params = spec.params as { name: string; value: unknown }[];
    for (const p of params) if (p.name.startsWith('frame_')) view.signal(p.name, p.value);
    const datasets = spec.datasets as Record<string, unknown[]>;
    for (let m = 0; m < task.figure.names.length; m++) view.data(imageDataName(m), datasets[imageDataName(m)]);
  }
  await view.runAsync();
  const r = svgToRaster(await view.toSVG());
  const rgba = new Uint8Array(r.rgba.buffer, r.rgba.byteOffset, r.rgba.byteLength);
  return { index: task.index, width: r.width, height: r.height, rgba };
}

// Tasks run one after another: they share the View.
let queue: Promise<void> = Promise.resolve();
port.on('message', (task: FrameTask) => {
  queue = queue.then(async () => {
    try {
      const out = await render(task);
      port.postMessage(out, [out.rgba!.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ index: task.index, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
});
