/** Bundles the page into web/dist (index.html, app.js, app.css). */
export function buildWeb(): Promise<void>
/** Bundles the server into dist/server.js. */
export function buildServer(): Promise<void>
