/**
 * The safetensors format, float32 only: an 8-byte little-endian u64 header length, a JSON header
 * `{name: {dtype: 'F32', shape, data_offsets: [begin, end]}, __metadata__: {string: string}}`,
 * then the raw little-endian data, offsets relative to the end of the header.
 * Writing sorts tensor names and pads the header with spaces to 8-byte alignment, so the same
 * tensors give the same bytes. Reading checks every size and offset before trusting any of them.
 */
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

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises tensors and metadata to safetensors bytes (deterministic). */
export function encodeSafetensors(tensors: Weights, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  const sortedMeta: Record<string, string> = {};
  for (const key of Object.keys(metadata).sort()) {
    if (typeof metadata[key] !== 'string') throw new Error(`safetensors metadata ${key}: expected a string value (got ${typeof metadata[key]})`);
    sortedMeta[key] = metadata[key];
  }
  header[METADATA_KEY] = sortedMeta;
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new Error(`safetensors: ${METADATA_KEY} is reserved and cannot name a tensor`);
    const { shape, data } = tensors[name];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`safetensors tensor ${name}: bad shape [${shape.join(', ')}]`);
    if (data.length !== elementCount(shape)) throw new Error(`safetensors tensor ${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + 4 * data.length] };
    offset += 4 * data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    for (const x of tensors[name].data) {
      view.setFloat32(pos, x, true);
      pos += 4;
    }
  }
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

/** Parses safetensors bytes; `source` names the input in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsContent {
  if (bytes.length < 8) fail(source, `${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) fail(source, `header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it (truncated?)`);
  const dataStart = 8 + Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, dataStart)).toString('utf8'));
  } catch (err) {
    fail(source, `header is not JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(source, 'header is not a JSON object');
  const dataLen = bytes.length - dataStart;
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
  const tensors: Weights = {};
  for (const [name, e] of entries) {
    const n = elementCount(e.shape);
    const data = new Float32Array(n);
    const base = dataStart + e.data_offsets[0];
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(base + 4 * i, true);
    tensors[name] = { shape: [...e.shape], data };
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (temp file + rename). */
export async function saveSafetensors(path: string, tensors: Weights, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a safetensors file of F32 tensors. */
export async function loadSafetensors(path: string): Promise<SafetensorsContent> {
  return decodeSafetensors(await readFile(path), path);
}
