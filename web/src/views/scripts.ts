/** Creating a script (from a template), renaming it or changing its type, deleting it. */
import type { App } from '../app.js';
import type { Script, ScriptType } from '../api.js';
import { h } from '../dom.js';
import { remembered } from '../storage.js';
import { TEMPLATES } from '../templates.js';
import { confirm, modal } from './dialog.js';

const TYPES: { type: ScriptType; about: string }[] = [
  { type: 'script', about: 'synchronous main(data): Class 4 routing, the fastest path' },
  { type: 'app', about: 'async main(data): modules, fetch, timers; forms, automations, voice' },
  { type: 'driver', about: 'exported functions called by name: DID providers, alerts' },
];

function typeSelect(value: ScriptType): HTMLSelectElement {
  return h('select', { class: 'field', name: 'type', id: 'script-type' }, TYPES.map((t) => h('option', { value: t.type, selected: t.type === value }, `${t.type} — ${t.about}`)));
}

export async function createScriptDialog(app: App): Promise<Script | null> {
  const name = h('input', { class: 'field', id: 'script-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off', autofocus: true, placeholder: 'e.g. strip-prefix' });
  const type = typeSelect('script');
  const templates = h(
    'div',
    { class: 'templates', role: 'radiogroup', 'aria-label': 'Start from' },
    TEMPLATES.map((t, i) =>
      h(
        'label',
        { class: 'template' },
        h('input', { type: 'radio', name: 'template', value: t.id, checked: i === 0, onchange: () => (type.value = t.type) }),
        h('span', { class: 'template-text' }, h('strong', {}, t.label), h('span', { class: 'muted' }, `${t.type} · ${t.about}`)),
      ),
    ),
  );
  let created: Script | null = null;
  await modal(
    'New script',
    h(
      'div',
      { class: 'form-grid' },
      h('label', { for: 'script-name' }, 'Name'),
      name,
      h('span', { class: 'field-label' }, 'Start from'),
      templates,
      h('label', { for: 'script-type' }, 'Type'),
      type,
    ),
    [
      { label: 'Cancel', value: 'cancel' },
      { label: 'Create', value: 'create', primary: true },
    ],
    {
      onSubmit: async () => {
        const t = TEMPLATES.find((x) => x.id === (templates.querySelector('input:checked') as HTMLInputElement).value) ?? TEMPLATES[0];
        if (!name.value.trim()) throw new Error('The script needs a name');
        created = await app.api.createScript({ name: name.value.trim(), type: type.value as ScriptType, code: t.code });
        remembered.setRunData(created.id, t.data);
        if (t.call) remembered.setRoutingData(created.id, t.call);
        return true;
      },
    },
  );
  return created;
}

export async function settingsDialog(app: App, s: Script): Promise<void> {
  const name = h('input', { class: 'field', id: 'script-name', name: 'name', required: true, maxlength: 200, value: s.name, autocomplete: 'off', autofocus: true });
  const type = typeSelect(s.type);
  await modal(
    'Script settings',
    h('div', { class: 'form-grid' }, h('label', { for: 'script-name' }, 'Name'), name, h('label', { for: 'script-type' }, 'Type'), type, h('span', {}), h('p', { class: 'muted fine' }, `Id ${s.id}. A new type is checked against the deployed code.`)),
    [
      { label: 'Cancel', value: 'cancel' },
      { label: 'Save', value: 'save', primary: true },
    ],
    {
      onSubmit: async () => {
        const changes: { name?: string; type?: ScriptType } = {};
        if (name.value.trim() !== s.name) changes.name = name.value.trim();
        if (type.value !== s.type) changes.type = type.value as ScriptType;
        if (Object.keys(changes).length) app.updated(await app.api.updateScript(s.id, changes));
        return true;
      },
    },
  );
}

export async function deleteScriptDialog(app: App, s: Script): Promise<void> {
  const ok = await confirm(
    `Delete ${s.name}?`,
    h('p', {}, 'The script and all its ', h('strong', {}, `${s.latestVersion} version${s.latestVersion === 1 ? '' : 's'}`), ' are deleted. Routing calls and forms that name it will fail.'),
    'Delete script',
    true,
  );
  if (ok) await app.remove(s).catch((e) => app.fail(e));
}
