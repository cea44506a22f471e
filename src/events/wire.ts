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

export function writeFrame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}
