// The npm package as a user installs it (from target/dist, in a fresh project): Playwright for Node,
// with Debian's Chromium, drives the production page in ../shop.html, whose widget is imported
// from https://eu.engage.app, unchanged; routeTalkative answers Talkative's hosts from the emulator.
// Run by packaging/tests/run.sh, which makes the key, the token and the workspace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { start, routeTalkative, isTalkativeUrl } from 'talkative-emulator';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const workspace = process.env.PACKAGE_TEST_WORKSPACE;
const token = process.env.SHOP_SIGNED_TOKEN;
const CORE_API_TOKEN = 'package-tests-core-api-token-0001';

let emulator;
let browser;
let shop;

before(async () => {
  assert.ok(workspace && token, 'run by packaging/tests/run.sh');
  emulator = await start({ config: path.join(workspace, 'emulator.toml') });
  const page = fs
    .readFileSync(path.join(workspace, 'shop.html'), 'utf8')
    .replace('%SIGNED_INTERACTION_DATA%', token);
  shop = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  shop?.close();
  await emulator?.stop();
});

async function coreApi(pathAndQuery) {
  const response = await emulator.request(`/api/core/v1${pathAndQuery}`, {
    headers: { authorization: `Bearer ${CORE_API_TOKEN}`, accept: 'application/vnd.api+json' },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

test('the require() and import() entry points are the same API', () => {
  const required = require('talkative-emulator');
  assert.equal(required.start, start);
  assert.equal(required.routeTalkative, routeTalkative);
  assert.ok(isTalkativeUrl('https://eu.engage.app/api/ecs/v1/loader/x.js'));
  assert.ok(!isTalkativeUrl('https://engage.app.evil.example/'));
});

test('a production page runs unchanged: lifecycle, signed and unsigned data, agent view, Core API', async () => {
  const context = await browser.newContext();
  await routeTalkative(context, emulator);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`http://127.0.0.1:${shop.address().port}/shop`);
  await page.waitForFunction(() => window.interactionUuid, null, { timeout: 15000 });
  const lifecycle = await page.evaluate(() => window.lifecycle);
  assert.deepEqual(lifecycle.slice(0, 3), ['ready', 'enterStandby', 'enterInteraction']);
  const uuid = await page.evaluate(() => window.interactionUuid);

  // The emulator recorded the arrival: the signed email verified, the page field allowlisted.
  const recorded = await emulator.waitFor({ label: 'Email Address' });
  assert.equal(recorded.status, 'valid', JSON.stringify(recorded));

  // The agent's view of that chat, as a person opens it.
  await page.goto(`${emulator.url}/engagements/${uuid}`);
  await page.waitForSelector('#agent-view tbody tr');
  const rows = await page.$$eval('#agent-view tbody tr', (trs) =>
    trs.map((tr) => [...tr.cells].slice(0, 3).map((cell) => cell.textContent.trim())),
  );
  assert.deepEqual(
    rows.map((row) => row.join(' | ')).sort(),
    ['email | Email Address | ann@example.com', 'page | Page | checkout'],
  );

  // The backend's view, through the Core API.
  const found = await coreApi(`/interactions?filter[uuid]=${uuid}`);
  assert.equal(found.data.length, 1);
  const document = await coreApi(`/interactions/${found.data[0].id}?include=interactionData`);
  const items = document.included.map((item) => [item.attributes.name, item.attributes.data, item.attributes.provenance]);
  assert.deepEqual(items.sort(), [['email', 'ann@example.com', 'signed'], ['page', 'checkout', 'allowlisted']]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('reset() empties the log, keeps the config file, and waitFor says what the log holds', async () => {
  await emulator.reset();
  await assert.rejects(emulator.waitFor({ label: 'Email Address' }, { timeout: 300 }), /The log is empty/);
  const keys = await (await emulator.request('/api/v1/signing-keys')).json();
  assert.deepEqual(keys.signingKeys.map((key) => key.name), ['shop backend']);
});
