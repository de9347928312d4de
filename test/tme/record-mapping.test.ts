import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protocolVersion, splitAuthority } from '../../host/tme-server/src/record/attributes.ts';
import { bodyFromBytes } from '../../host/tme-server/src/record/body-encoding.ts';

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

describe('body classification', () => {
  test('UTF-8 text is kept as text, binary as base64', () => {
    assert.deepEqual(bodyFromBytes(Buffer.from('héllo'), 6, false), { data: 'héllo', encoding: 'utf8', size: 6, truncated: false });
    assert.deepEqual(bodyFromBytes(Buffer.from([0xff, 0xfe, 0x00]), 3, false), { data: '//4A', encoding: 'base64', size: 3, truncated: false });
    assert.equal(bodyFromBytes(Buffer.from('a\u0000b'), 3, false).encoding, 'base64', 'NUL means binary');
  });

  test('a truncated body cut inside a multi-byte character is still text', () => {
    const cut = Buffer.from('prix: 5€').subarray(0, 8); // the € is 3 bytes; keep 1 of them
    assert.deepEqual(bodyFromBytes(cut, 10, true), { data: 'prix: 5', encoding: 'utf8', size: 10, truncated: true });
    assert.equal(bodyFromBytes(cut, 8, false).encoding, 'base64', 'the same bytes untruncated are not valid UTF-8');
  });
});
