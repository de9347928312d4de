// A learned JSON Schema as an indented field list: name, type, format, enum, sensitive badges.
import type { JsonSchema } from './api.ts';

function typeText(s: JsonSchema): string {
  const type = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  if (type === 'array' && s.items) return `array of ${typeText(s.items)}`;
  return s.format ? `${type} (${s.format})` : type;
}

function Fields({ schema, depth }: { schema: JsonSchema; depth: number }) {
  const target = schema.type === 'array' && schema.items ? schema.items : schema;
  const properties = target.properties ?? {};
  // The server caps schema depth; this cap only keeps the page readable.
  if (depth > 8) return null;
  return (
    <div class={depth > 0 ? 'field' : ''}>
      {Object.entries(properties).map(([name, child]) => (
        <div key={name} data-field={name}>
          <code>{name}</code>
          {target.required?.includes(name) ? '' : <span class="muted">?</span>} <span class="muted">{typeText(child)}</span>
          {child.enum && <span class="muted"> one of {child.enum.join(', ')}</span>}{' '}
          {(child['x-gatewarden-sensitive'] ?? []).map((c) => (
            <span class="badge">{c}</span>
          ))}
          <Fields schema={child} depth={depth + 1} />
        </div>
      ))}
    </div>
  );
}

export function SchemaView({ title, schema }: { title: string; schema: JsonSchema }) {
  const target = schema.type === 'array' && schema.items ? schema.items : schema;
  if (!target.properties || Object.keys(target.properties).length === 0) {
    if (schema.type === undefined || schema.type === 'object') return null;
  }
  return (
    <div>
      <h3 style="font-size:13px;margin:10px 0 4px">
        {title} <span class="muted">{typeText(schema)}</span>
      </h3>
      <Fields schema={schema} depth={0} />
    </div>
  );
}
