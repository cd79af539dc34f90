/**
 * Versions: every saved version with its time; a diff between any two in Monaco's diff editor;
 * deploy any of them (a rollback is deploying an older one). Versions are immutable on the server.
 */
import type { App, Panel } from '../app.js';
import type { Script, VersionInfo } from '../api.js';
import { ago, h, icon, replace, stamp, toast } from '../dom.js';
import { confirm } from './dialog.js';

export class VersionsPanel implements Panel {
  readonly id = 'versions';
  readonly label = 'Versions';
  readonly icon = 'history';
  readonly el: HTMLElement;
  readonly #list: HTMLElement;
  readonly #from: HTMLSelectElement;
  readonly #to: HTMLSelectElement;
  #script: Script | null = null;
  #versions: VersionInfo[] = [];
  #stale = true;

  constructor(readonly app: App) {
    this.#from = h('select', { class: 'field', id: 'diff-from', 'aria-label': 'Compare from version' });
    this.#to = h('select', { class: 'field', id: 'diff-to', 'aria-label': 'Compare to version' });
    this.#list = h('ol', { class: 'versions', id: 'versions', reversed: true });
    this.el = h(
      'div',
      { class: 'versions-panel' },
      h(
        'div',
        { class: 'run-bar compare' },
        h('span', { class: 'field-label' }, 'Compare'),
        this.#from,
        icon('arrow'),
        this.#to,
        h('button', { class: 'btn', id: 'show-diff', onclick: () => void this.diff(Number(this.#from.value), Number(this.#to.value)) }, icon('diff'), h('span', {}, 'Diff')),
      ),
      this.#list,
      h('p', { class: 'muted fine' }, 'Saving makes a new version and deploys it. Deploying an older version rolls back; nothing is lost.'),
    );
    app.on('updated', (s) => {
      if (s.id !== this.#script?.id) return;
      this.#script = s;
      this.#stale = true;
      if (!this.el.hidden) void this.load();
    });
  }

  scriptChanged(s: Script | null): void {
    this.#script = s;
    this.#versions = [];
    this.#stale = true;
    replace(this.#list);
    if (s && !this.el.hidden) void this.load();
  }

  shown(): void {
    if (this.#stale) void this.load();
  }

  async load(): Promise<void> {
    const s = this.#script;
    if (!s) return;
    this.#stale = false;
    try {
      this.#versions = (await this.app.api.listVersions(s.id)).sort((a, b) => b.version - a.version);
    } catch (err) {
      this.app.fail(err);
      return;
    }
    if (s !== this.#script) return;
    this.#render();
  }

  #render(): void {
    const s = this.#script!;
    const opts = (sel: HTMLSelectElement, pick: number) => replace(sel, this.#versions.map((v) => h('option', { value: v.version, selected: v.version === pick }, `v${v.version}${v.deployed ? ' (deployed)' : ''}`)));
    const latest = this.#versions[0]?.version ?? 1;
    opts(this.#from, this.#versions[1]?.version ?? latest);
    opts(this.#to, latest);
    replace(
      this.#list,
      this.#versions.map((v) =>
        h(
          'li',
          { class: `version${v.deployed ? ' deployed' : ''}`, 'data-version': v.version },
          h('span', { class: 'v-num' }, `v${v.version}`),
          h('span', { class: 'v-when' }, h('time', { datetime: v.createdAt, title: stamp(v.createdAt) }, ago(v.createdAt)), h('span', { class: 'muted fine' }, stamp(v.createdAt)), v.author ? h('span', { class: 'muted fine v-author', title: 'The API key that saved it' }, `by ${v.author}`) : null),
          h('span', { class: 'v-tags' }, v.deployed ? h('span', { class: 'tag tag-live' }, 'deployed') : null, v.version === latest ? h('span', { class: 'tag' }, 'latest') : null),
          h(
            'span',
            { class: 'v-actions' },
            v.version > 1 ? h('button', { class: 'btn btn-small btn-quiet', 'aria-label': `Diff v${v.version - 1} to v${v.version}`, onclick: () => void this.diff(v.version - 1, v.version) }, icon('diff'), h('span', {}, 'Changes')) : null,
            v.deployed
              ? null
              : h(
                  'button',
                  { class: 'btn btn-small', 'data-action': 'deploy', onclick: () => void this.deploy(v.version) },
                  icon(v.version < s.deployedVersion ? 'history' : 'rocket'),
                  h('span', {}, v.version < s.deployedVersion ? `Roll back to v${v.version}` : `Deploy v${v.version}`),
                ),
          ),
        ),
      ),
    );
  }

  async diff(from: number, to: number): Promise<void> {
    const s = this.#script;
    if (!s || !from || !to) return;
    try {
      const [a, b] = await Promise.all([this.app.api.getVersion(s.id, from), this.app.api.getVersion(s.id, to)]);
      this.app.editor.showDiff({ label: `v${from}`, code: a.code }, { label: `v${to}`, code: b.code });
    } catch (err) {
      this.app.fail(err);
    }
  }

  async deploy(version: number): Promise<void> {
    const s = this.#script;
    if (!s) return;
    const back = version < s.deployedVersion;
    const dirty = this.app.editor.isDirty(s.id);
    const ok = await confirm(
      back ? `Roll back ${s.name} to v${version}?` : `Deploy v${version} of ${s.name}?`,
      h('div', {}, h('p', {}, `v${version} runs from now on, for every call, form and run; v${s.deployedVersion} stays in the list.`), dirty ? h('p', { class: 'warn-text' }, 'The editor has unsaved changes; they stay in the editor and are not deployed.') : null),
      back ? `Roll back to v${version}` : `Deploy v${version}`,
    );
    if (!ok) return;
    try {
      const updated = await this.app.api.deploy(s.id, version);
      this.app.updated(updated);
      if (!dirty) await this.app.editor.open(await this.app.api.getScript(s.id));
      toast(`v${version} of ${s.name} is deployed`, 'ok');
    } catch (err) {
      this.app.fail(err);
    }
  }
}
