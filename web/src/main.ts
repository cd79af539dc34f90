/** The IDE's entry: sign in (or reuse this tab's key), then the App. */
import './monaco.js';
import '../styles/app.css';
import { App } from './app.js';
import { session } from './storage.js';
import { signIn } from './views/signin.js';

const root = document.getElementById('app')!;

function signOut(notice?: string): void {
  session.clear();
  history.replaceState(null, '', location.pathname + location.hash);
  signIn(root, (key) => {
    session.setKey(key);
    void start(key);
  }, notice);
}

async function start(key: string): Promise<void> {
  const app = new App(root, key, () => {
    session.clear();
    location.reload();
  });
  try {
    await app.start();
  } catch (err) {
    signOut((err as Error).message);
  }
}

const key = session.key();
if (key) void start(key);
else signOut();
