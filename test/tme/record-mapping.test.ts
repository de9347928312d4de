import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protocolVersion, splitAuthority } from '../../host/tme-server/src/record/attributes.ts';

describe('authority and protocol mapping', () => {
  test('splits host and port, including bracketed IPv6', () => {
    assert.deepEqual(splitAuthority('api.example.com'), { host: 'api.example.com' });
    assert.deepEqual(splitAuthority('api.example.com:8080'), { host: 'api.example.com', port: 8080 });
    assert.deepEqual(splitAuthority('[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 });
    assert.deepEqual(splitAuthority('[2001:db8::1]'), { host: '2001:db8::1', port: undefined });
    assert.deepEqual(splitAuthority('2001:db8::1'), { host: '2001:db8::1' });
    assert.deepEqual(splitAuthority('host:99999'), { host: 'host', port: undefined });
  });

  test('reduces the protocol to its semconv version', () => {
    assert.equal(protocolVersion('HTTP/1.1'), '1.1');
    assert.equal(protocolVersion('HTTP/1.0'), '1.0');
    assert.equal(protocolVersion('HTTP/2'), '2');
    assert.equal(protocolVersion('HTTP/3.0'), '3');
    assert.equal(protocolVersion(''), '');
  });
});
