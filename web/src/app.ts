/**
 * The signed-in IDE: the script list on the left, the editor in the middle, and the tool panels
 * (run, routing, versions, executions, call) beside it, or below it in a narrow window. The App owns
 * the state they share (the scripts, the selected one, each one's last run) and tells them when it
 * changes. The URL's hash names the script and the panel (#/scr_x/run), never the key.
 */
import { Api, ApiError, type ExecutionSummary, type Script } from './api.js';
import { h, icon, toast } from './dom.js';
import { remembered } from './storage.js';
import { EditorPane } from './views/editor.js';
import { Sidebar } from './views/sidebar.js';
import { RunPanel } from './views/run.js';
import { RoutingPanel } from './views/routing.js';
import { VersionsPanel } from './views/versions.js';
import { ExecutionsPanel } from './views/executions.js';
import { CallPanel } from './views/call.js';
import { createScriptDialog } from './views/scripts.js';

export interface Panel {
  readonly id: string;
  readonly label: string;
  readonly icon: string;
  readonly el: HTMLElement;
  /** A short note on the tab (e.g. "soon"). */
  readonly badge?: string;
  /** The selected script changed (null: none). */
  scriptChanged(s: Script | null): void;
  /** The panel became visible. */
  shown?(): void;
}

type Events = { scripts: []; script: [Script | null]; updated: [Script]; ran: [ExecutionSummary] };

export class App {
  readonly api: Api;
  scripts: Script[] = [];
  current: Script | null = null;
  /** Each script's latest execution (the list shows its outcome). */
  readonly lastRun = new Map<string, ExecutionSummary>();
  readonly editor: EditorPane;
  readonly sidebar: Sidebar;
  readonly panels: Panel[];
  #panel = 'run';
  #listeners: { [K in keyof Events]?: ((...a: Events[K]) => void)[] } = {};
  readonly root: HTMLElement;
  readonly #tabs: HTMLElement;

