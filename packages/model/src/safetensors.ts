/**
 * The safetensors format, float32 only: an 8-byte little-endian u64 header length, a JSON header
 * `{name: {dtype: 'F32', shape, data_offsets: [begin, end]}, __metadata__: {string: string}}`,
 * then the raw little-endian data, offsets relative to the end of the header.
 * Writing sorts tensor names and pads the header with spaces to 8-byte alignment, so the same
 * tensors give the same bytes, and records the sha256 of every tensor's bytes in the metadata.
 * Reading checks every size and offset before trusting any of them, and every recorded digest.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@ring-attractor/common';
import type { Weights } from './init.js';

/** Tensors and string metadata, as stored in one safetensors file. */
export interface SafetensorsContent {
  tensors: Weights;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const METADATA_KEY = '__metadata__';

/**
 * The metadata key under which the writer records `{tensor name: sha256 of its little-endian bytes}`
 * (JSON). Files from other writers (PyTorch) lack it and load unverified.
 */
export const TENSOR_SHA256_KEY = 'ring_attractor.tensor_sha256';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises tensors and metadata to safetensors bytes (deterministic), with each tensor's digest under {@link TENSOR_SHA256_KEY}. */
export function encodeSafetensors(tensors: Weights, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  let size = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new Error(`safetensors: ${METADATA_KEY} is reserved and cannot name a tensor`);
    const { shape, data } = tensors[name];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`safetensors tensor ${name}: bad shape [${shape.join(', ')}]`);
    if (data.length !== elementCount(shape)) throw new Error(`safetensors tensor ${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    size += 4 * data.length;
  }
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  const digests: Record<string, string> = {};
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const begin = offset;
    for (const x of data) {
      view.setFloat32(offset, x, true);
      offset += 4;
    }
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [begin, offset] };
    digests[name] = sha256(body.subarray(begin, offset));
  }
  // The digests describe the tensors written now, whatever metadata the caller passed on.
  const meta: Record<string, string> = { ...metadata, [TENSOR_SHA256_KEY]: JSON.stringify(digests) };
  const sortedMeta: Record<string, string> = {};
  for (const key of Object.keys(meta).sort()) {
    if (typeof meta[key] !== 'string') throw new Error(`safetensors metadata ${key}: expected a string value (got ${typeof meta[key]})`);
    sortedMeta[key] = meta[key];
  }
  let json = JSON.stringify({ [METADATA_KEY]: sortedMeta, ...header });
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + size);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(body, 8 + headerBytes.length);
  return out;
}

function fail(path: string, why: string): never {
  throw new Error(`${path}: not a valid safetensors file: ${why}`);
}

function parseEntry(path: string, name: string, raw: unknown): HeaderEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(path, `tensor ${name}: header entry is not an object`);
  const e = raw as Record<string, unknown>;
  if (e.dtype !== 'F32') fail(path, `tensor ${name}: unsupported dtype ${JSON.stringify(e.dtype)} (only F32)`);
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(path, `tensor ${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  const off = e.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(path, `tensor ${name}: data_offsets ${JSON.stringify(off)} is not [begin, end]`);
  }
  return { dtype: 'F32', shape: shape as number[], data_offsets: [off[0], off[1]] };
}

/** The parsed JSON header: metadata and tensor entries, checked one by one (not yet against the data). */
function parseHeader(json: Uint8Array, source: string): { metadata: Record<string, string>; entries: [string, HeaderEntry][] } {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch (err) {
    fail(source, `header is not JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(source, 'header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: [string, HeaderEntry][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(source, `${METADATA_KEY} is not an object`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `${METADATA_KEY}.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push([name, parseEntry(source, name, raw)]);
  }
  return { metadata, entries };
}

/** The recorded digests, when the file has them: one hex sha256 for every tensor and no other name. */
function recordedDigests(metadata: Record<string, string>, names: readonly string[], source: string): Record<string, string> | undefined {
  const raw = metadata[TENSOR_SHA256_KEY];
  if (raw === undefined) return undefined;
  let digests: unknown;
  try {
    digests = JSON.parse(raw);
  } catch {
    fail(source, `${METADATA_KEY}.${TENSOR_SHA256_KEY} is not JSON`);
  }
  if (digests === null || typeof digests !== 'object' || Array.isArray(digests)) fail(source, `${METADATA_KEY}.${TENSOR_SHA256_KEY} is not an object`);
  const d = digests as Record<string, unknown>;
  for (const name of names) if (typeof d[name] !== 'string') fail(source, `tensor ${name}: no sha256 in ${METADATA_KEY}.${TENSOR_SHA256_KEY}`);
  for (const name of Object.keys(d)) if (!names.includes(name)) fail(source, `${METADATA_KEY}.${TENSOR_SHA256_KEY} names ${name}, which is not a tensor of the file`);
  return d as Record<string, string>;
}

/** Parses safetensors bytes; `source` names the input in errors. A recorded digest that does not match its tensor's bytes is an error naming the tensor. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsContent {
  if (bytes.length < 8) fail(source, `${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) fail(source, `header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it (truncated?)`);
  const dataStart = 8 + Number(headerLen);
  const { metadata, entries } = parseHeader(bytes.subarray(8, dataStart), source);
  const dataLen = bytes.length - dataStart;
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    if (end < begin) fail(source, `tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) fail(source, `tensor ${name}: data_offsets [${begin}, ${end}] run past the ${dataLen} data bytes (truncated?)`);
    const expected = 4 * elementCount(e.shape);
    if (end - begin !== expected) fail(source, `tensor ${name}: data_offsets span ${end - begin} bytes, shape [${e.shape.join(', ')}] needs ${expected}`);
  }
  // The data must be tiled exactly: no overlap (two tensors sharing bytes), no holes, nothing after.
  const byBegin = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let cursor = 0;
  for (const [name, e] of byBegin) {
    const [begin, end] = e.data_offsets;
    if (begin < cursor) fail(source, `tensor ${name}: data_offsets [${begin}, ${end}] overlap the previous tensor (which ends at ${cursor})`);
    if (begin > cursor) fail(source, `tensor ${name}: data_offsets [${begin}, ${end}] leave a gap after byte ${cursor}`);
    cursor = end;
  }
  if (cursor !== dataLen) fail(source, `tensors cover ${cursor} of the ${dataLen} data bytes`);
  const digests = recordedDigests(metadata, entries.map(([name]) => name), source);
  const tensors: Weights = {};
  for (const [name, e] of entries) {
    const base = dataStart + e.data_offsets[0];
    if (digests && sha256(bytes.subarray(base, dataStart + e.data_offsets[1])) !== digests[name]) {
      fail(source, `tensor ${name}: its bytes do not match their sha256 in the metadata (the file is damaged)`);
    }
    const n = elementCount(e.shape);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(base + 4 * i, true);
    tensors[name] = { shape: [...e.shape], data };
  }
  return { tensors, metadata };
}

/** Reads only the header's `__metadata__` of a safetensors file (no tensor data), checking the header as {@link decodeSafetensors} does. */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(8);
    const got = readSync(fd, prefix, 0, 8, 0);
    if (got < 8) fail(path, `${got} bytes, shorter than the 8-byte header length`);
    const headerLen = prefix.readBigUInt64LE(0);
    const size = BigInt(fstatSync(fd).size) - 8n;
    if (headerLen > size) fail(path, `header length ${headerLen} exceeds the ${size} bytes after it (truncated?)`);
    const json = Buffer.alloc(Number(headerLen));
    if (readSync(fd, json, 0, json.length, 8) !== json.length) fail(path, 'header cut short');
    return parseHeader(json, path).metadata;
  } finally {
    closeSync(fd);
  }
}

/** Writes a safetensors file atomically (temp file + rename). */
export async function saveSafetensors(path: string, tensors: Weights, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a safetensors file of F32 tensors. */
export async function loadSafetensors(path: string): Promise<SafetensorsContent> {
  return decodeSafetensors(await readFile(path), path);
}
