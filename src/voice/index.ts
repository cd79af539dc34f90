/**
 * Class 5 programmable voice (PRODUCT.md §6.2): `async function main(data, ctx)` in lockstep with a
 * call. The guest's ctx (src/engine/guest/ctx.js) sends each operation to the host; a CallSession
 * runs them one at a time against a CallBackend (one small file per operation in ops/) and keeps
 * the call's timeline. Backends: the simulator (a scripted caller, simulated time); the SIP user
 * agent with RTP media (./sip, its own front door: `import ... from './voice/sip/index.js'`).
 *
 * @example
 *   const call = new SimulatedCall({ audio: new AudioDir('data/audio'), caller: { dtmf: parseDigits('1@1500') } });
 *   const { ok, timeline, logs, error } = await runCall(engine, { code, backend: call, data: {} });
 */
export { runCall, DEFAULT_MAX_CALL_MS, END_GRACE_MS, type CallOutcome, type CallRunOptions } from './run.js';
export { CallSession, type SessionOptions } from './session.js';
export type {
  BackendEvent, BridgeResult, BridgeStatus, CallBackend, CallClock, IncomingCall, TransferResult, TtsOptions,
} from './backend.js';
export { AudioDir, STOCK_PROMPTS, audioPath, type AudioFiles, type AudioInfo } from './audio.js';
export { AudioFormatError, AudioNotFoundError, CallEnded, CallStateError, LockstepError } from './errors.js';
export { Timeline, MAX_TIMELINE_ENTRIES, type TimelineEntry } from './timeline.js';
export { encodeWav, readWavInfo, silenceWav, type WavInfo } from './media/wav.js';
export { speechMs, DEFAULT_WORDS_PER_MINUTE } from './media/speech.js';
export { DTMF_DIGITS, dtmfMs } from './media/dtmf.js';
export {
  SimulatedCall, parseDestination, parseDigits, type Destination, type ScriptedDigit, type SimulatedCaller, type SimulatorOptions,
} from './simulator/index.js';
export { SipUserAgent, SipCall, SpeechCache, ensureStockPrompts, parseListen, type UserAgentOptions } from './sip/index.js';
