/** safetensors files: read back by an independent parser written here, and every corruption rejected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { TENSOR_SHA256_KEY, decodeSafetensors, encodeSafetensors, loadSafetensors, readSafetensorsMetadata, saveSafetensors, type Weights } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ring-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tensors: Weights = {
  Wr: { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Math.PI]) },
  Wo: { shape: [2, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) },
  'gain_r_net.2.bias': { shape: [1], data: Float32Array.from([-7.25]) },
  empty: { shape: [0, 3], data: new Float32Array(0) },
};
const metadata = { step: '42', config: '{"num_neurons":2}' };

/** Independent reader: u64 LE length, JSON header, F32 little-endian data at the given offsets. */
function parseIndependently(bytes: Buffer): { header: Record<string, any>; values: Record<string, number[]> } {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const values: Record<string, number[]> = {};
  for (const [name, e] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const out: number[] = [];
    for (let p = 8 + n + e.data_offsets[0]; p < 8 + n + e.data_offsets[1]; p += 4) out.push(bytes.readFloatLE(p));
    values[name] = out;
  }
  return { header, values };
}

/** A file with a hand-written header and data, for the corruption cases. */
function craft(header: unknown, dataBytes: number, rawHeader?: string): Buffer {
  const json = Buffer.from(rawHeader ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

test('an independent parser reads what saveSafetensors wrote', async () => {
  const path = join(dir, 'a.safetensors');
  await saveSafetensors(path, tensors, metadata);
  const bytes = readFileSync(path);
  const { header, values } = parseIndependently(bytes);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  assert.deepEqual(header.__metadata__, { ...metadata, [TENSOR_SHA256_KEY]: header.__metadata__[TENSOR_SHA256_KEY] });
  // Each tensor's sha256, computed here from the bytes at its offsets.
  const digests = JSON.parse(header.__metadata__[TENSOR_SHA256_KEY]);
  const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
  for (const [name, e] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const own = createHash('sha256').update(bytes.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1])).digest('hex');
    assert.equal(digests[name], own, `sha256 of ${name}`);
  }
  assert.deepEqual(Object.keys(digests).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(header[name].dtype, 'F32');
    assert.deepEqual(header[name].shape, t.shape);
    assert.deepEqual(values[name], Array.from(t.data), name);
  }
  // Sorted names, contiguous offsets from 0.
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    assert.deepEqual(header[name].data_offsets, [offset, offset + 4 * tensors[name].data.length], name);
    offset += 4 * tensors[name].data.length;
  }
  assert.equal(bytes.length, 8 + Number(bytes.readBigUInt64LE(0)) + offset);
  assert.deepEqual(readdirSync(dir), ['a.safetensors'], 'no temp file left behind');
});

test('loadSafetensors round-trips tensors (bit for bit, -0 included) and metadata', async () => {
  const path = join(dir, 'b.safetensors');
  await saveSafetensors(path, tensors, metadata);
  const back = await loadSafetensors(path);
  const { [TENSOR_SHA256_KEY]: digests, ...rest } = back.metadata;
  assert.deepEqual(rest, metadata);
  assert.ok(digests);
  assert.deepEqual(readSafetensorsMetadata(path), back.metadata, 'the header alone gives the same metadata');
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name].shape, t.shape);
    assert.deepEqual(new Uint8Array(back.tensors[name].data.buffer), new Uint8Array(t.data.buffer), name);
  }
});

test('same tensors in any insertion order give the same bytes', () => {
  const reversed: Weights = Object.fromEntries(Object.entries(tensors).reverse());
  const meta2 = { config: metadata.config, step: metadata.step };
  assert.deepEqual(encodeSafetensors(reversed, meta2), encodeSafetensors(tensors, metadata));
});

