/** Module shapes esbuild provides (scripts/build-web.mjs). */
declare module '*?raw' {
  const text: string;
  export default text;
}
declare module '*.css';
