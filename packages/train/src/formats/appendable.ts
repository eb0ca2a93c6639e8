/**
 * Arrow IPC files built one record batch at a time, in exactly the layout apache-arrow's own file
 * writer (`tableToIPC(table, 'file')`) gives the same batches: the magic `ARROW1\0\0`, each batch's
 * message, an end-of-stream marker, the footer (schema and where each batch is), its length, the
 * magic. While a run trains, a file is the magic and the batches so far; a checkpoint records how
 * far it is valid (a {@link FileMark}); the footer is written once, when the run ends. Nothing is
 * held in memory or rewritten, and a resumed run cuts each file back to its checkpoint's mark.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { Message, MessageHeader, MetadataVersion, RecordBatch, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
// The writer's own parts (batch assembly, message headers, footer) are not in apache-arrow's index:
// appendable.test.ts holds what they give equal, byte for byte, to tableToIPC's files.
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';
import { VectorAssembler } from 'apache-arrow/visitor/vectorassembler';

const MAGIC = Buffer.from('ARROW1');
/** The magic and its padding to 8 bytes: the first bytes of every Arrow IPC file. */
const FILE_START = Buffer.from('ARROW1\0\0');
/** The stream's end-of-stream marker, which the file writer puts before the footer. */
const EOS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** Bytes after the footer: its int32 length and the magic. */
const TAIL = 4 + MAGIC.length;

/** How far an appended file is valid: its length in bytes, the rows in it, and (if kept) the sha256 of those bytes. */
export interface FileMark {
  bytes: number;
  rows: number;
  sha256?: string;
}

const int32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset + at, 4).getInt32(0, true);

/** The IPC message of one record batch, as the file writer lays it out, and its block (header and body lengths). */
function batchMessage(batch: RecordBatch): { bytes: Uint8Array; metaDataLength: number; bodyLength: number } {
  // What RecordBatchWriter._writeRecordBatch writes (uncompressed), without a writer and its schema
  // message per batch, which cost ten times the batch itself.
  const { byteLength, nodes, bufferRegions, buffers, variadicBufferCounts } = VectorAssembler.assemble(batch);
  const header = new RecordBatchHeader(batch.numRows, nodes, bufferRegions, null, variadicBufferCounts, batch.metadata);
  const flatbuffer = Message.encode(Message.from(header, byteLength));
  const metaDataLength = (8 + flatbuffer.byteLength + 7) & ~7;
  const bytes = new Uint8Array(metaDataLength + byteLength);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, metaDataLength - 8, true);
  bytes.set(flatbuffer, 8);
  buffers.forEach((b, i) => bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), metaDataLength + Number(bufferRegions[i].offset)));
  return { bytes, metaDataLength, bodyLength: byteLength };
}

/** The schema's IPC message (what a stream starts with), to decode single batches read from a file. */
function schemaMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  return stream.subarray(0, stream.length - EOS.length);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readExactly(fd: number, length: number, position: number): Buffer | undefined {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) return undefined;
    done += n;
  }
  return buf;
}

/** What an appended file's first `mark.bytes` bytes hold, found by walking its messages. */
export interface ScannedFile {
  blocks: FileBlock[];
  /** Rows of each block. */
  rows: number[];
  /** The running sha256 of the first `mark.bytes` bytes, when the mark records one. */
  hash?: Hash;
}

/**
 * Checks, without changing it, that the file at `path` holds at least `mark.bytes` bytes that are the
 * magic then whole record-batch messages with `mark.rows` rows in all (and the recorded sha256);
 * `bad(why)` throws the caller's one-line error for anything else.
 */
export function scanAppended(path: string, mark: FileMark, bad: (why: string) => never): ScannedFile {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    bad('missing');
  }
  if (size < mark.bytes) bad(`shorter than at the checkpoint (${size} of ${mark.bytes} bytes)`);
  const fd = openSync(path, 'r');
  try {
    const start = readExactly(fd, FILE_START.length, 0);
    if (!start || !start.equals(FILE_START)) bad('not an Arrow IPC file (no ARROW1 magic)');
    const blocks: FileBlock[] = [];
    const rows: number[] = [];
    let pos = FILE_START.length;
    while (pos < mark.bytes) {
      const prefix = pos + 8 <= mark.bytes ? readExactly(fd, 8, pos) : undefined;
      if (!prefix || int32(prefix, 0) !== -1) bad(`damaged: no record batch at byte ${pos}`);
      const metaLen = int32(prefix, 4);
      if (metaLen <= 0 || pos + 8 + metaLen > mark.bytes) bad(`damaged: the record batch at byte ${pos} has a bad header length`);
      let message: Message;
      let numRows: number;
      try {
        message = Message.decode(readExactly(fd, metaLen, pos + 8)!);
        if (message.headerType !== MessageHeader.RecordBatch) throw new Error('not a record batch');
        numRows = Number((message.header() as { length: number }).length);
      } catch {
        bad(`damaged: the message at byte ${pos} is not a record batch`);
      }
      const body = message.bodyLength;
      if (!Number.isSafeInteger(body) || body < 0 || pos + 8 + metaLen + body > mark.bytes || !Number.isSafeInteger(numRows) || numRows < 0) {
        bad(`damaged: the record batch at byte ${pos} runs past the checkpoint's mark`);
      }
      blocks.push(new FileBlock(8 + metaLen, body, pos));
      rows.push(numRows);
      pos += 8 + metaLen + body;
    }
    const total = rows.reduce((a, b) => a + b, 0);
    if (total !== mark.rows) bad(`${total} rows where the checkpoint recorded ${mark.rows}`);
    const hash = mark.sha256 === undefined ? undefined : hashPrefix(fd, mark.bytes);
    if (hash && hash.copy().digest('hex') !== mark.sha256) bad('damaged: its bytes do not match the sha256 the checkpoint recorded');
    return { blocks, rows, hash };
  } finally {
    closeSync(fd);
  }
}

