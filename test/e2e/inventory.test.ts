// The API inventory learned from real traffic: requests through Envoy and the compiled filter, reports
// to the real TME, and /v1/apis read back: templates, schemas, sensitive classes, the OpenAPI document
// (checked by an OpenAPI 3.1 validator), shadow/unused/drift against a loaded spec, and persistence.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const TOKEN = "inventory-admin-token-0123456789";
const EMAIL = "ada.lovelace@example.org";
const CARD = "4111 1111 1111 1111";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

// What the operator documented: users (with a body schema and a typed query parameter), and an old
// endpoint nobody calls any more. /internal/debug is not documented.
const SPEC = {
  openapi: "3.1.0",
  info: { title: "shop", version: "1" },
  paths: {
    "/api/users": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["name", "email"],
                properties: { name: { type: "string" }, email: { type: "string" }, age: { type: "integer" } },
              },
            },
          },
        },
        responses: { "200": { description: "ok" } },
      },
    },
    "/api/users/{id}": { get: { responses: { "200": { description: "ok" } } } },
    "/api/users/{id}/orders/{orderId}": {
      get: {
        parameters: [{ name: "limit", in: "query", schema: { type: "integer" } }],
        responses: { "200": { description: "ok" } },
      },
    },
    "/api/legacy": { get: { responses: { "200": { description: "ok" } } } },
  },
};

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    tmeEnv: {
      TME_ADMIN_TOKEN: TOKEN,
      TME_API_TEMPLATES: "/api/files/{fileName}",
      TME_API_UNUSED_AFTER_MS: "2000",
      TME_API_SNAPSHOT_INTERVAL_MS: "200",
    },
    pluginConfig: {
      ...FAST_REPORTS,
      enforcement: { refreshInterval: 0, holdHeadersForBody: true },
      policy: { detection: { action: "block" } },
    },
  });
});
after(async () => {
  await stack?.stop();
});

function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(stack.tme!.url + path, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
}

