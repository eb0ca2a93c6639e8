import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { cellPixel, weightsLayout } from '../src/figures/weights.js';
import { exactColour, symmetricDomain } from '../src/colour.js';
import { resolveFfmpeg } from '../src/ffmpeg.js';
import { specToPng } from '../src/render.js';
import { INLINE_LIBRARIES } from '../src/report.js';
import { DEFAULT_VIZ_CONFIG, type VizConfig } from '../src/vizConfig.js';
import { renderRun, type VizResult } from '../src/vizRun.js';
import { buildRunFixture, type Fixture } from './fixture.js';
import { countFrames, tempDir, videoStream } from './helpers.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The fixture's evaluation covers datasets tiny and long (test/fixture.ts). */
const FIGURES = [
  'weights_initial', 'weights_final', 'performance', 'loss', 'connectivity',
  'error_by_step_tiny', 'error_bins_tiny', 'error_by_step_long', 'error_bins_long', 'drift', 'gain',
];
const SPECS = [...FIGURES, 'weights_frame', 'weights_snapshots'];

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, 'PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('ring-viz on a small fixture run (N=24, 6 snapshots)', () => {
  let fixture: Fixture;
  let out: string;
  let result: VizResult;
  const config: VizConfig = { ...DEFAULT_VIZ_CONFIG, width: 800 };

  before(async () => {
    const root = tempDir('render');
    fixture = await buildRunFixture(root);
    out = join(root, 'viz');
    result = await renderRun({ runDir: fixture.trainDir, evalDir: fixture.evalDir, outDir: out, config, workers: 2, log: () => undefined });
  });

  it('writes every output and no temp files', () => {
    const files = readdirSync(out).sort();
    const expected = [
      ...FIGURES.map((f) => `${f}.png`),
      ...SPECS.map((f) => `${f}.vl.json`),
      'report.html',
      'weights_evolution.mp4',
      'weights_evolution.gif',
    ].sort();
    assert.deepEqual(files, expected);
    assert.equal(result.frames, fixture.steps.length);
  });

  it('PNGs have the signature and the layout dimensions', () => {
    const layout = weightsLayout(3, config.width);
    for (const name of ['weights_initial', 'weights_final']) {
      assert.deepEqual(pngSize(readFileSync(join(out, `${name}.png`))), { width: layout.width, height: layout.height }, name);
    }
    for (const name of ['performance', 'loss', 'connectivity']) {
      const { width, height } = pngSize(readFileSync(join(out, `${name}.png`)));
      assert.ok(width > 300 && height > 200, `${name} is ${width}x${height}`);
    }
  });

  it('matrix cells have the colour of their value on the shared diverging scale', async () => {
    const layout = weightsLayout(3, config.width);
    const n = fixture.n;
    for (const [file, s] of [['weights_initial.png', 0], ['weights_final.png', fixture.steps.length - 1]] as const) {
      const { data, info } = await sharp(join(out, file)).raw().toBuffer({ resolveWithObject: true });
      const mats = fixture.names.map((name) => fixture.matrices[name][s]);
      const domain = symmetricDomain(mats);
      let checked = 0;
      for (let m = 0; m < 3; m++) {
        for (const [i, j] of [[0, 0], [3, 17], [11, 5], [23, 23], [20, 2], [7, 9]]) {
          const value = mats[m][i * n + j];
          const want = exactColour('redblue', domain, true, value);
          const { x, y } = cellPixel(layout, m, n, i, j);
          const o = (y * info.width + x) * info.channels;
          const got = [data[o], data[o + 1], data[o + 2]];
          for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[c] - want[c]) <= 3, `${file} ${fixture.names[m]}[${i},${j}]=${value}: got ${got}, want ${want}`);
          checked++;
        }
      }
      assert.equal(checked, 18);
    }
  });

  it('reversed redblue puts negative weights in blue and positive in red', async () => {
    const { data, info } = await sharp(join(out, 'weights_final.png')).raw().toBuffer({ resolveWithObject: true });
    const layout = weightsLayout(3, config.width);
    // Final Wo = cos(2π(i − j)/N): +1 on the diagonal, −1 half a ring away.
    const px = (i: number, j: number) => {
      const { x, y } = cellPixel(layout, 0, fixture.n, i, j);
      const o = (y * info.width + x) * info.channels;
      return [data[o], data[o + 1], data[o + 2]];
    };
    const [r1, , b1] = px(5, 5);
    const [r2, , b2] = px(5, 17);
    assert.ok(r1 > b1 + 60, `diagonal should be red, got ${px(5, 5)}`);
    assert.ok(b2 > r2 + 60, `opposite should be blue, got ${px(5, 17)}`);
  });

  it('each PNG is exactly its .vl.json rendered', async () => {
    for (const name of ['loss', 'weights_final']) {
      const spec = JSON.parse(readFileSync(join(out, `${name}.vl.json`), 'utf8'));
      assert.ok(Buffer.from(await specToPng(spec)).equals(readFileSync(join(out, `${name}.png`))), name);
    }
  });

  it('MP4 (H.264, yuv420p, even size) and GIF have one frame per snapshot', async () => {
    const ffmpeg = (await resolveFfmpeg()).path;
    const layout = weightsLayout(3, config.width);
    assert.equal(countFrames(ffmpeg, join(out, 'weights_evolution.mp4')), fixture.steps.length);
    assert.equal(countFrames(ffmpeg, join(out, 'weights_evolution.gif')), fixture.steps.length);
    const stream = videoStream(ffmpeg, join(out, 'weights_evolution.mp4'));
    assert.match(stream, /^h264/);
    assert.match(stream, /yuv420p/);
    assert.match(stream, new RegExp(`${layout.width}x${layout.height}`));
    assert.equal(layout.width % 2, 0);
    assert.equal(layout.height % 2, 0);
  });

  it('report.html is valid HTML with every spec and the inline libraries, and nothing from the network', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const errors: string[] = [];
    const doc = parse(html, { onParseError: (e) => errors.push(e.code) });
    assert.deepEqual(errors, []);
    const elements: DefaultTreeAdapterMap['element'][] = [];
    const walk = (node: DefaultTreeAdapterMap['parentNode']): void => {
      for (const child of node.childNodes) {
        if ('tagName' in child) {
          elements.push(child);
          walk(child.tagName === 'template' ? (child as DefaultTreeAdapterMap['template']).content : child);
        }
      }
    };
    walk(doc);
    const attr = (el: DefaultTreeAdapterMap['element'], name: string) => el.attrs.find((a) => a.name === name)?.value;
    const text = (el: DefaultTreeAdapterMap['element']) => el.childNodes.map((c) => ('value' in c ? c.value : '')).join('');
    for (const el of elements) {
      for (const a of ['src', 'href']) {
        const v = attr(el, a);
        assert.ok(v === undefined || !/^(https?:)?\/\//i.test(v), `<${el.tagName} ${a}=${v}> loads from the network`);
      }
    }
    const scripts = elements.filter((e) => e.tagName === 'script');
    for (const lib of INLINE_LIBRARIES) {
      const el = scripts.find((s) => attr(s, 'data-lib') === lib.name);
      assert.ok(el, `${lib.name} inlined`);
      assert.ok(text(el).length > 50_000, `${lib.name} is the whole build`);
    }
    const embedded = new Map(scripts.filter((s) => attr(s, 'class') === 'vl-spec').map((s) => [attr(s, 'data-figure'), JSON.parse(text(s))]));
    for (const name of SPECS) {
      assert.deepEqual(embedded.get(name), JSON.parse(readFileSync(join(out, `${name}.vl.json`), 'utf8')), `${name} embedded`);
    }
    const slider = embedded.get('weights_snapshots');
    assert.equal(slider.params[0].bind.input, 'range');
    assert.equal(slider.params[0].bind.max, fixture.steps.length - 1);
    assert.match(html, /PV error °/);
    assert.match(html, /tiny \(trained on\)/);
    assert.match(html, /snapshot_every/);
  });
});