test('corrupt files are rejected with a clear error', () => {
  const good = Buffer.from(encodeSafetensors(tensors, metadata));
  const entry = (begin: number, end: number, shape = [2], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
  const cases: [string, Buffer, RegExp][] = [
    ['empty file', Buffer.alloc(0), /shorter than the 8-byte header length/],
    ['truncated data', good.subarray(0, good.length - 4), /run past|cover/],
    ['truncated header', good.subarray(0, 20), /header length \d+ exceeds/],
    ['header length beyond the file', Buffer.concat([Buffer.from([255, 255, 255, 255, 255, 255, 255, 127]), Buffer.from('{}')]), /exceeds/],
    ['header not JSON', craft(null, 0, '{"a": '), /not JSON/],
    ['header a JSON array', craft([1, 2], 0), /not a JSON object/],
    ['unknown dtype', craft({ a: entry(0, 16, [2], 'F64') }, 16), /unsupported dtype "F64"/],
    ['size does not match shape', craft({ a: entry(0, 12, [2]) }, 12), /span 12 bytes, shape \[2\] needs 8/],
    ['offsets out of range', craft({ a: entry(8, 16) }, 8), /run past the 8 data bytes/],
    ['offsets reversed', craft({ a: entry(8, 0) }, 8), /end before they begin/],
    ['overlapping tensors', craft({ a: entry(0, 8), b: entry(4, 12) }, 12), /overlap/],
    ['a gap between tensors', craft({ a: entry(0, 8), b: entry(12, 20) }, 20), /gap/],
    ['trailing bytes after the tensors', craft({ a: entry(0, 8) }, 12), /cover 8 of the 12/],
    ['negative offset', craft({ a: entry(-8, 0) }, 8), /data_offsets .* is not \[begin, end\]/],
    ['bad shape', craft({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, 8), /shape \[2.5\]/],
    ['metadata not strings', craft({ __metadata__: { step: 3 } }, 0), /__metadata__.step is not a string/],
  ];
  for (const [what, bytes, pattern] of cases) {
    assert.throws(() => decodeSafetensors(bytes, 'x.safetensors'), (err: Error) => {
      assert.match(err.message, /^x\.safetensors: not a valid safetensors file: /, what);
      assert.match(err.message, pattern, `${what}: ${err.message}`);
      return true;
    }, what);
  }
});

test('loadSafetensors names the file in its errors', async () => {
  const path = join(dir, 'bad.safetensors');
  writeFileSync(path, Buffer.from([1, 2, 3]));
  await assert.rejects(loadSafetensors(path), (err: Error) => err.message.startsWith(`${path}: not a valid safetensors file`));
});

test('writing rejects tensors whose data does not match their shape', () => {
  assert.throws(() => encodeSafetensors({ a: { shape: [3], data: new Float32Array(2) } }), /tensor a: 2 values for shape \[3\]/);
});

/** `bytes` with the byte at `at` flipped. */
function flipped(bytes: Uint8Array, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] ^= 0x10;
  return out;
}

test('a flipped byte in any tensor is an error naming the file and that tensor', () => {
  const good = encodeSafetensors(tensors, metadata);
  const dataStart = 8 + Number(Buffer.from(good).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(good.subarray(8, dataStart)).toString());
  for (const name of Object.keys(tensors)) {
    const [begin, end] = header[name].data_offsets;
    if (end === begin) continue;
    assert.throws(
      () => decodeSafetensors(flipped(good, dataStart + end - 1), 'x.safetensors'),
      (err: Error) => err.message === `x.safetensors: not a valid safetensors file: tensor ${name}: its bytes do not match their sha256 in the metadata (the file is damaged)`,
      name,
    );
  }
});

test('recorded digests must name every tensor and only those; a file without them (another writer) loads', () => {
  const good = Buffer.from(encodeSafetensors({ a: { shape: [2], data: Float32Array.from([1, 2]) } }));
  const n = Number(good.readBigUInt64LE(0));
  const header = JSON.parse(good.subarray(8, 8 + n).toString());
  const data = good.subarray(8 + n);
  const withMeta = (meta: Record<string, string>): Buffer => craftWithData({ ...header, __metadata__: meta }, data);
  assert.throws(() => decodeSafetensors(withMeta({ [TENSOR_SHA256_KEY]: '{}' }), 'y'), /tensor a: no sha256 in __metadata__/);
  const digests = JSON.parse(header.__metadata__[TENSOR_SHA256_KEY]);
  assert.throws(() => decodeSafetensors(withMeta({ [TENSOR_SHA256_KEY]: JSON.stringify({ ...digests, b: digests.a }) }), 'y'), /names b, which is not a tensor/);
  assert.throws(() => decodeSafetensors(withMeta({ [TENSOR_SHA256_KEY]: '{' }), 'y'), /is not JSON/);
  const foreign = decodeSafetensors(withMeta({}), 'y');
  assert.deepEqual(Array.from(foreign.tensors.a.data), [1, 2]);
});

test('writing recomputes the digests: metadata passed on from a loaded file never describes other tensors', () => {
  const first = decodeSafetensors(encodeSafetensors({ a: { shape: [1], data: Float32Array.from([1]) } }));
  const again = decodeSafetensors(encodeSafetensors({ a: { shape: [1], data: Float32Array.from([2]) } }, first.metadata));
  assert.equal(again.tensors.a.data[0], 2);
  assert.notEqual(again.metadata[TENSOR_SHA256_KEY], first.metadata[TENSOR_SHA256_KEY]);
});

test('readSafetensorsMetadata names the file when the header is cut', () => {
  const path = join(dir, 'cut.safetensors');
  const good = encodeSafetensors(tensors, metadata);
  writeFileSync(path, good.subarray(0, 40));
  assert.throws(() => readSafetensorsMetadata(path), (err: Error) => err.message.startsWith(`${path}: not a valid safetensors file: header length`));
});

/** A file from a header object and data bytes (the header padded to 8 bytes). */
function craftWithData(header: unknown, data: Uint8Array): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), data]);
}
