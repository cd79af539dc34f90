/** sipp scenario pieces shared by the SIP suites (voice-sip, kamailio). */

/**
 * sipp answers the request it just received, without a body: the status line, then that request's
 * Via, From, To (with the answering side's tag when `tag`), Call-ID and CSeq (or `cseq` instead),
 * and its Record-Route when `recordRoute` (a dialog through a proxy).
 */
export function reply(status: string, o: { tag?: boolean; contact?: string; cseq?: string; recordRoute?: boolean } = {}): string {
  return `
  <send>
    <![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]${o.tag ? ';tag=[pid]SIPpTag01[call_number]' : ''}
[last_Call-ID:]
${o.cseq ?? '[last_CSeq:]'}
${o.recordRoute ? '[last_Record-Route:]\n' : ''}${o.contact ? `Contact: ${o.contact}\n` : ''}Content-Length: 0
    ]]>
  </send>`;
}
