import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/**
 * The server side of one WebSocket connection (RFC 6455), just what the kubelet's remotecommand streams need:
 * binary messages both ways, ping → pong, close. Node 24 has a WebSocket client but no server, and the agent needs
 * nothing more than this, so no dependency. Frames from the client are masked; ours are not (as the RFC requires).
 */
export class WebSocketServerConnection {
  readonly protocol: string;
  private readonly socket: Duplex;
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  onMessage: (data: Buffer) => void = () => {};
  onClose: () => void = () => {};

  private constructor(socket: Duplex, protocol: string) {
    this.socket = socket;
    this.protocol = protocol;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  /**
   * Completes the handshake of an upgrade request, choosing the first of `protocols` (our preference order) that
   * the client offers; undefined (and a 400 answer) when it is not a WebSocket request or no protocol matches.
   */
  static accept(
    req: IncomingMessage,
    socket: Duplex,
    protocols: readonly string[],
  ): WebSocketServerConnection | undefined {
    const key = req.headers['sec-websocket-key'];
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const protocol = protocols.find((p) => offered.includes(p));
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string' || !protocol) {
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n` +
          `the statecraft node agent serves exec over WebSocket with subprotocol ${protocols.join(' or ')}\n`,
      );
      return undefined;
    }
    const acceptKey = createHash('sha1').update(`${key}${GUID}`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
    return new WebSocketServerConnection(socket, protocol);
  }

  send(data: Buffer): void {
    this.frame(OP.binary, data);
  }

  /** Sends a close frame and ends the connection once it is written. */
  close(code = 1000): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.frame(OP.close, payload);
    this.socket.end();
    this.finish();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const n = payload.length;
    const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (n < 126) head[1] = n;
    else if (n < 65536) {
      head[1] = 126;
      head.writeUInt16BE(n, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const f = parseFrame(this.buffer);
      if (!f) return;
      this.buffer = this.buffer.subarray(f.size);
      if (f.opcode === OP.ping) this.frame(OP.pong, f.payload);
      else if (f.opcode === OP.close) {
        this.close();
        return;
      } else if (f.opcode === OP.binary || f.opcode === OP.text || f.opcode === OP.continuation) {
        this.fragments.push(f.payload);
        if (f.fin) {
          const message = Buffer.concat(this.fragments);
          this.fragments = [];
          this.onMessage(message);
        }
      }
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

/** One frame from the start of `buf`, or undefined when it is not complete yet. */
export function parseFrame(buf: Buffer): { fin: boolean; opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const fin = (buf[0] & 0x80) !== 0;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (masked) {
    const mask = buf.subarray(offset, offset + 4);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  }
  return { fin, opcode, payload, size: offset + maskLen + len };
}
