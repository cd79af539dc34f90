/**
 * RFC 3261's timers over UDP, and the non-INVITE client transaction both dialogs use (BYE, REFER,
 * NOTIFY, INFO...): the request is sent at once and again after T1, 2·T1, 4·T1... at most T2
 * apart (§17.1.2.2), until its final response or `maxMs`.
 */
import type { SipMessage } from './message.js';

/** Round-trip estimate, and the longest interval between retransmissions. */
export const T1 = 500;
export const T2 = 4000;

/**
 * Sends with `send` until the final response to CSeq `seq` arrives through `waiting` (the dialog
 * calls the entry it finds there), or null after `maxMs`.
 */
export function nonInviteRequest(
  send: () => void,
  seq: number,
  waiting: Map<number, (m: SipMessage) => void>,
  maxMs: number,
): Promise<SipMessage | null> {
  return new Promise((resolve) => {
    let interval = T1;
    let timer: NodeJS.Timeout;
    const finish = (r: SipMessage | null) => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      waiting.delete(seq);
      resolve(r);
    };
    const giveUp = setTimeout(() => finish(null), maxMs);
    waiting.set(seq, finish);
    const again = () => {
      send();
      timer = setTimeout(again, interval);
      interval = Math.min(interval * 2, T2);
    };
    again();
  });
}
