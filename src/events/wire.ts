/** The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro binary body. */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export type WireFrame = { ok: true; schemaId: number; payload: Buffer } | { ok: false; error: string };

export function readFrame(bytes: Buffer): WireFrame {
  if (bytes.length < HEADER_BYTES) {
    return { ok: false, error: `message is ${bytes.length} bytes, shorter than the 5-byte Confluent wire-format header` };
  }
  if (bytes[0] !== MAGIC_BYTE) {
    return {
      ok: false,
      error: `message does not start with the Confluent magic byte 0 (found 0x${bytes[0]!.toString(16).padStart(2, '0')})`,
    };
  }
  return { ok: true, schemaId: bytes.readInt32BE(1), payload: bytes.subarray(HEADER_BYTES) };
}

/** Where frames are written before their copy of exact size; grown to the largest frame met. */
let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * A frame of `schemaId` whose body `writeBody` writes at `pos`, returning where it ended or, short of
 * room, minus the bytes it lacked (avsc's Type.encode). One pooled allocation per frame: a fresh
 * ArrayBuffer per message (avsc's toBuffer) made the collector run full collections of a large heap.
 */
export function encodeFrame(schemaId: number, writeBody: (buf: Buffer, pos: number) => number): Buffer {
  let end = writeBody(scratch, HEADER_BYTES);
  if (end < 0) {
    scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
    end = writeBody(scratch, HEADER_BYTES);
  }
  scratch[0] = MAGIC_BYTE;
  scratch.writeInt32BE(schemaId, 1);
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

export function writeFrame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}