describe('ring-viz on a GRU baseline run', () => {
  it('draws its loss parts and evaluation; no weight pictures, trace or movies (it has none)', async () => {
    const root = tempDir('render-gru');
    const fixture = await buildRunFixture(root, { baseline: true, metricRows: 12, snapshots: 3 });
    const out = join(root, 'viz');
    const lines: string[] = [];
    const result = await renderRun({ runDir: fixture.trainDir, evalDir: fixture.evalDir, outDir: out, config: { ...DEFAULT_VIZ_CONFIG, width: 700 }, log: (l) => lines.push(l) });
    const figures = ['loss', 'error_by_step_tiny', 'error_bins_tiny', 'error_by_step_long', 'error_bins_long', 'drift', 'gain'];
    assert.deepEqual(readdirSync(out).sort(), [...figures.map((f) => `${f}.png`), ...figures.map((f) => `${f}.vl.json`), 'report.html'].sort());
    assert.equal(result.frames, 0);
    assert.ok(lines.some((l) => /^movies: none \(a gru model/.test(l)), lines.join('\n'));
    const loss = JSON.parse(readFileSync(join(out, 'loss.vl.json'), 'utf8'));
    assert.deepEqual(loss.vconcat[0].encoding.color.scale.domain, ['total', 'main', 'smooth']);
    const names = new Set(loss.vconcat[0].data.values.map((r: { loss: string }) => r.loss));
    assert.deepEqual([...names].sort(), ['main', 'smooth', 'total']);
  });
});

describe('movie frames', () => {
  it('a frame from the worker’s reused View equals a fresh render of that snapshot’s spec', async () => {
    const { renderFramesInOrder } = await import('../src/framePool.js');
    const { snapshotFigure } = await import('../src/frames.js');
    const { readSnapshots } = await import('@ring-attractor/train/formats');
    const { weightsSpec } = await import('../src/figures/weights.js');
    const { specToSvg, svgToRaster } = await import('../src/render.js');
    const dir = (await buildRunFixture(tempDir('frames'), { n: 10, snapshots: 4, metricRows: 6, traceLength: 10 })).trainDir;
    const snaps = readSnapshots(dir);
    const config: VizConfig = { ...DEFAULT_VIZ_CONFIG, width: 600 };
    const domain: [number, number] = [-1.5, 1.5];
    const frames: Buffer[] = [];
    for await (const f of renderFramesInOrder(4, (index) => ({ index, figure: snapshotFigure(snaps, index, 'T', domain), config }), 1)) {
      frames.push(Buffer.from(f.rgba));
    }
    assert.equal(frames.length, 4);
    for (const s of [0, 3]) {
      const fresh = svgToRaster(await specToSvg(await weightsSpec(snapshotFigure(snaps, s, 'T', domain), config)));
      assert.ok(fresh.rgba.equals(frames[s]), `frame ${s}`);
    }
    assert.ok(!frames[0].equals(frames[3]), 'frames differ');
  });
});
