/**
 * The API's readable docs page, rendered on the server from the OpenAPI document: every route with its summary,
 * role, parameters and body schema, a curl example each, and the error catalog. Plain HTML, no scripts.
 */
interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      { summary?: string; tags?: string[]; requestBody?: unknown; parameters?: { name: string; in: string }[] }
    >
  >;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A curl command line for a route (placeholders for path parameters). */
export function curlExample(method: string, path: string, body: unknown): string {
  const url = `http://127.0.0.1:8470${path.replace(/\{(\w+)\}/g, (_m, p: string) => `<${p}>`)}`;
  const parts = [`curl -s -X ${method.toUpperCase()} '${url}'`, `-H "Authorization: Bearer $DESKEX_KEY"`];
  if (body !== undefined) parts.push(`-H 'content-type: application/json'`, `-d '${JSON.stringify(body)}'`);
  return parts.join(' \\\n  ');
}

function exampleBody(schema: unknown): unknown {
  const s = schema as {
    type?: string;
    properties?: Record<string, unknown>;
    required?: string[];
    anyOf?: unknown[];
    const?: unknown;
    minimum?: number;
    examples?: unknown[];
  };
  if (s === undefined || s === null) return undefined;
  if (s.examples?.[0] !== undefined) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.anyOf !== undefined) return exampleBody(s.anyOf[0]);
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = exampleBody(s.properties?.[k]);
      return out;
    }
    case 'integer':
    case 'number':
      return s.minimum !== undefined && s.minimum > 0 ? s.minimum : 1;
    case 'string':
      return 'text';
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return undefined;
  }
}

export function docsPage(
  doc: OpenApiDoc,
  errors: { code: string; number: number; status: number; message: string }[],
): string {
  const rows: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) {
      const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;
      const example = body === undefined ? undefined : exampleBody(body);
      rows.push(
        `<section><h3><code>${method.toUpperCase()} ${esc(path)}</code></h3><p>${esc(op.summary ?? '')}</p>` +
          (body === undefined
            ? ''
            : `<details><summary>body schema</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>`) +
          `<pre>${esc(curlExample(method, path, example))}</pre></section>`,
      );
    }
  }
  const errRows = errors
    .map(
      (e) =>
        `<tr><td>${e.number}</td><td><code>${esc(e.code)}</code></td><td>${e.status}</td><td>${esc(e.message)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>deskex API</title>
<style>body{font:14px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:.6em;overflow:auto}
section{border-top:1px solid #ddd}td,th{padding:2px 8px;text-align:left}</style></head><body>
<h1>deskex API</h1>
<p>Authenticate with <code>Authorization: Bearer &lt;API key or session token&gt;</code>. Prices are integers in price units,
volumes integers, money integer minor units. Errors are <code>{ code, number, message, details? }</code>. The machine-readable
document is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>; the WebSocket API is described in docs/ws.md.</p>
${rows.join('\n')}
<h2>Error codes</h2><table><tr><th>number</th><th>code</th><th>HTTP</th><th>message</th></tr>${errRows}</table>
</body></html>`;
}
