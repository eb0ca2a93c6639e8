import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { colourMap, exactColour, parseColour, symmetricDomain } from '../src/colour.js';
import { diagonalProfile, ringOffset } from '../src/figures/connectivity.js';
import { strideIndices } from '../src/figures/loss.js';
import { cellPixel, weightsLayout } from '../src/figures/weights.js';
import { FfmpegMissingError, resolveFfmpeg } from '../src/ffmpeg.js';
import { matrixPixels } from '../src/matrixImage.js';
import { ffmpegArgs } from '../src/movie.js';
import { resolveVizConfig } from '../src/vizConfig.js';
import { idealWeight } from './fixture.js';
import { tempDir } from './helpers.js';

describe('connectivity profile', () => {
  it('maps ring offsets into (−N/2, N/2]', () => {
    assert.deepEqual([0, 1, 5, 6, 7, 11, -1, 12].map((d) => ringOffset(d, 12)), [0, 1, 5, 6, -5, -1, -1, 0]);
  });
  it('recovers cos(2πd/N − shift) from a circulant cosine matrix', () => {
    const n = 16;
    const w = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = idealWeight('Wl', 2, n, i, j);
    const { offsets, mean } = diagonalProfile(w, n);
    assert.deepEqual(offsets, Array.from({ length: n }, (_, k) => k - n / 2 + 1));
    offsets.forEach((d, k) => assert.ok(Math.abs(mean[k] - Math.cos((2 * Math.PI * d) / n - Math.PI / 4)) < 1e-6));
  });
});

describe('colours', () => {
  it('the lookup table matches vega’s scheme within one step', () => {
    const cmap = colourMap('blueorange', [-2, 2], false);
    for (let v = -2.5; v <= 2.5; v += 0.0137) {
      const a = cmap.rgb(v);
      const b = exactColour('blueorange', [-2, 2], false, v);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(a[c] - b[c]) <= 2, `${v}: ${a} vs ${b}`);
    }
  });
  it('parses vega colour strings and builds symmetric domains', () => {
    assert.deepEqual(parseColour('rgb(1, 22, 255)'), [1, 22, 255]);
    assert.deepEqual(parseColour('#0a0b0c'), [10, 11, 12]);
    assert.deepEqual(symmetricDomain([[0.5, -3], [2]]), [-3, 3]);
    assert.deepEqual(symmetricDomain([[0, 0]]), [-1, 1]);
  });
  it('nearest-neighbour upscaling puts cell (i, j) where cellPixel says', () => {
    const n = 7;
    const layout = weightsLayout(1, 400);
    const values = Float32Array.from({ length: n * n }, (_, k) => (k % 2 ? 1 : -1) * (k / (n * n)));
    const cmap = colourMap('redblue', [-1, 1], true);
    const px = matrixPixels(values, n, n, cmap, layout.panel, layout.panel);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const { x, y } = cellPixel(layout, 0, n, i, j);
      const o = ((y - layout.padTop) * layout.panel + (x - layout.padLeft)) * 3;
      assert.deepEqual([px[o], px[o + 1], px[o + 2]], cmap.rgb(values[i * n + j]));
    }
  });
});

describe('config', () => {
  it('fills defaults, rejects unknown keys and bad values', () => {
    assert.deepEqual(resolveVizConfig({ fps: 24 }).fps, 24);
    assert.throws(() => resolveVizConfig({ font: 'x' }), /viz\.font: expected a known key \(one of/);
    assert.throws(() => resolveVizConfig({ width: 900.5 }), /viz\.width/);
    assert.throws(() => resolveVizConfig({ reverse_scheme: 'yes' }), /viz\.reverse_scheme/);
    assert.throws(() => resolveVizConfig({ scheme: 'nope' }), /viz\.scheme: expected a continuous vega colour scheme/);
    assert.throws(() => resolveVizConfig({ scheme: 'category10' }), /viz\.scheme/);
    assert.equal(resolveVizConfig({ scheme: 'blueorange' }).scheme, 'blueorange');
    assert.deepEqual(resolveVizConfig({ formats: ['gif', 'mp4', 'gif'] }).formats, ['gif', 'mp4']);
    assert.deepEqual(resolveVizConfig({ formats: [] }).formats, []);
    assert.throws(() => resolveVizConfig({ formats: ['webm'] }), /viz\.formats\[0\]: expected one of mp4, gif/);
  });
  it('the layout is even-sized and panels do not overlap', () => {
    for (const [k, w] of [[3, 960], [3, 800], [5, 960], [2, 401 + 1]]) {
      const l = weightsLayout(k, w);
      assert.equal(l.width % 2, 0);
      assert.equal(l.height % 2, 0);
      assert.equal(l.padLeft + k * l.panel + (k - 1) * l.spacing + l.padRight, l.width);
      assert.ok(l.padRight >= 100);
    }
  });
  it('strideIndices keeps first and last and at most max', () => {
    assert.deepEqual(strideIndices(5, 10), [0, 1, 2, 3, 4]);
    const s = strideIndices(101, 26);
    assert.equal(s.length, 26);
    assert.equal(s[0], 0);
    assert.equal(s[25], 100);
  });
});

describe('ffmpeg', () => {
  it('resolution: FFMPEG_PATH, then PATH when packaged binaries are skipped, else a clear error', async () => {
    const dir = tempDir('ffmpeg');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const fake = join(bin, 'ffmpeg');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    assert.deepEqual(await resolveFfmpeg({ env: { FFMPEG_PATH: fake } }), { path: fake, source: 'FFMPEG_PATH' });
    assert.deepEqual(await resolveFfmpeg({ env: { PATH: `/nonexistent:${bin}` }, packaged: false }), { path: fake, source: 'PATH' });
    await assert.rejects(resolveFfmpeg({ env: { PATH: '' }, packaged: false }), (e: Error) => e instanceof FfmpegMissingError && /set FFMPEG_PATH/.test(e.message));
    await assert.rejects(resolveFfmpeg({ env: { FFMPEG_PATH: join(dir, 'none') } }), /is not an executable file/);
    const found = await resolveFfmpeg({ env: { PATH: '' } });
    assert.equal(found.source, '@ffmpeg-installer/ffmpeg');
  });
  it('one ffmpeg process writes both movies', () => {
    const args = ffmpegArgs({ ffmpeg: 'ffmpeg', width: 10, height: 8, fps: 10, outputs: {} }, { mp4: 'a', gif: 'b' });
    assert.equal(args.filter((a) => a === '-i').length, 1);
    assert.ok(args.includes('libx264') && args.includes('yuv420p'));
    assert.match(args.join(' '), /palettegen.*paletteuse/);
    assert.equal(args.at(-1), 'b');
  });
});
