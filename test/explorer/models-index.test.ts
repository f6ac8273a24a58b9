// The model registry and spec parser.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listTestModels, ModelSpecError, resolveModel } from '../../src/models/index.js';

test('specs resolve to models, with defaults', () => {
  assert.equal(resolveModel('counters').name, 'counters(k=3, m=2)');
  assert.equal(resolveModel('counters:4,3').name, 'counters(k=4, m=3)');
  assert.equal(resolveModel('peterson').name, 'peterson');
  assert.equal(resolveModel('broken-lock').name, 'broken-lock');
  assert.equal(resolveModel('mailbox').name, 'mailbox(N=2, G=2)');
  assert.equal(resolveModel('mailbox:3,1').name, 'mailbox(N=3, G=1)');
});

test('bad specs throw a one-line ModelSpecError', () => {
  for (const [spec, pattern] of [
    ['nope', /unknown model "nope"/],
    ['toString', /unknown model/],
    ['counters:3', /takes 2 parameter/],
    ['counters:3,x', /M must be an integer, got "x"/],
    ['counters:3,2.5', /M must be an integer/],
    ['counters:-1,2', /K must be an integer/],
    ['counters:0,2', /K must be in 1\.\.12, got 0/],
    ['mailbox:5,2', /N must be in 2\.\.4, got 5/],
    ['mailbox:2,0', /G must be in 1\.\.10/],
    ['peterson:1', /takes 0 parameter/],
  ] as const) {
    assert.throws(
      () => resolveModel(spec),
      (e: unknown) => e instanceof ModelSpecError && pattern.test(e.message) && !e.message.includes('\n'),
      spec,
    );
  }
});

test('listTestModels names every model with its parameters', () => {
  assert.deepEqual(
    listTestModels().map((m) => m.name),
    ['counters:K,M', 'ceiling:K,M', 'peterson', 'broken-lock', 'mailbox:N,G'],
  );
});
