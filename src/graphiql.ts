// GraphiQL from the installed @graphql-yoga/render-graphiql, so it works with no network: yoga's own
// page loads its script, styles and editor workers from unpkg. That package inlines all of it into
// each page (9 MB of HTML per load); here the page is small and names same-origin files instead,
// which the browser caches.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphiQLOptions } from 'graphql-yoga';
import { escapeHtml, scriptJson } from './html.ts';

/** Where GraphiQL's files are served (outside /graphql, which yoga answers). */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

interface Asset {
  contentType: string;
  body: Buffer;
  etag: string;
}

// Monaco asks for each worker by this label.
const WORKERS = {
  editorWorkerService: 'editor.worker.js',
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
} as const;

let assets: Promise<Map<string, Asset>> | undefined;

// Loaded on the first request for the page: 9 MB that live mode (no GraphiQL) never needs.
function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const javascript = 'text/javascript; charset=utf-8';
    const files: [string, string, Buffer][] = [
      ['graphiql.js', javascript, Buffer.from(bundle.js)],
      ['graphiql.css', 'text/css; charset=utf-8', Buffer.from(bundle.css)],
      [WORKERS.editorWorkerService, javascript, Buffer.from(bundle.editorWorkerService)],
      [WORKERS.json, javascript, Buffer.from(bundle.jsonWorker)],
      [WORKERS.graphql, javascript, Buffer.from(bundle.graphqlWorker)],
      ['favicon.ico', 'image/x-icon', dataUrlBytes(bundle.favicon)],
    ];
    return new Map(
      files.map(([name, contentType, body]) => [
        name,
        {
          contentType,
          body,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        },
      ]),
    );
  });
  return assets;
}

function dataUrlBytes(url: string): Buffer {
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

/** Yoga's `renderGraphiQL`: the page, naming only files this server serves. */
export async function renderGraphiQLPage(options: GraphiQLOptions = {}): Promise<string> {
  await loadAssets();
  const at = (name: string) => `${GRAPHIQL_ASSETS_PATH}${name}`;
  const workerUrls = Object.fromEntries(
    Object.entries(WORKERS).map(([label, name]) => [label, at(name)]),
  );
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${at('favicon.ico')}" />
    <link rel="stylesheet" href="${at('graphiql.css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workerUrls = ${scriptJson(workerUrls)};
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (_moduleId, label) => workerUrls[label],
      };
    </script>
    <script src="${at('graphiql.js')}"></script>
    <script>
      const options = ${scriptJson(options)};
      // GraphiQL 5 opens the first tab with the variables it is handed, not that tab's own: on a
      // first visit (no tabs stored yet) hand it the first default tab's.
      try {
        if (options.defaultTabs && localStorage.getItem('graphiql:tabState') === null) {
          options.variables = options.defaultTabs[0].variables;
        }
      } catch {
        // No storage (a privacy setting): the tabs still open, the first one's variables empty.
      }
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), options);
    </script>
  </body>
</html>
`;
}

/** Serves GraphiQL's files; false for any other path. */
export async function serveGraphiQLAsset(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (!path.startsWith(GRAPHIQL_ASSETS_PATH)) return false;
  const asset = (await loadAssets()).get(path.slice(GRAPHIQL_ASSETS_PATH.length));
  if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  // Revalidated on each load, so a new package version is picked up at once; unchanged, it is a 304.
  const headers = {
    'content-type': asset.contentType,
    etag: asset.etag,
    'cache-control': 'no-cache',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
  return true;
}
