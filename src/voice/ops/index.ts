/** Every ctx operation by the name the guest's ctx.js calls it. */
import { answer } from './answer.js';
import { blockDtmf } from './block-dtmf.js';
import { bridge } from './bridge.js';
import { echo } from './echo.js';
import { events } from './events.js';
import { hangup } from './hangup.js';
import { header } from './header.js';
import { ivr } from './ivr.js';
import { log } from './log.js';
import type { Operation } from './operation.js';
import { play } from './play.js';
import { record } from './record.js';
import { reject } from './reject.js';
import { sendDtmf } from './send-dtmf.js';
import { set } from './set.js';
import { sleep } from './sleep.js';
import { transfer } from './transfer.js';
import { tts } from './tts.js';
import { waitDone, waitFor } from './wait-for.js';
import { waitForHangup } from './wait-for-hangup.js';

export type { CallState, EndHow, EndedBy, OpContext, Operation } from './operation.js';

export const OPERATIONS: ReadonlyMap<string, Operation<object>> = new Map<string, Operation<object>>([
  ['answer', answer], ['hangup', hangup], ['reject', reject],
  ['play', play], ['tts', tts], ['echo', echo], ['ivr', ivr], ['sendDtmf', sendDtmf],
  ['waitFor', waitFor], ['__waitDone', waitDone], ['__events', events],
  ['blockDtmf', blockDtmf], ['bridge', bridge], ['transfer', transfer], ['record', record],
  ['waitForHangup', waitForHangup], ['sleep', sleep],
  ['set', set], ['header', header], ['log', log],
]);
