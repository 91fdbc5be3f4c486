import { createHash } from 'node:crypto';
import type { OpenApiDocument } from './document.ts';

type Schema = Record<string, unknown>;
type Json = Record<string, unknown>;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Backticks in the prose become <code>. */
const prose = (text: unknown) =>
  typeof text === 'string' ? escape(text).replace(/`([^`]+)`/g, '<code>$1</code>') : '';
const anchor = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '-');

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
section.op{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.put,.patch{color:#9a6700}.delete{color:#cf222e}
ul.f{list-style:none;padding-left:1rem;border-left:2px solid #eaeef2}
.req{color:#cf222e}.d{color:#57606a}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav li{margin:.1rem 0}
`;
/** The page's Content-Security-Policy: its own inline style (by hash), nothing else; no script at all. */
export const DOCS_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function typeOf(schema: Schema): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1)!;
    return `<a href="#schema-${anchor(name)}">${escape(name)}</a>`;
  }
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union) return union.map(typeOf).join(' | ');
  if ('const' in schema) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(' | ');
  if (schema.type === 'array') return `array of ${typeOf((schema.items as Schema | undefined) ?? {})}`;
  if (schema.type === undefined) return 'any JSON';
  const limits = ['format', 'minLength', 'maxLength', 'minimum', 'maximum', 'default']
    .filter((key) => key in schema)
    .map((key) => `${key} ${escape(JSON.stringify(schema[key]))}`);
  return `${escape(String(schema.type))}${limits.length > 0 ? ` <span class="d">(${limits.join(', ')})</span>` : ''}`;
}

function fields(schema: Schema): string {
  const target = schema.type === 'array' ? ((schema.items as Schema | undefined) ?? {}) : schema;
  const properties = target.properties as Record<string, Schema> | undefined;
  if (!properties) return '';
  const required = new Set((target.required as string[] | undefined) ?? []);
  const items = Object.entries(properties).map(
    ([name, property]) =>
      `<li><code>${escape(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''} ` +
      `${typeOf(property)} <span class="d">${prose(property.description)}</span>${fields(property)}</li>`,
  );
  return `<ul class="f">${items.join('')}</ul>`;
}

const schemaBlock = (schema: Schema | undefined) => (schema ? `${typeOf(schema)}${fields(schema)}` : '');

function parametersTable(parameters: Json[] | undefined): string {
  if (!parameters || parameters.length === 0) return '';
  const rows = parameters.map(
    (p) =>
      `<tr><td><code>${escape(String(p.name))}</code>${p.required ? ' <span class="req">required</span>' : ''}</td>` +
      `<td>${escape(String(p.in))}</td><td>${typeOf(p.schema as Schema)}</td><td>${prose(p.description)}</td></tr>`,
  );
  return `<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>${rows.join('')}</table>`;
}

function operationSection(path: string, method: string, operation: Json): string {
  const body = (operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  const responses = Object.entries(operation.responses as Record<string, Json>).map(([status, response]) => {
    const content = response.content as Record<string, Json> | undefined;
    const [mediaType, media] = Object.entries(content ?? {})[0] ?? [];
    const shape = mediaType === 'application/json' ? schemaBlock(media?.schema as Schema) : escape(mediaType ?? '');
    return `<li><b>${status}</b> ${prose(response.description)} ${shape}</li>`;
  });
  const secured = (operation.security as unknown[]).length > 0 ? ' · Bearer token' : '';
  return (
    `<section class="op" id="op-${anchor(String(operation.operationId))}"><h3><span class="m ${method}">${method}</span>` +
    `<code>${escape(path)}</code></h3><p>${prose(operation.summary)} <span class="d">(${escape(String(operation.operationId))}${secured})</span></p>` +
    `${operation.description ? `<p>${prose(operation.description)}</p>` : ''}` +
    parametersTable(operation.parameters as Json[] | undefined) +
    (body ? `<p><b>Body</b> ${schemaBlock(body['application/json']?.schema as Schema)}</p>` : '') +
    `<p><b>Responses</b></p><ul>${responses.join('')}</ul></section>`
  );
}

/** A plain HTML reference of the document: every operation by tag, then the schemas. No script, no CDN. */
export function renderDocsPage(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
  const byTag = document.tags.map(({ name }) => ({
    name,
    operations: operations.filter(({ operation }) => (operation.tags as string[])[0] === name),
  }));
  const nav = byTag
    .map(
      ({ name, operations: ops }) =>
        `<li>${escape(name)}<ul>${ops
          .map(
            ({ path, method, operation }) =>
              `<li><a href="#op-${anchor(String(operation.operationId))}">${method.toUpperCase()} ${escape(path)}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  const sections = byTag
    .map(
      ({ name, operations: ops }) =>
        `<h2>${escape(name)}</h2>${ops.map((o) => operationSection(o.path, o.method, o.operation)).join('')}`,
    )
    .join('');
  const schemas = Object.entries(document.components.schemas)
    .map(([name, schema]) => `<h3 id="schema-${anchor(name)}">${escape(name)}</h3>${schemaBlock(schema as Schema)}`)
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(document.info.title)}</title>` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>` +
    `<h1>${escape(document.info.title)} <small class="d">${escape(document.info.version)}</small></h1>` +
    `<p>${prose(document.info.description)}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${escape(document.openapi)}).</p>` +
    `<nav><ul>${nav}</ul></nav>${sections}<h2>Schemas</h2>${schemas}</body></html>`
  );
}