/** The running sha256 of a file's first `bytes` bytes, read in bounded chunks. */
function hashPrefix(fd: number, bytes: number): Hash {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  for (let pos = 0; pos < bytes; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, bytes - pos), pos);
    if (n === 0) break;
    hash.update(chunk.subarray(0, n));
    pos += n;
  }
  return hash;
}

/** Reads the record batches of `blocks` one at a time (each decoded on its own, so memory holds one batch). */
export function* readBlocks(path: string, schema: Schema, blocks: readonly FileBlock[]): Generator<RecordBatch> {
  const head = schemaMessage(schema);
  const fd = openSync(path, 'r');
  try {
    for (const b of blocks) {
      const body = readExactly(fd, b.metaDataLength + Number(b.bodyLength), Number(b.offset));
      if (!body) throw new Error(`${path}: cut short at byte ${b.offset}`);
      const table = tableFromIPC(Buffer.concat([head, body, EOS]));
      yield* table.batches;
    }
  } finally {
    closeSync(fd);
  }
}

/** A file being written one record batch at a time. */
export class ArrowAppender {
  private constructor(
    private readonly fd: number,
    private readonly schema: Schema,
    private pos: number,
    private rows: number,
    private readonly blocks: FileBlock[],
    private readonly hash: Hash | undefined,
  ) {}

  /** Starts a new file at `path` (replacing any), for batches of `schema`; `digest` keeps a running sha256 for its marks. */
  static create(path: string, schema: Schema, digest: boolean): ArrowAppender {
    const fd = openSync(path, 'w');
    writeAll(fd, FILE_START, 0);
    const hash = digest ? createHash('sha256').update(FILE_START) : undefined;
    return new ArrowAppender(fd, schema, FILE_START.length, 0, [], hash);
  }

  /** Continues the file at `path` from `mark` (checked by {@link scanAppended} into `scanned`): cuts off everything after it. */
  static reopen(path: string, schema: Schema, mark: FileMark, scanned: ScannedFile): ArrowAppender {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, mark.bytes);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new ArrowAppender(fd, schema, mark.bytes, mark.rows, [...scanned.blocks], scanned.hash?.copy());
  }

  /** Appends one record batch of the file's schema. */
  append(batch: RecordBatch): void {
    const m = batchMessage(batch);
    writeAll(this.fd, m.bytes, this.pos);
    this.hash?.update(m.bytes);
    this.blocks.push(new FileBlock(m.metaDataLength, m.bodyLength, this.pos));
    this.pos += m.bytes.length;
    this.rows += batch.numRows;
  }

  /** Flushes the file to the disk and says how far it is valid. */
  mark(): FileMark {
    fsyncSync(this.fd);
    return { bytes: this.pos, rows: this.rows, ...(this.hash ? { sha256: this.hash.copy().digest('hex') } : {}) };
  }

  /** Writes the end-of-stream marker and the footer (the file becomes a complete Arrow IPC file), flushes and closes it. */
  finish(): void {
    const footer = Footer.encode(new Footer(this.schema, MetadataVersion.V5, this.blocks, []));
    const length = Buffer.alloc(4);
    length.writeInt32LE(footer.byteLength);
    const tail = Buffer.concat([EOS, footer, length, MAGIC]);
    writeAll(this.fd, tail, this.pos);
    fsyncSync(this.fd);
    this.close();
  }

  /** Closes the file as it is (a stopped run: no footer). */
  close(): void {
    closeSync(this.fd);
  }
}

/** A complete Arrow IPC file's schema (with its metadata) and blocks, read from its footer; `bad(why)` throws the caller's error. */
export function readFooter(path: string, bad: (why: string) => never): { schema: Schema; blocks: FileBlock[] } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = readExactly(fd, FILE_START.length, 0);
    const tail = size >= FILE_START.length + EOS.length + TAIL ? readExactly(fd, TAIL, size - TAIL) : undefined;
    if (!start || !start.subarray(0, MAGIC.length).equals(MAGIC) || !tail || !tail.subarray(4).equals(MAGIC)) bad('truncated or not an Arrow IPC file');
    const length = int32(tail, 0);
    if (length <= 0 || length > size - TAIL - FILE_START.length) bad('truncated or not an Arrow IPC file');
    try {
      const footer = Footer.decode(readExactly(fd, length, size - TAIL - length)!);
      return { schema: footer.schema, blocks: [...footer.recordBatches()] };
    } catch {
      bad('truncated or not an Arrow IPC file (its footer is damaged)');
    }
  } finally {
    closeSync(fd);
  }
}
