/**
 * What the browser keeps: the API key for this tab's session only (sessionStorage: gone when the tab
 * closes, never in a URL), and per script the sample data and function name (localStorage).
 */
const KEY = 'scriptforge.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  setKey: (k: string) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

function get(name: string): string | null {
  try {
    return localStorage.getItem(`scriptforge.${name}`);
  } catch {
    return null;
  }
}
function set(name: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(`scriptforge.${name}`);
    else localStorage.setItem(`scriptforge.${name}`, value);
  } catch {
    /* storage full or disabled: the sample is simply not remembered */
  }
}

export const remembered = {
  runData: (scriptId: string) => get(`run.${scriptId}`),
  setRunData: (scriptId: string, json: string) => set(`run.${scriptId}`, json),
  fn: (scriptId: string) => get(`fn.${scriptId}`),
  setFn: (scriptId: string, fn: string) => set(`fn.${scriptId}`, fn),
  routingData: (scriptId: string) => get(`routing.${scriptId}`),
  setRoutingData: (scriptId: string, json: string) => set(`routing.${scriptId}`, json),
  vars: (scriptId: string) => get(`vars.${scriptId}`),
  setVars: (scriptId: string, toml: string) => set(`vars.${scriptId}`, toml),
  panel: () => get('panel'),
  setPanel: (p: string) => set('panel', p),
  panelWidth: () => get('panelWidth'),
  setPanelWidth: (pct: string) => set('panelWidth', pct),
  forget(scriptId: string) {
    for (const k of ['run', 'fn', 'routing', 'vars']) set(`${k}.${scriptId}`, null);
  },
};