async function json<T = any>(path: string): Promise<T> {
  const res = await admin(path);
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface Row {
  id: string;
  host: string;
  method: string;
  template: string;
  count: number;
  sensitive: string[];
  shadow: boolean;
  blocked: Record<string, number>;
  drift: Record<string, number>;
}

async function endpoints(query = ""): Promise<Row[]> {
  return (await json<{ endpoints: Row[] }>(`/v1/apis${query}`)).endpoints;
}

function find(rows: Row[], method: string, template: string): Row {
  const row = rows.find((r) => r.method === method && r.template === template);
  assert.ok(row, `no ${method} ${template} in ${rows.map((r) => `${r.method} ${r.template}`).join(", ")}`);
  return row;
}

const postJson = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

test("the inventory learns endpoints, schemas and sensitive classes from traffic", async () => {
  assert.equal((await admin("/v1/apis/specs", { method: "PUT", body: JSON.stringify(SPEC) })).status, 200);
  const sent: Promise<unknown>[] = [];
  for (let i = 1; i <= 12; i++) sent.push(stack.send(`/api/users/${i * 7}`));
  for (let i = 0; i < 4; i++) sent.push(stack.send(`/api/users/${randomUUID()}/orders/${100 + i}?limit=${i + 1}`));
  for (let i = 0; i < 12; i++) {
    sent.push(
      stack.send(
        "/api/users",
        postJson({
          name: `user${i}`,
          email: EMAIL,
          age: 30 + i,
          plan: i % 2 ? "pro" : "free",
          card: CARD,
          address: { city: "Paris", zip: "75001" },
          tags: ["a", "b"],
          created: "2024-05-01T10:00:00Z",
        }),
      ),
    );
  }
  sent.push(stack.send("/api/login", postJson({ username: "ada", password: "hunter2hunter2", assertion: JWT })));
  sent.push(stack.send("/api/files/report.pdf"), stack.send("/api/files/summary.csv"));
  sent.push(stack.send("/internal/debug"));
  await Promise.all(sent);
  // Drift against the spec: a wrong type and a missing required field in a body, an unknown parameter.
  await stack.send("/api/users", postJson({ email: EMAIL, age: "thirty" }));
  await stack.send(`/api/users/${randomUUID()}/orders/9?limit=2&debug=1`);
  const blocked = await stack.send("/api/search?q=1'%20OR%20'1'='1");
  assert.equal(blocked.response.status, 403);

  const rows = await waitFor("the inventory to see every request", async () => {
    const r = await endpoints();
    const total = r.reduce((n, e) => n + e.count, 0);
    return total >= 35 ? r : undefined;
  });
  assert.equal(find(rows, "GET", "/api/users/{userId}").count, 12);
  assert.equal(find(rows, "GET", "/api/users/{userId}/orders/{orderId}").count, 5);
  assert.equal(find(rows, "GET", "/api/files/{fileName}").count, 2, "a pinned template wins");
  assert.equal(
    rows.filter((r) => r.template.startsWith("/api/users/") && !r.template.includes("{")).length,
    0,
    "no id became a literal endpoint",
  );

  const users = find(rows, "POST", "/api/users");
  assert.deepEqual(users.sensitive, ["card", "email"]);
  assert.deepEqual(find(rows, "POST", "/api/login").sensitive.sort(), ["jwt", "secret"]);
  assert.deepEqual(
    (await endpoints("?sensitive=card")).map((r) => `${r.method} ${r.template}`),
    ["POST /api/users"],
  );

  const detail = await json(`/v1/apis/${users.id}`);
  const body = detail.requestBody;
  assert.equal(body.type, "object");
  assert.deepEqual(body.properties.email, { type: "string", format: "email", "x-gatewarden-sensitive": ["email"] });
  assert.deepEqual(body.properties.card["x-gatewarden-sensitive"], ["card"]);
  // Twelve integers and the drifting request's "thirty".
  assert.deepEqual(body.properties.age.type, ["integer", "string"]);
  assert.equal(body.properties.created.format, "date-time");
  assert.deepEqual(body.properties.plan.enum, ["free", "pro"]);
  assert.deepEqual(body.properties.tags.items.type, "string");
  assert.equal(body.properties.address.properties.city.type, "string");
  // In all 13 bodies vs in 12 of them (the drifting one has no address): under the 95% bar.
  assert.ok(body.required.includes("email") && !body.required.includes("address"), JSON.stringify(body.required));
  assert.equal(detail.responses["200"].type, "object", "the echoed response's schema is learned");

  const search = find(rows, "GET", "/api/search");
  assert.equal(search.blocked.sqli, 1, JSON.stringify(search));

  const orders = await json(`/v1/apis/${find(rows, "GET", "/api/users/{userId}/orders/{orderId}").id}`);
  assert.equal(orders.query.properties.limit.type, "integer");
  assert.equal(orders.pathParameters.properties.userId.format, "uuid");
});

test("the learned OpenAPI document is valid OpenAPI 3.1", async () => {
  const doc = await json("/v1/apis/openapi.json");
  assert.equal(doc.openapi, "3.1.0");
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
  const op = doc.paths["/api/users/{userId}/orders/{orderId}"].get;
  assert.deepEqual(
    op.parameters
      .filter((p: any) => p.in === "path")
      .map((p: any) => p.name)
      .sort(),
    ["orderId", "userId"],
  );
  assert.deepEqual(doc.paths["/api/users"].post["x-gatewarden-sensitive"], ["card", "email"]);
});

test("shadow, unused and drift are found against the loaded spec", async () => {
  // The documented operations in use are called again now; the legacy one, loaded 2 s ago, never was.
  await stack.send("/api/users/7");
  await stack.send(`/api/users/7/orders/1?limit=1`);
  await stack.send("/api/users", postJson({ name: "ada", email: EMAIL }));
  const diff = await waitFor("the inventory to count them", async () => {
    const d = await json("/v1/apis/diff");
    return d.unused.length > 0 && (await endpoints()).reduce((n, e) => n + e.count, 0) >= 38 ? d : undefined;
  });
  const shadows = diff.shadow.map((e: Row) => `${e.method} ${e.template}`);
  assert.ok(shadows.includes("GET /internal/debug"), shadows.join(", "));
  assert.ok(!shadows.includes("GET /api/users/{userId}"));
  assert.deepEqual(
    diff.unused.map((u: any) => u.operation),
    ["GET /api/legacy"],
  );
  const drift = Object.fromEntries(diff.drift.map((d: any) => [`${d.method} ${d.template}`, d]));
  const users = drift["POST /api/users"];
  assert.equal(users.counts["wrong-type"], 1);
  assert.equal(users.counts["missing-required"], 1);
  assert.ok(
    users.examples.some((e: any) => e.kind === "wrong-type" && e.location === "body.age" && e.expected === "integer" && e.got === "string"),
  );
  assert.ok(users.examples.some((e: any) => e.kind === "missing-required" && e.location === "body.name"));
  assert.equal(drift["GET /api/users/{userId}/orders/{orderId}"].counts["unknown-parameter"], 1);
  assert.ok((await endpoints("?shadow=true")).some((r) => r.template === "/internal/debug"));
});

test("the inventory keeps classes, never values, and needs the admin token", async () => {
  const state = JSON.stringify(await json("/v1/apis/state"));
  for (const secret of [EMAIL, "4111", "hunter2", JWT.slice(0, 20), "Paris"]) assert.ok(!state.includes(secret), `state holds ${secret}`);
  assert.equal((await fetch(`${stack.tme!.url}/v1/apis`)).status, 401);
  assert.equal((await fetch(`${stack.tme!.url}/v1/apis`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status, 401);
});

test("another replica's state merges in: counts add, schemas and classes unite", async () => {
  const before = await endpoints();
  const state = await json("/v1/apis/state");
  const merged = await admin("/v1/apis/merge", { method: "POST", body: JSON.stringify(state) });
  assert.equal(merged.status, 200);
  const after = await endpoints();
  assert.deepEqual(
    after.map((r) => [r.method, r.template, r.count]),
    before.map((r) => [r.method, r.template, r.count * 2]),
  );
  assert.deepEqual(find(after, "POST", "/api/users").sensitive, ["card", "email"]);
  assert.equal((await admin("/v1/apis/merge", { method: "POST", body: JSON.stringify({ version: 99 }) })).status, 400);
});

test("the inventory survives a TME restart", async () => {
  const before = await endpoints();
  await stack.stopTme();
  await stack.startTme();
  const after = await endpoints();
  assert.deepEqual(
    after.map((r) => [r.method, r.template, r.count]),
    before.map((r) => [r.method, r.template, r.count]),
  );
  assert.equal((await json("/v1/apis/diff")).shadow.length > 0, true, "loaded specs are kept too");
});
