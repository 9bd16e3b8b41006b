import { open, stat } from 'node:fs/promises';
import { IrsaError } from '../errors.js';
import { API_VERSION, KIND } from './keys.js';
import { shownPath } from './problems.js';
import type { ConfigSource } from './types.js';

/** A ClusterConfig is a few kilobytes: anything this large is the wrong file, refused before it is parsed. */
export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

const configError = (path: string, what: string, fix: string, cause?: unknown) =>
  new IrsaError('CONFIG', `${shownPath(path)}: ${what} — ${fix}`, cause === undefined ? {} : { cause });

/** Also what the parser says of a text handed to it directly (tests, stdin already read). */
export const tooLargeError = (path: string): IrsaError =>
  configError(path, 'is larger than 5 MB', 'a ClusterConfig is a few kilobytes; check that this is the right file');
export const emptyFileError = (path: string): IrsaError =>
  configError(path, 'is empty', `write a ClusterConfig (apiVersion: ${API_VERSION}, kind: ${KIND}, metadata, iam)`);

/**
 * Reads a ClusterConfig from a path or '-' (stdin). Every failure is an IrsaError
 * CONFIG naming the path. The 5 MB cap is enforced while reading, so a huge file
 * or an endless pipe is refused without being held in memory.
 */
export async function readConfigSource(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<ConfigSource> {
  const text = path === '-' ? await readStream(stdin) : await readFile(path);
  if (text.trim() === '') throw emptyFileError(path);
  return { path, text };
}

async function readFile(path: string): Promise<string> {
  if (path === '') throw configError(path, 'no file name given', 'pass -f <file>, or -f - to read from stdin');
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw configError(path, 'is a directory', 'pass the path of a ClusterConfig YAML file');
    if (info.size > MAX_CONFIG_BYTES) throw tooLargeError(path);
    const handle = await open(path, 'r');
    try {
      // Read at most one byte past the cap: the file may have grown since stat, or be a FIFO.
      const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > MAX_CONFIG_BYTES) throw tooLargeError(path);
      }
      return buffer.toString('utf8', 0, length);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof IrsaError) throw err;
    throw fsError(path, err);
  }
}

function fsError(path: string, err: unknown): IrsaError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  switch (code) {
    case 'ENOENT':
      return configError(path, 'no such file', 'check the path passed to -f', err);
    case 'EACCES':
    case 'EPERM':
      return configError(path, 'cannot be read (permission denied)', 'fix the file permissions or run as a user who can read it', err);
    case 'EISDIR':
      return configError(path, 'is a directory', 'pass the path of a ClusterConfig YAML file', err);
    case 'ENOTDIR':
      return configError(path, 'no such file (a parent is not a directory)', 'check the path passed to -f', err);
    default:
      return configError(path, `cannot be read (${code || String(err)})`, 'check the path passed to -f', err);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    length += buf.length;
    if (length > MAX_CONFIG_BYTES) throw tooLargeError('-');
    chunks.push(buf);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}
