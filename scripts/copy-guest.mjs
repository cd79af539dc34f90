// The guest code runs inside the isolate as plain JavaScript: ship it next to the compiled engine.
import fs from 'node:fs';
fs.mkdirSync('dist/engine/guest', { recursive: true });
for (const f of fs.readdirSync('src/engine/guest')) fs.copyFileSync(`src/engine/guest/${f}`, `dist/engine/guest/${f}`);
