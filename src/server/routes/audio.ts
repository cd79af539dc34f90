/**
 * An account's audio files: uploads its voice scripts play as `user/NAME` (ctx.play('user/hello.wav'))
 * and the recordings its calls made (ctx.record(name)). Both are per account: files under
 * DATA/audio/user/<accountId>/ and DATA/recordings/<accountId>/; another account's key sees a 404.
 *
 *   PUT    /api/v1/audio/{name}       raw body (audio/wav): a PCM (8/16-bit), µ-law or A-law WAV, ≤ 10 MiB
 *   GET    /api/v1/audio              the account's uploads, with their lengths
 *   DELETE /api/v1/audio/{name}
 *   GET    /api/v1/recordings         the account's recordings
 *   GET    /api/v1/recordings/{name}  one recording (audio/wav); `name` with or without `.wav`
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AudioFormatError } from '../../voice/errors.js';
import { readWavInfo, type WavInfo } from '../../voice/media/wav.js';
import { readPcm8k } from '../../voice/sip/pcm.js';
import type { Auth } from '../auth.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { recordingsDir, userAudioDir } from '../sip.js';

/** Largest upload, bytes. */
export const MAX_AUDIO_BYTES = 10 * 1024 * 1024;
const AUDIO_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,59}\\.wav$';
const RECORDING_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const FORMATS: Record<number, string> = { 1: 'pcm', 6: 'alaw', 7: 'mulaw' };

function describe(name: string, file: string): { name: string; play: string; bytes: number; durationMs: number; format: string; sampleRate: number; channels: number; modifiedAt: string } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    let info: WavInfo | null = null;
    try {
      info = readWavInfo(fd, name);
    } catch {
      /* listed without its length */
    }
    return {
      name, play: `user/${name}`, bytes: st.size, durationMs: info?.durationMs ?? 0, format: info ? FORMATS[info.format] ?? String(info.format) : 'unknown',
      sampleRate: info?.sampleRate ?? 0, channels: info?.channels ?? 0, modifiedAt: st.mtime.toISOString(),
    };
  } finally {
    fs.closeSync(fd);
  }
}

export function audioRoutes(app: FastifyInstance, deps: { auth: Auth; dataDir: string }): void {
  const { auth, dataDir } = deps;
  const nameParams = { type: 'object', properties: { name: { type: 'string', pattern: AUDIO_NAME } } } as const;

  app.register(async (scope) => {
    // The body is the WAV itself, whatever content type the client says (audio/wav, audio/x-wav, octet-stream).
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_AUDIO_BYTES }, (_req, body, done) => done(null, body));
    scope.put<{ Params: { name: string }; Body: Buffer }>(
      '/api/v1/audio/:name',
      {
        preHandler: auth.requireAccount,
        bodyLimit: MAX_AUDIO_BYTES,
        schema: {
          tags: ['voice'],
          summary: "Upload a WAV (raw body, audio/wav) that the account's voice scripts play as user/NAME",
          description: 'PCM (8 or 16-bit), µ-law or A-law, any rate and channel count (played as 8 kHz mono); at most 10 MiB. Replaces a file of the same name.',
          params: nameParams,
        },
      },
      async (req, reply) => {
        const body = req.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('The body must be the WAV file (content-type audio/wav)', 'body');
        const dir = userAudioDir(dataDir, req.accountId);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, req.params.name);
        const tmp = `${file}.${process.pid}.${Date.now()}.upload`;
        fs.writeFileSync(tmp, body);
        try {
          // Decoded as a call would play it: what passes here plays on the SIP backend.
          const fd = fs.openSync(tmp, 'r');
          let info: WavInfo;
          try {
            info = readWavInfo(fd, `'${req.params.name}'`);
          } finally {
            fs.closeSync(fd);
          }
          if (!FORMATS[info.format]) throw new AudioFormatError(`'${req.params.name}' is not PCM, µ-law or A-law audio (WAV format ${info.format})`);
          if (info.channels < 1 || info.channels > 8 || info.sampleRate < 4000 || info.sampleRate > 192000) {
            throw new AudioFormatError(`'${req.params.name}' has ${info.channels} channels at ${info.sampleRate} Hz: 1-8 channels, 4-192 kHz`);
          }
          readPcm8k(tmp, `'${req.params.name}'`);
          fs.renameSync(tmp, file);
        } catch (err) {
          fs.rmSync(tmp, { force: true });
          if (err instanceof AudioFormatError) throw new HttpError(400, 'INVALID_AUDIO', err.message, { field: 'body' });
          throw err;
        }
        return reply.code(201).send(describe(req.params.name, file));
      },
    );
  });

  app.get('/api/v1/audio', { preHandler: auth.requireAccount, schema: { tags: ['voice'], summary: "The account's uploaded audio (play each as user/NAME)" } }, async (req) => {
    const dir = userAudioDir(dataDir, req.accountId);
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => new RegExp(AUDIO_NAME).test(n)).sort();
    } catch {
      /* nothing uploaded yet */
    }
    return names.map((n) => describe(n, path.join(dir, n))).filter((x) => x !== null);
  });

  app.delete<{ Params: { name: string } }>(
    '/api/v1/audio/:name',
    { preHandler: auth.requireAccount, schema: { tags: ['voice'], summary: 'Delete an uploaded audio file', params: nameParams } },
    async (req, reply) => {
      try {
        fs.unlinkSync(path.join(userAudioDir(dataDir, req.accountId), req.params.name));
      } catch {
        throw notFound('audio file', req.params.name);
      }
      return reply.code(204).send();
    },
  );

  app.get('/api/v1/recordings', { preHandler: auth.requireAccount, schema: { tags: ['voice'], summary: "The account's call recordings (ctx.record(name))" } }, async (req) => {
    const dir = recordingsDir(dataDir, req.accountId);
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.wav')).sort();
    } catch {
      /* none yet */
    }
    return names.map((n) => {
      const d = describe(n, path.join(dir, n));
      return d && { name: d.name, bytes: d.bytes, durationMs: d.durationMs, modifiedAt: d.modifiedAt };
    }).filter((x) => x !== null);
  });

  app.get<{ Params: { name: string } }>(
    '/api/v1/recordings/:name',
    {
      preHandler: auth.requireAccount,
      schema: { tags: ['voice'], summary: 'Download a recording (audio/wav)', params: { type: 'object', properties: { name: { type: 'string', pattern: RECORDING_NAME } } } },
    },
    async (req, reply) => {
      const name = req.params.name.endsWith('.wav') ? req.params.name : `${req.params.name}.wav`;
      if (name.includes('..')) throw notFound('recording', req.params.name);
      const file = path.join(recordingsDir(dataDir, req.accountId), name);
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        throw notFound('recording', req.params.name);
      }
      if (!st.isFile()) throw notFound('recording', req.params.name);
      return reply
        .type('audio/wav')
        .header('content-length', st.size)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(fs.createReadStream(file));
    },
  );
}
