// examples/kamailio/kamailio.cfg in a real Kamailio, asking a real ScriptForge about every call:
// sipp is the caller and the carriers. Needs the Debian packages kamailio, kamailio-utils-modules,
// kamailio-extra-modules and sip-tester (.ci/run installs them). Without them the tests are skipped,
// except in CI (CI set), where that is a failure.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';
import {
  CARRIER_PORTS,
  PACKAGES,
  call,
  freeLoopback,
  missingPeers,
  startCarrier,
  startKamailio,
  stopAll,
  tmpDir,
  uriUser,
  type Kamailio,
  type Sipp,
} from './harness.js';

const missing = missingPeers();
const CLI = '441632960001';
const DEST = '447700900123';

if (missing && process.env.CI) {
  describe('Kamailio end to end', () => {
    it('has kamailio and sipp installed', () => {
      throw new Error(`CI is set, and the Kamailio end-to-end tests cannot run: ${missing}`);
    });
  });
} else if (missing) {
  console.warn(`[test/kamailio] skipped: ${missing}`);
  describe('Kamailio end to end', () => {
    it.skip(`needs ${PACKAGES}`, () => {});
  });
} else {
  describe('Kamailio end to end (examples/kamailio/kamailio.cfg, sipp caller and carriers)', () => {
    let t: TestServer;
    let acct: { id: string; key: string };
    const dirs: string[] = [];

    beforeAll(async () => {
      t = await startTestServer({ workers: 2 });
      acct = await t.account('switch-co');
    });
    afterEach(async () => {
      await stopAll();
    });
    afterAll(async () => {
      await stopAll();
      await t?.close();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    async function save(code: string, routing?: Record<string, unknown>): Promise<string> {
      const r = await t.call('POST', '/api/v1/scripts', acct.key, { name: 'routing', type: 'script', code, ...(routing ? { routing } : {}) });
      expect(r.status, r.text).toBe(201);
      return r.body.id as string;
    }

    /** A switch of its own on a fresh 127.0.0.x: kamailio with carriers A and B (sipp). */
    async function network(scriptId: string, answers: { a: 200 | 503; b: 200 | 503 }, opts: { sfUrl?: string } = {}) {
      const dir = tmpDir();
      dirs.push(dir);
      const ip = await freeLoopback();
      const a: Sipp = await startCarrier('carrier-a', dir, ip, CARRIER_PORTS.a, answers.a);
      const b: Sipp = await startCarrier('carrier-b', dir, ip, CARRIER_PORTS.b, answers.b);
      const kamailio: Kamailio = await startKamailio({
        ip, dir, sfUrl: opts.sfUrl ?? t.url, apiKey: acct.key, scriptId,
        carrierA: { ip, port: CARRIER_PORTS.a }, carrierB: { ip, port: CARRIER_PORTS.b },
      });
      const dial = (expected: number, headers?: string[]) => call({ dir, ip, kamailio, cli: CLI, dest: DEST, expect: expected, headers });
      /** The INVITE a carrier received (after its scenario ended), or undefined. */
      const invite = async (c: Sipp) => {
        await c.done();
        return c.messages().find((m) => m.direction === 'received' && m.first === 'INVITE');
      };
      /** The carrier got nothing at all. */
      const untouched = async (c: Sipp) => {
        await c.stop();
        expect(c.messages().filter((m) => m.direction === 'received').map((m) => m.first)).toEqual([]);
      };
      return { a, b, kamailio, dial, invite, untouched };
    }

    it('a DNC script: the caller gets 604 Number on DNC List and no carrier is called', async () => {
      const id = await save(`function main(data) {
        if (data.routing.dest_number === '${DEST}') throw new Error('604 Number on DNC List');
        return data;
      }`);
      const n = await network(id, { a: 200, b: 200 });
      const { final } = await n.dial(604);
      expect(final.text.split('\n')[0]).toBe('SIP/2.0 604 Number on DNC List');
      await n.untouched(n.a);
      await n.untouched(n.b);
    });

    it('a reject reason with a line break reaches the caller as one status line, never as a header', async () => {
      const id = await save(`function main(data) { throw new Error('604 Number on DNC List\\r\\nX-Injected: yes') }`);
      const n = await network(id, { a: 200, b: 200 });
      const { final } = await n.dial(604);
      expect(final.header('X-Injected')).toBeUndefined();
      expect(final.text.split('\n')[0]).toMatch(/^SIP\/2\.0 604 [^\r\n]*$/);
      await n.untouched(n.a);
    });

    it('a CLI script: the carrier sees the new From user; the caller still sees its own', async () => {
      const id = await save(`function main(data) {
        data.routing.cli = '441632960999';
        for (const r of data.routing.egress_routing) for (const g of Object.values(r.gw)) g.cli = '441632960999';
        return data;
      }`);
      const n = await network(id, { a: 200, b: 200 });
      const { final } = await n.dial(200);
      const inv = await n.invite(n.a);
      expect(inv, 'carrier A got no INVITE').toBeDefined();
      expect(uriUser(inv!.header('From'))).toBe('441632960999');
      expect(inv!.text.split('\n')[0]).toBe(`INVITE sip:${DEST}@${n.kamailio.ip}:${CARRIER_PORTS.a} SIP/2.0`);
      // uac restores the caller's From in what goes back to it, and in the BYE that reaches the carrier
      expect(uriUser(final.header('From'))).toBe(CLI);
      const bye = n.a.messages().find((m) => m.direction === 'received' && m.first === 'BYE');
      expect(uriUser(bye?.header('From'))).toBe('441632960999');
      await n.untouched(n.b);
    });

    it('a header script: the carrier receives the added headers, and not the removed one', async () => {
      const id = await save(`function main(data) {
        data.routing.headers.push({ key: 'X-Customer-ID', value: '1042' });
        data.routing.remove_headers.push({ key: 'X-Internal' });
        data.routing.egress_routing[0].headers.push({ key: 'X-Carrier-Route', value: data.routing.egress_routing[0].carrier });
        return data;
      }`);
      const n = await network(id, { a: 200, b: 200 });
      await n.dial(200, ['X-Internal: secret']);
      const inv = await n.invite(n.a);
      expect(inv, 'carrier A got no INVITE').toBeDefined();
      expect(inv!.header('X-Customer-ID')).toBe('1042');
      expect(inv!.header('X-Carrier-Route')).toBe('Carrier A');
      expect(inv!.header('X-Internal')).toBeUndefined();
      expect(uriUser(inv!.header('From'))).toBe(CLI);
      await n.untouched(n.b);
    });

    it('a script that never ends, onTimeout "480 Routing Timeout": the caller gets 480', async () => {
      const id = await save('function main(data) { while (true) {} }', { timeoutMs: 300, onTimeout: '480 Routing Timeout' });
      const n = await network(id, { a: 200, b: 200 });
      const t0 = Date.now();
      const { final } = await n.dial(480);
      expect(final.text.split('\n')[0]).toBe('SIP/2.0 480 Routing Timeout');
      expect(Date.now() - t0).toBeLessThan(3000);
      await n.untouched(n.a);
      await n.untouched(n.b);
    });

    it('a script that never ends, onTimeout "continue": the call goes through unchanged', async () => {
      const id = await save(`function main(data) {
        data.routing.cli = '440000000000';
        data.routing.headers.push({ key: 'X-Never', value: 'sent' });
        while (true) {}
      }`, { timeoutMs: 300, onTimeout: 'continue' });
      const n = await network(id, { a: 200, b: 200 });
      await n.dial(200, ['X-Internal: kept']);
      const inv = await n.invite(n.a);
      expect(inv, 'carrier A got no INVITE').toBeDefined();
      expect(uriUser(inv!.header('From'))).toBe(CLI);
      expect(inv!.header('X-Never')).toBeUndefined();
      expect(inv!.header('X-Internal')).toBe('kept');
      await n.untouched(n.b);
    });

    it('the first carrier answers 503: the call fails over to the second', async () => {
      const id = await save('function main(data) { return data }');
      const n = await network(id, { a: 503, b: 200 });
      await n.dial(200);
      const first = await n.invite(n.a);
      const second = await n.invite(n.b);
      expect(first, 'carrier A got no INVITE').toBeDefined();
      expect(second, 'carrier B got no INVITE').toBeDefined();
      expect(n.a.messages().filter((m) => m.direction === 'sent').map((m) => m.first)).toEqual(['503']);
      expect(second!.text.split('\n')[0]).toBe(`INVITE sip:${DEST}@${n.kamailio.ip}:${CARRIER_PORTS.b} SIP/2.0`);
      expect(n.b.messages().filter((m) => m.direction === 'received').map((m) => m.first)).toEqual(['INVITE', 'ACK', 'BYE']);
    });

    it('the routes are tried in the order the script returns them', async () => {
      const id = await save('function main(data) { data.routing.egress_routing.reverse(); return data }');
      const n = await network(id, { a: 200, b: 200 });
      await n.dial(200);
      expect(await n.invite(n.b), 'carrier B got no INVITE').toBeDefined();
      await n.untouched(n.a);
    });

    it('ScriptForge unreachable: the caller gets 503 and no carrier is called', async () => {
      const id = await save('function main(data) { return data }');
      const n = await network(id, { a: 200, b: 200 }, { sfUrl: 'http://127.0.0.1:9' });
      const { final } = await n.dial(503);
      expect(final.text.split('\n')[0]).toBe('SIP/2.0 503 Routing Unavailable');
      await n.untouched(n.a);
      await n.untouched(n.b);
    });
  });
}
