import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import edgeBody from './fixtures/ext-cap-edge.body.json' with { type: 'json' };
import edgeHeaders from './fixtures/ext-cap-edge.headers.json' with { type: 'json' };
import traefikBody from './fixtures/ext-cap-traefik.body.json' with { type: 'json' };
import traefikHeaders from './fixtures/ext-cap-traefik.headers.json' with { type: 'json' };
import { startTestTme, type TestTme } from './helpers/tme.ts';

type Json = Record<string, any>;

describe('POST /ext_cap/v1/req_res_cap', () => {
  let tme: TestTme;
  before(async () => {
    tme = await startTestTme();
  });
  after(() => tme.stop());

  async function newest(): Promise<Json> {
    const { captures } = (await (await tme.get('/v1/captures?limit=1')).json()) as { captures: Json[] };
    return captures[0]!;
  }

  test('a Traefik-plugin report is accepted and visible with the shared attributes', async () => {
    const res = await tme.post('/ext_cap/v1/req_res_cap', traefikBody, traefikHeaders);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 1, rejected: [] });

    const capture = await newest();
    assert.equal(capture.source, 'ext_cap');
    assert.equal(capture.start_time_unix_nano, '1700000002500000000');
    assert.equal(capture.duration_nano, 4200000);
    assert.deepEqual(capture.attributes, {
      'http.request.method': 'POST',
      'url.scheme': 'https',
      'server.address': 'auth.example.com',
      'url.path': '/v1/login',
      'url.query': 'next=%2Fhome&api_key=[REDACTED]',
      'network.protocol.name': 'http',
      'client.address': '192.0.2.10',
      'client.port': 61000,
      'user_agent.original': 'Go-http-client/1.1',
      'http.request.header.accept': ['application/json'],
      'http.request.header.authorization': ['[REDACTED]'],
      'http.request.header.content-type': ['application/json'],
      'http.request.header.cookie': ['session=[REDACTED]; theme=[REDACTED]'],
      'http.request.header.user-agent': ['Go-http-client/1.1'],
      'http.request.header.x-api-key': ['[REDACTED]'],
      'http.request.header.x-forwarded-proto': ['https'],
      'http.request.header.x-request-id': ['7d3c1a52-0b9e-4f5e-8a77-1c2d3e4f5a6b'],
      'http.request.body': '{"user":"alice","password":"[REDACTED]"}',
      'http.request.body.encoding': 'utf8',
      'http.request.body.size': 37,
      'http.request.body.truncated': false,
      'http.response.status_code': 200,
      'http.response.header.content-type': ['application/json; charset=utf-8'],
      'http.response.header.set-cookie': ['session=[REDACTED]; Path=/; HttpOnly'],
      'http.response.body': '{"token":"[REDACTED]","ok":true}',
      'http.response.body.encoding': 'utf8',
      'http.response.body.size': 28,
      'http.response.body.truncated': false,
      'gatewarden.request.id': '7d3c1a52-0b9e-4f5e-8a77-1c2d3e4f5a6b',
      'gatewarden.module.version': '0.0.1-dev',
      'gatewarden.service.name': 'shop-edge',
    });
  });

  test('an edge-function report (camelCase, "https:" scheme, binary body) maps the same way', async () => {
    const res = await tme.post('/ext_cap/v1/req_res_cap', edgeBody, edgeHeaders);
    assert.equal(res.status, 200);
    const { attributes } = await newest();
    assert.equal(attributes['url.scheme'], 'https');
    assert.equal(attributes['url.query'], 'sort=price');
    assert.equal(attributes['server.address'], 'www.example.com');
    assert.equal(attributes['http.response.status_code'], 200);
    assert.equal(attributes['http.response.body'], 'AAEC//4=');
    assert.equal(attributes['http.response.body.encoding'], 'base64');
    assert.equal(attributes['http.response.body.truncated'], true);
    assert.equal(attributes['rpc.grpc.status_code'], 0);
    assert.equal(attributes['gatewarden.service.name'], 'website');
    assert.equal(attributes['gatewarden.module.version'], '2.4.1-dev');
    assert.equal(attributes['http.request.body'], undefined, 'null body means not captured');
    assert.equal(attributes['client.address'], undefined);
  });

  test('a report without traceableai headers gets placeholder service and module version', async () => {
    assert.equal((await tme.post('/ext_cap/v1/req_res_cap', traefikBody)).status, 200);
    const { attributes } = await newest();
    assert.equal(attributes['gatewarden.service.name'], 'unknown_service');
    assert.equal(attributes['gatewarden.module.version'], 'ext_cap');
  });

  test('a bad report gets 400 naming the field and is counted as rejected', async () => {
    const before = await tme.metric('tme_records_rejected_total', '{source="ext_cap"}');
    const bad = structuredClone(traefikBody) as Json;
    bad.response.status_code = '200';
    const res = await tme.post('/ext_cap/v1/req_res_cap', bad, traefikHeaders);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'response.status_code: expected number, received string' });
    assert.equal(await tme.metric('tme_records_rejected_total', '{source="ext_cap"}'), before + 1);
  });
});
