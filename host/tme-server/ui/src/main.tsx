// The Gatewarden dashboard: capture sampling, the API inventory with sensitive-data badges, one
// endpoint's learned schema, recent captures with verdicts, blocked attacks by category over time, the
// policy in force.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Capture, type EndpointDetail, type EndpointRow } from './api.ts';
import { AttackChart } from './attack-chart.tsx';
import { SamplingPanel } from './sampling-panel.tsx';
import { SchemaView } from './schema-view.tsx';

const REFRESH_MS = 2000;

function usePolled<T>(load: () => Promise<T | undefined>, deps: unknown[] = []): { data: T | undefined; error: string | undefined } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const tick = (): void => {
      load().then(
        (value) => live && (setData(value), setError(undefined)),
        (e: Error) => live && setError(e.message),
      );
    };
    tick();
    const timer = setInterval(tick, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, deps);
  return { data, error };
}

function Badges({ row }: { row: EndpointRow }) {
  const blocked = Object.values(row.blocked).reduce((a, b) => a + b, 0);
  return (
    <>
      {row.sensitive.map((c) => (
        <span class="badge" data-sensitive={c}>
          {c}
        </span>
      ))}
      {row.shadow && <span class="badge shadow">shadow</span>}
      {blocked > 0 && <span class="badge blocked">{blocked} blocked</span>}
      {Object.keys(row.drift).length > 0 && <span class="badge shadow">drift</span>}
    </>
  );
}

function Inventory({ selected, select }: { selected: string | undefined; select(id: string): void }) {
  const { data, error } = usePolled(api.endpoints);
  if (error) return <p class="muted">Inventory unavailable: {error}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  if (data.endpoints.length === 0) return <p class="muted">No traffic seen yet.</p>;
  return (
    <table id="endpoints">
      <thead>
        <tr>
          <th>Method</th>
          <th>Endpoint</th>
          <th>Calls</th>
          <th>p50 / p99 ms</th>
          <th>Clients</th>
          <th>Findings</th>
        </tr>
      </thead>
      <tbody>
        {data.endpoints.map((row) => (
          <tr
            key={row.id}
            class={`endpoint${row.id === selected ? ' selected' : ''}`}
            data-endpoint={`${row.method} ${row.template}`}
            onClick={() => select(row.id)}
          >
            <td class="method">{row.method}</td>
            <td>
              <span class="muted">{row.host}</span> <code>{row.template}</code>
            </td>
            <td>{row.count}</td>
            <td>
              {row.latencyMs.p50 ?? '–'} / {row.latencyMs.p99 ?? '–'}
            </td>
            <td>{row.clients}</td>
            <td>
              <Badges row={row} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ id }: { id: string }) {
  const { data } = usePolled<EndpointDetail>(() => api.endpoint(id), [id]);
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <div id="schema">
      <p>
        <span class="method">{data.method}</span> <code>{data.template}</code> <span class="muted">on {data.host}</span>
      </p>
      <SchemaView title="Path parameters" schema={data.pathParameters} />
      <SchemaView title="Query" schema={data.query} />
      <SchemaView title="Headers" schema={data.headers} />
      {data.requestBody && <SchemaView title="Request body" schema={data.requestBody} />}
      {Object.entries(data.responses).map(([status, schema]) => (
        <SchemaView title={`Response ${status}`} schema={schema} />
      ))}
    </div>
  );
}

function verdictOf(c: Capture): string {
  const action = c.attributes['gatewarden.verdict.action'];
  const category = c.attributes['gatewarden.verdict.category'];
  return action === undefined ? '' : `${String(action)}${category === undefined ? '' : ` ${String(category)}`}`;
}

function Captures({ captures }: { captures: Capture[] }) {
  return (
    <table id="captures">
      <thead>
        <tr>
          <th>Time</th>
          <th>Request</th>
          <th>Status</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {captures.slice(0, 25).map((c) => (
          <tr key={c.id}>
            <td class="muted">{c.received_at.slice(11, 19)}</td>
            <td>
              <span class="method">{String(c.attributes['http.request.method'])}</span> <code>{String(c.attributes['url.path'])}</code>
            </td>
            <td>{String(c.attributes['http.response.status_code'] ?? '–')}</td>
            <td>
              {verdictOf(c) && (
                <span class={`badge ${c.attributes['gatewarden.verdict.action'] === 'block' ? 'blocked' : 'ok'}`}>{verdictOf(c)}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Policy() {
  const { data, error } = usePolled(api.policy);
  if (error) return <p class="muted">{error}</p>;
  if (data === undefined) return <p class="muted">No policy set at the TME: the filters keep their configured policy.</p>;
  return <pre id="policy">{JSON.stringify(data, null, 2)}</pre>;
}

function App() {
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const captures = usePolled(api.captures);
  const list = captures.data?.captures ?? [];
  const sampling = usePolled(api.sampling);
  return (
    <>
      <header>
        <h1>Gatewarden</h1>
        <span class="stats">sampling · API inventory · captures · policy</span>
      </header>
      <main>
        <section class="wide">
          <h2>Capture sampling</h2>
          {sampling.error ? <p class="muted">Sampling unavailable: {sampling.error}</p> : <SamplingPanel data={sampling.data} />}
        </section>
        <section>
          <h2>Endpoints</h2>
          <Inventory selected={selected} select={setSelected} />
        </section>
        <section>
          <h2>Learned schema</h2>
          {selected ? <Detail id={selected} /> : <p class="muted">Select an endpoint.</p>}
        </section>
        <section>
          <h2>Blocked attacks by category</h2>
          <AttackChart captures={list} />
        </section>
        <section>
          <h2>Recent captures</h2>
          <Captures captures={list} />
        </section>
        <section class="wide">
          <h2>Policy in force</h2>
          <Policy />
        </section>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
