/**
 * The Class 5 call simulator's place (PRODUCT.md §8: start a simulated call, a keypad, hang up, the
 * timeline of ctx operations). The server has no Class 5 runtime yet (no call sessions, no
 * simulator backend), so this panel says so instead of pretending: nothing here calls the server.
 */
import type { App, Panel } from '../app.js';
import type { Script } from '../api.js';
import { h, icon } from '../dom.js';

export class CallPanel implements Panel {
  readonly id = 'call';
  readonly label = 'Call';
  readonly icon = 'phone';
  readonly badge = 'soon';
  readonly el: HTMLElement;

  constructor(readonly app: App) {
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
    this.el = h(
      'div',
      { class: 'call-panel' },
      h(
        'div',
        { class: 'notice', id: 'call-unavailable' },
        icon('alert'),
        h(
          'div',
          {},
          h('strong', {}, 'Call simulator: not available yet'),
          h('p', {}, 'Class 5 voice scripts (async function main(data, ctx)) need the server’s voice runtime, which is not built yet. When it is, this panel starts a simulated call, sends digits from the keypad, hangs up, and shows each ctx operation and event as it happens.'),
          h('p', {}, 'Meanwhile the editor already knows ctx: type ', h('code', {}, 'ctx.'), ' in a main(data, ctx) with type hints for every operation and its documentation.'),
        ),
      ),
      h(
        'div',
        { class: 'keypad disabled', 'aria-hidden': 'true' },
        keys.map((k) => h('span', { class: 'key' }, k)),
      ),
    );
  }

  scriptChanged(_s: Script | null): void {}
}