  constructor(root: HTMLElement, key: string, readonly signOut: () => void) {
    this.api = new Api(key);
    this.root = root;
    this.editor = new EditorPane(this);
    this.sidebar = new Sidebar(this);
    this.panels = [new RunPanel(this), new RoutingPanel(this), new VersionsPanel(this), new ExecutionsPanel(this), new CallPanel(this)];
    this.#panel = remembered.panel() ?? 'run';
    if (!this.panels.some((p) => p.id === this.#panel)) this.#panel = 'run';

    this.#tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Tools' });
    for (const p of this.panels) {
      const tab = h(
        'button',
        { class: 'tab', role: 'tab', id: `tab-${p.id}`, 'aria-controls': `panel-${p.id}`, 'data-panel': p.id, onclick: () => this.showPanel(p.id, true) },
        icon(p.icon),
        h('span', {}, p.label),
        p.badge ? h('span', { class: 'tab-badge' }, p.badge) : null,
      );
      this.#tabs.appendChild(tab);
      p.el.id = `panel-${p.id}`;
      p.el.setAttribute('role', 'tabpanel');
      p.el.setAttribute('aria-labelledby', `tab-${p.id}`);
      p.el.classList.add('tabpanel');
    }
    this.#tabs.addEventListener('keydown', (e) => this.#tabKeys(e));

    const menu = h('button', { class: 'icon-btn menu-btn', 'aria-label': 'Scripts', 'aria-expanded': 'false', onclick: () => this.toggleSidebar() }, icon('menu'));
    const masked = `${key.slice(0, 5)}…${key.slice(-4)}`;
    const splitter = h('div', { class: 'splitter', role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Resize the tool panel', tabindex: '0', 'aria-valuemin': '25', 'aria-valuemax': '70' });
    const widen = h('button', { class: 'icon-btn widen', 'aria-pressed': 'false', title: 'Widen the tool panel', 'aria-label': 'Widen the tool panel', onclick: () => this.#widen() }, icon('widen'));
    const panelArea = h('section', { class: 'panel-area', 'aria-label': 'Tools' }, h('div', { class: 'panel-head' }, this.#tabs, widen), this.panels.map((p) => p.el));
    root.replaceChildren(
      h('a', { class: 'skip', href: '#editor' }, 'Skip to the editor'),
      h(
        'div',
        { class: 'shell' },
        h(
          'header',
          { class: 'topbar' },
          menu,
          h('div', { class: 'brand' }, logo(), h('span', { class: 'brand-name' }, 'ScriptForge'), h('span', { class: 'brand-sub' }, 'IDE')),
          h('div', { class: 'topbar-space' }),
          h('a', { class: 'top-link', href: '/docs', target: '_blank', rel: 'noopener', 'aria-label': 'API docs (OpenAPI)' }, icon('book'), h('span', {}, 'API docs')),
          h('span', { class: 'who', title: 'The account key this tab is signed in with (kept for this tab only)' }, icon('key'), h('span', {}, masked)),
          h('button', { class: 'btn btn-quiet', 'aria-label': 'Sign out', onclick: () => this.signOut() }, icon('logout'), h('span', {}, 'Sign out')),
        ),
        this.sidebar.el,
        h('div', { class: 'scrim', 'aria-hidden': 'true', onclick: () => this.toggleSidebar(false) }),
        h('main', { class: 'workspace' }, this.editor.el, splitter, panelArea),
      ),
    );
    this.#splitter(splitter, root.querySelector('.workspace') as HTMLElement);
    this.sidebar.el.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('.script-item') && matchMedia('(max-width: 760px)').matches) this.toggleSidebar(false);
    });

    window.addEventListener('keydown', (e) => this.#shortcuts(e));
    window.addEventListener('hashchange', () => void this.#fromHash());
    window.addEventListener('beforeunload', (e) => {
      if (this.editor.anyDirty()) e.preventDefault();
    });
  }

  on<K extends keyof Events>(event: K, fn: (...a: Events[K]) => void): void {
    ((this.#listeners[event] ??= []) as ((...a: Events[K]) => void)[]).push(fn);
  }
  emit<K extends keyof Events>(event: K, ...a: Events[K]): void {
    for (const fn of (this.#listeners[event] ?? []) as ((...a: Events[K]) => void)[]) fn(...a);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.showPanel(this.#panel, false);
    await this.#fromHash();
  }

  /**
   * Reloads the script list and each script's last run, from the account's latest 500 executions
   * (a script with none among them shows "no recent run").
   */
  async refresh(): Promise<void> {
    const [scripts, runs] = await Promise.all([this.api.listScripts(), this.api.listExecutions({ limit: 500 }).catch(() => [] as ExecutionSummary[])]);
    this.scripts = scripts.sort((a, b) => a.name.localeCompare(b.name));
    this.lastRun.clear();
    for (const r of runs) if (!this.lastRun.has(r.scriptId)) this.lastRun.set(r.scriptId, r);
    this.emit('scripts');
  }

  async #fromHash(): Promise<void> {
    const [, id, panel] = /^#\/([\w-]+)(?:\/(\w+))?/.exec(location.hash) ?? [];
    if (panel && panel !== this.#panel && this.panels.some((p) => p.id === panel)) this.showPanel(panel, false);
    const target = this.scripts.find((s) => s.id === id) ?? (this.current ? null : this.scripts[0]);
    if (target && target.id !== this.current?.id) await this.select(target.id);
    else if (!target && !this.current) this.#setCurrent(null);
  }

  async select(id: string): Promise<void> {
    const s = this.scripts.find((x) => x.id === id);
    if (!s) return;
    try {
      const full = await this.api.getScript(id);
      await this.editor.open(full);
      this.#setCurrent(full);
    } catch (err) {
      this.fail(err);
    }
  }

  #setCurrent(s: Script | null): void {
    this.current = s;
    const hash = s ? `#/${s.id}/${this.#panel}` : '';
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname);
    if (!s) this.editor.empty();
    this.emit('script', s);
    for (const p of this.panels) p.scriptChanged(s);
  }

  /** A script changed on the server (saved, renamed, deployed): every view shows the new state. */
  updated(s: Script): void {
    const i = this.scripts.findIndex((x) => x.id === s.id);
    const { code: _code, ...meta } = s;
    if (i >= 0) this.scripts[i] = { ...this.scripts[i], ...meta };
    else this.scripts.push(meta);
    this.scripts.sort((a, b) => a.name.localeCompare(b.name));
    if (this.current?.id === s.id) this.current = { ...this.current, ...meta };
    this.emit('scripts');
    this.emit('updated', this.current?.id === s.id ? this.current : s);
  }

  /** A run finished (here, or seen in the executions list). */
  ran(e: ExecutionSummary): void {
    const prev = this.lastRun.get(e.scriptId);
    if (!prev || prev.startedAt <= e.startedAt) this.lastRun.set(e.scriptId, e);
    this.emit('ran', e);
    this.emit('scripts');
  }

  async create(): Promise<void> {
    const s = await createScriptDialog(this);
    if (!s) return;
    this.scripts.push(s);
    this.updated(s);
    await this.select(s.id);
    this.editor.focus();
  }

  async remove(s: Script): Promise<void> {
    await this.api.deleteScript(s.id);
    remembered.forget(s.id);
    this.editor.forget(s.id);
    this.scripts = this.scripts.filter((x) => x.id !== s.id);
    this.emit('scripts');
    toast(`Deleted ${s.name}`, 'ok');
    const next = this.scripts[0];
    if (next) await this.select(next.id);
    else this.#setCurrent(null);
  }

  showPanel(id: string, focus: boolean): void {
    this.#panel = id;
    remembered.setPanel(id);
    for (const p of this.panels) {
      const on = p.id === id;
      p.el.hidden = !on;
      const tab = this.#tabs.querySelector(`[data-panel="${p.id}"]`) as HTMLElement;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) {
        p.shown?.();
        if (focus) tab.focus();
      }
    }
    if (this.current) history.replaceState(null, '', `#/${this.current.id}/${id}`);
  }

  get panel(): string {
    return this.#panel;
  }

  toggleSidebar(open?: boolean): void {
    const on = open ?? !this.root.classList.contains('sidebar-open');
    this.root.classList.toggle('sidebar-open', on);
    this.root.querySelector('.menu-btn')?.setAttribute('aria-expanded', String(on));
    if (on) (this.sidebar.el.querySelector('input, button') as HTMLElement | null)?.focus();
  }

  /** Shows an API error where the user looks: a toast (and, for code, a marker on its line). */
  fail(err: unknown): void {
    if (err instanceof ApiError && err.status === 401) {
      toast('The key is no longer valid: sign in again', 'error');
      this.signOut();
      return;
    }
    toast(err instanceof Error ? err.message : String(err), 'error');
  }

  #tabKeys(e: KeyboardEvent): void {
    const ids = this.panels.map((p) => p.id);
    const i = ids.indexOf(this.#panel);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? ids.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    this.showPanel(ids[(next + ids.length) % ids.length], true);
  }

  #shortcuts(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 's') {
      e.preventDefault();
      void this.editor.save();
    } else if (mod && e.key === 'Enter') {
      e.preventDefault();
      if (this.#panel !== 'routing') this.showPanel('run', false);
      const p = this.panels.find((x) => x.id === this.#panel) as Panel & { run?: () => Promise<void> };
      void p.run?.();
    } else if (e.key === 'Escape' && this.root.classList.contains('sidebar-open')) {
      this.toggleSidebar(false);
      (this.root.querySelector('.menu-btn') as HTMLElement | null)?.focus();
    } else if (e.key === 'Escape' && this.editor.diffing) {
      this.editor.closeDiff();
    }
  }

  #setPct: (pct: number) => void = () => {};

  /** Gives the panel most of the width (side-by-side routing, long results), and back. */
  #widen(): void {
    const bar = this.root.querySelector('.splitter') as HTMLElement;
    const wide = Number(bar.getAttribute('aria-valuenow')) < 60;
    this.#setPct(wide ? 68 : 44);
  }

  #splitter(bar: HTMLElement, workspace: HTMLElement): void {
    const setPct = (pct: number) => {
      const v = Math.max(25, Math.min(70, pct));
      workspace.style.setProperty('--panel-pct', `${v}%`);
      bar.setAttribute('aria-valuenow', String(Math.round(v)));
      const btn = this.root.querySelector('.widen');
      btn?.setAttribute('aria-pressed', String(v >= 60));
      btn?.setAttribute('title', v >= 60 ? 'Narrow the tool panel' : 'Widen the tool panel');
      remembered.setPanelWidth(String(Math.round(v)));
    };
    this.#setPct = setPct;
    setPct(Number(remembered.panelWidth()) || 44);
    bar.addEventListener('pointerdown', (e) => {
      bar.setPointerCapture(e.pointerId);
      const rect = workspace.getBoundingClientRect();
      const move = (m: PointerEvent) => setPct(((rect.right - m.clientX) / rect.width) * 100);
      bar.addEventListener('pointermove', move);
      bar.addEventListener('pointerup', () => bar.removeEventListener('pointermove', move), { once: true });
    });
    bar.addEventListener('keydown', (e) => {
      const now = Number(bar.getAttribute('aria-valuenow'));
      if (e.key === 'ArrowLeft') setPct(now + 3);
      else if (e.key === 'ArrowRight') setPct(now - 3);
      else return;
      e.preventDefault();
    });
  }
}

export function logo(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('class', 'logo');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<rect width="32" height="32" rx="7" fill="#13202b"/><path d="M4 17h4l3-8 5 15 4-11 2 4h6" fill="none" stroke="#3ec1ad" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>';
  return svg;
}
