// site.test.mjs — browser test in Debian's headless Chromium, driven by playwright-core:
// search, filter, open an entry and its history, and run axe-core (WCAG 2.1 A/AA) on
// every page visited. Prints "browser: N passed, M failed" and exits non-zero on failure.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const bin = process.env.ALGOREG_BIN || path.join(root, 'build', 'algoreg-san');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitFor(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); res(true); });
      c.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok - ${name}`); }
  catch (e) { failed++; console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function axe(page, label) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const v = res.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  assert(v.length === 0, `${label}: axe violations:\n    ${v.join('\n    ')}`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'algoreg-browser-'));
/* ALGOREG_TEST_BACKEND=postgresql: each register is a new database of the PostgreSQL at
   ALGOREG_TEST_PG, its files (keys, accounts) in ALGOREG_STATE_DIR. */
const pg = process.env.ALGOREG_TEST_BACKEND === 'postgresql';
if (pg && !process.env.ALGOREG_STATE_DIR) process.env.ALGOREG_STATE_DIR = dir;
function newDb(name) {
  if (!pg) { const p = path.join(dir, `${name}.db`); return { db: p, files: p }; }
  const n = `b${process.pid}_${name}`;
  const r = spawnSync('psql', ['-q', process.env.ALGOREG_TEST_PG, '-c', `DROP DATABASE IF EXISTS ${n}`, '-c', `CREATE DATABASE ${n}`]);
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return { db: process.env.ALGOREG_TEST_PG.replace(/\/[^/]*$/, `/${n}`), files: path.join(process.env.ALGOREG_STATE_DIR, n) };
}
const { db, files } = newDb('algoreg');
const init = spawnSync(bin, ['init', '--db', db, '--demo']);
if (init.status !== 0) { console.log(String(init.stderr)); process.exit(1); }
const port = await freePort();
const server = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
let browser;
try {
  await waitFor(port);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  // bypassCSP only lets the test inject axe-core; the site itself runs no script.
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled: true, locale: 'nl-NL' });
  const page = await context.newPage();

  await check('home page renders and is accessible', async () => {
    await page.goto(base + '/');
    assert((await page.title()).includes('Algoritmeregister'), 'title');
    await axe(page, 'home');
  });
  await check('search finds the facial-recognition system', async () => {
    await page.fill('#q', 'gezichtsvergelijking');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/q=gezichtsvergelijking/);
    const heads = await page.locator('.result h3').allTextContents();
    assert(heads.length === 1 && heads[0].includes('CATCH'), `results: ${heads}`);
    await axe(page, 'search results');
  });
  await check('filters narrow the results and show counts', async () => {
    await page.goto(base + '/');
    const total = Number((await page.locator('#results-heading').textContent()).match(/\d+/)[0]);
    await page.click('.facet a:has-text("Openbaar Ministerie")');
    await page.waitForURL(/organization=openbaar-ministerie/);
    const n = Number((await page.locator('#results-heading').textContent()).match(/\d+/)[0]);
    assert(n >= 1 && n < total, `filtered ${n} of ${total}`);
    assert(await page.locator('.facet__link--selected').count() === 1, 'selected filter shown');
    await axe(page, 'filtered');
  });
  await check('entry page shows grouped fields and is accessible', async () => {
    await page.goto(base + '/?q=anticipatie');
    await page.click('.result h3 a');
    await page.waitForURL(/\/registrations\/\d{8}/);
    for (const h of ['Algemene informatie', 'Verantwoord gebruik', 'Werking', 'Waarborgen']) {
      assert(await page.locator(`h2:has-text("${h}")`).count() === 1, `group ${h}`);
    }
    await axe(page, 'entry');
  });
  await check('the entry page verifies the log in the browser (WebCrypto)', async () => {
    await page.goto(base + '/registrations/10000016');
    await page.click('#log-check button');
    await page.waitForFunction(() => document.querySelector('#log-check').className.match(/--(ok|failed)/));
    const text = await page.locator('#log-check [role=status]').textContent();
    assert(await page.locator('.log-check--ok').count() === 1, `verification: ${text}`);
    assert(text.includes('handtekening') && text.includes('regel'), `says what was verified: ${text}`);
    await axe(page, 'entry after check');
  });
  await check('a withheld entry shows what is withheld, and the reveal checks out', async () => {
    await page.goto(base + '/?q=versleutelde');
    await page.click('.result h3 a');
    await page.waitForURL(/\/registrations\/\d{8}/);
    assert(await page.locator('.withheld-notice').count() === 1, 'withheld notice');
    await axe(page, 'withheld entry');
    await page.goto(base + '/?q=netwerkanalyse');
    await page.click('.result h3 a');
    await page.waitForURL(/\/registrations\/\d{8}/);
    assert(await page.locator('.published-notice').count() === 1, 'published notice');
    await page.click('#log-check button');
    await page.waitForFunction(() => document.querySelector('#log-check').className.match(/--(ok|failed)/));
    const text = await page.locator('#log-check [role=status]').textContent();
    assert(text.includes('niet achteraf gedateerd'), `reveal checked in the browser: ${text}`);
    await axe(page, 'published withheld entry');
  });
  await check('history shows versions and the difference', async () => {
    await page.goto(base + '/registrations/10000016');
    await page.click('a:has-text("Versiegeschiedenis")');
    await page.waitForURL(/\/history/);
    assert(await page.locator('table.utrecht-table').first().locator('tbody tr').count() === 2, 'two versions');
    assert((await page.locator('.diff-after ins').allTextContents()).join(' ').includes('Sinds 2024'), 'diff');
    await page.selectOption('#from', '0');
    await page.click('.diff-form button');
    await page.waitForURL(/from=0/);
    await axe(page, 'history');
  });
  await check('English pages and the other pages are accessible', async () => {
    for (const p of ['/registrations/10000016?lang=en', '/organisations', '/organisations/politie', '/about', '/statistics', '/nope']) {
      await page.goto(base + p);
      await axe(page, p);
    }
    await page.goto(base + '/registrations/10000016?lang=en');
    assert((await page.locator('h1').textContent()).includes('Crime Anticipation System'), 'english title');
  });
  /* the demonstration editor of the police, made by algoreg init --demo */
  const token = readFileSync(files + '.accounts', 'utf8').split('\n').find((l) => l.startsWith('redacteur\t')).split('\t')[3].trim();
  await check('AI Act questionnaire: one question per step, back keeps answers, result saved', async () => {
    await page.goto(base + '/classify?reg=10000045');
    await axe(page, 'questionnaire');
    await page.check('#pick-0');
    await page.click('button[value=next]');
    await page.waitForURL(/nav=next/);
    assert((await page.locator('legend').textContent()).includes('Vraag 2'), 'second question');
    await page.click('button[value=back]');
    await page.waitForURL(/nav=back/);
    assert(await page.isChecked('#pick-0'), 'the earlier answer is kept');
    await page.click('button[value=next]');
    await page.click('button[value=next]'); /* nothing chosen on question 2 */
    assert(await page.locator('#cls-error').isVisible(), 'inline message when no answer');
    await axe(page, 'questionnaire with message');
    await page.goto(base + '/classify?reg=10000045&step=9&a=' +
      encodeURIComponent('1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=0 2.8=0 4.1=0'));
    assert(await page.locator('#result-h').isVisible(), 'result');
    await axe(page, 'questionnaire result');
    await page.fill('#token', token);
    await page.click('form.cls-save button[type=submit]');
    await page.waitForURL(/registrations\/10000045#aiact-status/);
    assert((await page.locator('#aiact-status').textContent()).includes('Minimaal risico'), 'stored');
    await axe(page, 'entry with classification');
  });
  await check('RBI request form names every reason for the refusal', async () => {
    await page.goto(base + '/cases/new');
    await page.fill('#f-registration', '10000087');
    await page.fill('#f-authority', 'Rechtbank Den Haag');
    await page.selectOption('#f-objective', 'OBJ_II');
    await page.fill('#f-target', 'one person');
    await page.fill('#f-token', token);
    await page.click('form.case-form button[type=submit]');
    await page.waitForSelector('#case-errors');
    const errs = await page.locator('#case-errors').textContent();
    assert(errs.includes('Art. 5(5)') && errs.includes('Art. 5(2)'), `reasons with articles: ${errs}`);
    assert(await page.locator('#f-objective[aria-invalid=true]').count() === 1, 'field marked');
    assert(await page.inputValue('#f-token') === '', 'token not echoed');
    await axe(page, 'refused request');
    for (const p of ['/reports/rbi', '/cases/new?kind=post', '/classify?lang=en', '/registrations/10000087', '/dashboard', '/dashboard?lang=en', '/organisations/politie']) {
      await page.goto(base + p);
      await axe(page, p);
    }
  });
  const accounts = Object.fromEntries(readFileSync(files + '.accounts', 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => { const [n, r, pw, tok] = l.split('\t'); return [n, { r, pw, tok }]; }));
  /* sign pg in as one of the demonstration accounts, through the form */
  const login = async (pg, who) => {
    await pg.goto(base + '/login');
    await pg.fill('#login-name', who);
    await pg.fill('#login-password', accounts[who].pw);
    await pg.press('#login-password', 'Enter');
    await pg.waitForURL(/\/account$/);
  };
  /* Every control of a page's forms is reached with Tab (one stop per radio group), in
     order, and shows where the focus is. */
  const keyboardReach = async (pg, label, scope = 'main') => {
    const want = await pg.$$eval(`${scope} form input:not([type=hidden]), ${scope} form select, ${scope} form textarea, ${scope} form button`,
      (els) => [...new Set(els.filter((e) => !e.disabled && e.offsetParent !== null)
        .map((e) => (e.type === 'radio' ? `radio:${e.name}` : e.id || `${e.tagName}:${e.name}:${e.textContent.trim()}`)))]);
    assert(want.length > 0, `${label}: no form controls`);
    await pg.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
    const seen = new Set();
    for (let i = 0; i < 600 && seen.size < want.length; i++) {
      await pg.keyboard.press('Tab');
      const f = await pg.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const cs = getComputedStyle(e);
        return { key: e.type === 'radio' ? `radio:${e.name}` : e.id || `${e.tagName}:${e.name}:${e.textContent.trim()}`,
          visible: cs.outlineStyle !== 'none' || cs.boxShadow !== 'none' };
      });
      if (f && want.includes(f.key)) {
        assert(f.visible, `${label}: no visible focus on ${f.key}`);
        seen.add(f.key);
      }
    }
    const missed = want.filter((k) => !seen.has(k));
    assert(missed.length === 0, `${label}: not reachable with Tab: ${missed.join(', ')}`);
  };
  await check('signing in with the keyboard only, the account page, signing out', async () => {
    const ctx3 = await browser.newContext({ locale: 'nl-NL' });
    const p3 = await ctx3.newPage();
    await p3.goto(base + '/account');
    await p3.waitForURL(/\/login\?next=/);
    await axe(p3, 'login');
    /* a wrong password: the message next to the fields, the name kept */
    await p3.focus('#login-name');
    await p3.keyboard.type('redacteur');
    await p3.keyboard.press('Tab');
    await p3.keyboard.type('not-the-password-1');
    await p3.keyboard.press('Enter');
    await p3.waitForSelector('#login-error');
    assert(await p3.inputValue('#login-name') === 'redacteur', 'name kept');
    assert(await p3.inputValue('#login-password') === '', 'password not echoed');
    await axe(p3, 'login with message');
    await p3.focus('#login-password');
    await p3.keyboard.type(accounts.redacteur.pw);
    await p3.keyboard.press('Enter');
    await p3.waitForURL(/\/account$/);
    assert((await p3.locator('#account-role').textContent()) === 'registrant', 'role shown');
    await axe(p3, 'account');
    await p3.fill('#token-label', 'laptop');
    await p3.click('text=Sleutel maken');
    await p3.waitForSelector('#new-token code');
    assert((await p3.locator('#new-token code').textContent()).startsWith('ar_'), 'token shown once');
    await axe(p3, 'account with new token');
    await p3.click('.site-nav__form button');
    await p3.waitForURL(base + '/');
    await p3.goto(base + '/account');
    await p3.waitForURL(/\/login/);
    await ctx3.close();
  });
  await check('the administrator page lists accounts and the audit trail, accessibly', async () => {
    const ctx4 = await browser.newContext({ locale: 'en-GB' });
    const p4 = await ctx4.newPage();
    await p4.goto(base + '/login?lang=en');
    await p4.fill('#login-name', 'admin');
    await p4.fill('#login-password', accounts.admin.pw);
    await p4.click('.login-form button[type=submit]');
    await p4.goto(base + '/admin?lang=en');
    await axe(p4, 'admin');
    await p4.fill('#acc-name', 'x');
    await p4.selectOption('#acc-role', 'approver');
    await p4.click('text=Add an account >> nth=-1');
    await p4.waitForSelector('#admin-error');
    await axe(p4, 'admin with message');
    const audit = await p4.locator('#audit ~ table').textContent();
    assert(audit.includes('login.failed') && audit.includes('login'), 'audit shows logins');
    /* the administrator reads no withheld content */
    const r = await p4.goto(base + '/api/v1/registrations/10000016/withholding/sealed');
    assert(r.status() === 403, `sealed view refused: ${r.status()}`);
    await ctx4.close();
  });
  await check('workspace: an editor writes, an approver publishes (four eyes), accessibly', async () => {
    const c1 = await browser.newContext({ locale: 'nl-NL' });
    const ed = await c1.newPage();
    await login(ed, 'redacteur');
    await ed.click('.site-nav >> text=Werkruimte');
    await ed.waitForURL(/\/workspace$/);
    await axe(ed, 'workspace (editor)');
    await ed.click('text=Nieuwe registratie');
    await ed.waitForURL(/\/workspace\/new$/);
    await axe(ed, 'new registration form');
    assert(await ed.inputValue('#f-organization') === 'Politie', 'organisation filled in');
    /* a problem appears next to its field; what was typed stays */
    await ed.fill('#f-description_short', 'Leest kentekens van geparkeerde auto\'s.');
    await ed.selectOption('#f-status', 'In gebruik');
    await ed.fill('#f-contact_email', 'algoritmes@politie.example');
    await ed.selectOption('#f-publication_category', 'Overige algoritmes');
    await ed.fill('#f-begin_date', '2024-13');
    await ed.press('#f-begin_date', 'Enter');
    await ed.waitForSelector('#error-summary');
    assert((await ed.textContent('#f-name-error')).includes('vul dit veld in'), 'name message');
    assert((await ed.textContent('#f-begin_date-error')).includes('vorm'), 'month message');
    assert((await ed.inputValue('#f-description_short')).startsWith('Leest kentekens'), 'typed text kept');
    assert(await ed.getAttribute('#f-name', 'aria-invalid') === 'true', 'field marked invalid');
    await axe(ed, 'form with problems');
    /* with JavaScript on, a problem shows while typing, before anything is sent */
    await ed.fill('#f-begin_date', '2024-3');
    await ed.press('#f-begin_date', 'Tab');
    await ed.waitForSelector('#f-begin_date-live:not([hidden])');
    assert((await ed.textContent('#f-begin_date-live')).includes('de vorm klopt niet'), 'live message, same words');
    await ed.fill('#f-begin_date', '2024-03');
    await ed.press('#f-begin_date', 'Tab');
    await ed.waitForSelector('#f-begin_date-live[hidden]', { state: 'attached' });
    await ed.fill('#f-name', 'Browsertest kentekenlezer');
    await ed.check('#f-category-9');
    await ed.click('.work-form button[type=submit]');
    await ed.waitForURL(/\/workspace\/drafts\/\d+$/);
    await axe(ed, 'draft (author)');
    assert((await ed.textContent('.draft-state')).includes('wacht op goedkeuring'), 'waiting');
    assert((await ed.textContent('.diff-table')).includes('Browsertest kentekenlezer'), 'diff shows it');
    assert(await ed.locator('form[action$="/approve"]').count() === 0, 'an editor does not approve');
    const draftUrl = ed.url();
    await ed.click('text=Voorbeeld: zo ziet het publiek deze versie');
    await ed.waitForSelector('.preview-notice');
    await axe(ed, 'preview');
    await c1.close();
    const c2 = await browser.newContext({ locale: 'nl-NL' });
    const ap = await c2.newPage();
    await login(ap, 'goedkeurder');
    await ap.goto(base + '/workspace');
    await ap.click('.work-queue >> text=Browsertest kentekenlezer');
    await ap.waitForURL(draftUrl);
    await axe(ap, 'draft (approver)');
    await keyboardReach(ap, 'draft (approver)');
    await ap.click('form[action$="/reject"] button');  /* a rejection needs a reason */
    await ap.waitForSelector('#draft-error');
    await axe(ap, 'draft with a problem');
    await ap.click('text=Goedkeuren en publiceren');
    await ap.waitForURL(/\/registrations\/\d{8}$/);
    assert((await ap.textContent('h1')).includes('Browsertest kentekenlezer'), 'published');
    await c2.close();
  });
  await check('withhold → extension → supervisor decision → published when the clock passes the end date', async () => {
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const c1 = await browser.newContext({ locale: 'nl-NL' });
    const ed = await c1.newPage();
    await login(ed, 'redacteur');
    await ed.goto(base + '/workspace/new');
    await ed.fill('#f-name', 'Browsertest achtergehouden');
    await ed.fill('#f-description_short', 'Herkent patronen in lopend onderzoek.');
    await ed.selectOption('#f-status', 'In gebruik');
    await ed.fill('#f-contact_email', 'algoritmes@politie.example');
    await ed.selectOption('#f-publication_category', 'Impactvolle algoritmes');
    await ed.check('#wh-on');
    await ed.selectOption('#wh-ground', 'investigation');
    await ed.fill('#wh-until', day(60));
    await ed.click('.work-form button[type=submit]');  /* no justification: refused in place */
    await ed.waitForSelector('#wh-justification-error');
    assert(await ed.isChecked('#wh-on'), 'the choice to withhold is kept');
    await axe(ed, 'form with a withholding problem');
    await ed.fill('#wh-justification', 'Lopend onderzoek naar georganiseerde criminaliteit.');
    await ed.click('.work-form button[type=submit]');
    await ed.waitForURL(/\/workspace\/drafts\/\d+$/);
    const c2 = await browser.newContext({ locale: 'nl-NL' });
    const ap = await c2.newPage();
    await login(ap, 'goedkeurder');
    await ap.goto(ed.url());
    await ap.click('text=Goedkeuren en publiceren');
    await ap.waitForURL(/\/registrations\/\d{8}$/);
    const id = ap.url().match(/(\d{8})$/)[1];
    assert(await ap.locator('.withheld-notice').count() === 1, 'the public sees it withheld');
    await c2.close();
    await ed.goto(base + '/workspace');
    await ed.click(`a[href="/workspace/registrations/${id}/withholding"]`);
    await ed.waitForSelector('#exc-days');
    await axe(ed, 'withholding page');
    await keyboardReach(ed, 'withholding page');
    await ed.fill('#ext-until', day(90));
    await ed.fill('#ext-reason', 'Publicatie zou een tweede onderzoek naar dezelfde groep hinderen.');
    await ed.click('.exc-extend button[type=submit]');
    await ed.waitForSelector('#exc-notice');
    await c1.close();
    const c3 = await browser.newContext({ locale: 'nl-NL' });
    const sv = await c3.newPage();
    await login(sv, 'toezicht');
    await sv.click('.site-nav >> text=Toezicht');
    await sv.waitForURL(/\/supervision$/);
    await axe(sv, 'supervision overview');
    await sv.click(`.sup-open >> text=${id}`);
    await sv.waitForSelector('.sup-decide');
    assert((await sv.textContent('.sup-content')).includes('Browsertest achtergehouden'), 'the supervisor reads the content');
    assert((await sv.textContent('.sup-reason')).includes('tweede onderzoek'), 'and the reason');
    await axe(sv, 'supervision case');
    await keyboardReach(sv, 'supervision case');
    await sv.check('input[value=grant]');
    await sv.fill('.sup-decide textarea', 'De onderbouwing volstaat; verlenging met dertig dagen.');
    await sv.click('.sup-decide button[type=submit]');
    await sv.waitForFunction(() => !document.querySelector('.sup-decide'));
    assert((await sv.textContent('main')).includes('(granted)'), 'granted');
    await c3.close();
    /* the clock passes the new end date: the server's tick publishes it */
    const t = spawnSync(bin, ['tick', '--db', db], { env: { ...process.env, ALGOREG_NOW: `${day(91)}T00:00:00Z` } });
    assert(t.status === 0, `tick: ${t.stderr}`);
    const c4 = await browser.newContext({ locale: 'nl-NL' });
    const pub = await c4.newPage();
    await pub.goto(`${base}/registrations/${id}`);
    assert(await pub.locator('.published-notice').count() === 1, 'published after withholding');
    assert((await pub.textContent('main')).includes('Herkent patronen in lopend onderzoek'), 'content revealed');
    await axe(pub, 'published after withholding');
    await c4.close();
  });
  await check('biometric identification: use before authorisation → request → refusal → deletion confirmed', async () => {
    /* the police side through the API: a post-event use started under urgency (48-hour
       clock) and its request */
    const api = async (method, p, body) => {
      const res = await fetch(base + p, { method, headers: { Authorization: `Bearer ${accounts.redacteur.tok.trim()}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const j = await res.json();
      assert(res.ok, `${p}: ${JSON.stringify(j)}`);
      return j;
    };
    const c = await api('POST', '/api/v1/cases', { kind: 'post', registration: '10000087', authority: 'rechter-commissaris' });
    await api('POST', `/api/v1/cases/${c.id}/events`, { event: 'link_case', data: { link: 'offence', reference: 'ON-2026-7', target: 'one suspect on a camera still' } });
    await api('POST', `/api/v1/cases/${c.id}/events`, { event: 'start_unauthorised' });
    await api('POST', `/api/v1/cases/${c.id}/events`, { event: 'submit_request', data: { reasons: 'the suspect may leave the country' } });
    const c1 = await browser.newContext({ locale: 'nl-NL' });
    const au = await c1.newPage();
    await login(au, 'rechter-commissaris');
    await au.click('.site-nav >> text=Machtigingen');
    await au.waitForURL(/\/authority$/);
    assert((await au.textContent('.auth-queue')).includes('In gebruik'), 'the clock of a use that runs');
    assert(/\d+ h \d\d min/.test(await au.textContent('.auth-queue')), 'the clock runs with JavaScript');
    await axe(au, 'authority queue');
    await au.click(`a[href="/authority/cases/${c.id}"]`);
    await au.waitForSelector('.auth-decide');
    assert((await au.textContent('.case-request')).includes('one suspect'), 'the request is read');
    await axe(au, 'authority case');
    await keyboardReach(au, 'authority case');
    await au.check('#dec-reject');
    await au.click('.auth-decide button[type=submit]');  /* no reasons: refused in place */
    await au.waitForSelector('#dec-reasons-error');
    /* keyboard only: choose, write the reasons, submit */
    await au.focus('#dec-reject');
    await au.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await au.keyboard.press('Tab');
    assert(await au.evaluate(() => document.activeElement.id) === 'dec-reasons', 'tab order reaches the reasons');
    await au.keyboard.type('Niet noodzakelijk: andere middelen volstaan.');
    await au.keyboard.press('Tab');
    await au.keyboard.press('Enter');
    await au.waitForFunction(() => !document.querySelector('.auth-decide'));
    assert((await au.textContent('.case-state')) === 'STOPPING', 'use stops');
    await c1.close();
    const c2 = await browser.newContext({ locale: 'nl-NL' });
    const po = await c2.newPage();
    await login(po, 'redacteur');
    await po.goto(base + '/workspace');
    await po.click(`a[href="/workspace/cases/${c.id}"]`);
    await po.waitForSelector('.police-delete');
    await axe(po, 'police case');
    await keyboardReach(po, 'police case');
    await po.fill('#del-classes', 'camerabeelden, vergelijkingsresultaten');
    await po.fill('#del-items', '42');
    await po.fill('#del-executor', 'functioneel beheer CATCH');
    await po.click('.police-delete button[type=submit]');
    await po.waitForFunction(() => !document.querySelector('.police-delete'));
    assert((await po.textContent('.case-state')) === 'DELETED', 'deletion confirmed');
    await c2.close();
  });
  await check('the review committee\'s pages are accessible', async () => {
    const c = await browser.newContext({ locale: 'nl-NL' });
    const rv = await c.newPage();
    await login(rv, 'toetsingscommissie');
    await rv.click('.site-nav >> text=Toetsing');
    await rv.waitForURL(/\/review$/);
    await axe(rv, 'review list');
    await rv.click('.rev-mine a');
    await rv.waitForSelector('.rev-step');
    await axe(rv, 'review case');
    await c.close();
  });
  await check('every workspace form is reached with the keyboard and shows its focus', async () => {
    const c = await browser.newContext({ locale: 'nl-NL' });
    const pg = await c.newPage();
    await login(pg, 'redacteur');
    for (const p of ['/account', '/workspace/new', '/workspace/registrations/10000016/edit', '/cases/new', '/cases/new?kind=post']) {
      await pg.goto(base + p);
      await keyboardReach(pg, p);
    }
    await c.close();
    const c3 = await browser.newContext({ locale: 'en-GB' });
    const ad = await c3.newPage();
    await ad.goto(base + '/login?lang=en');
    await keyboardReach(ad, 'login');
    await ad.fill('#login-name', 'admin');
    await ad.fill('#login-password', accounts.admin.pw);
    await ad.press('#login-password', 'Enter');
    await ad.waitForURL(/\/account/);
    await ad.goto(base + '/admin?lang=en');
    await keyboardReach(ad, 'admin');
    await c3.close();
    const c4 = await browser.newContext({ locale: 'nl-NL' });
    const rv = await c4.newPage();
    await login(rv, 'toetsingscommissie');
    await rv.goto(base + '/review');
    await rv.click('.rev-mine a');
    await rv.waitForSelector('.rev-step');
    await keyboardReach(rv, 'review case');
    await c4.close();
  });
  await check('real-time urgent use, keyboard only: request form → authorisation asked → checked and refused → deletion confirmed', async () => {
    /* a second register under a hypothetical Art. 5(5) law that allows OBJ_I (the
       Netherlands has none, so the first register refuses every real-time request) */
    const cfg = JSON.parse(readFileSync(path.join(root, 'data', 'aiact', 'config.json'), 'utf8'));
    cfg.nl_art5_5 = { enabled: true, allowed_objectives: ['OBJ_I'], allowed_offences: [] };
    const cfgPath = path.join(dir, 'aiact-law.json');
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const { db: db2, files: files2 } = newDb('law');
    const i2 = spawnSync(bin, ['init', '--db', db2, '--demo']);
    assert(i2.status === 0, `init: ${i2.stderr}`);
    const acc2 = Object.fromEntries(readFileSync(files2 + '.accounts', 'utf8').split('\n')
      .filter((l) => l && !l.startsWith('#')).map((l) => { const [n, r, pw] = l.split('\t'); return [n, pw]; }));
    const port2 = await freePort();
    const srv2 = spawn(bin, ['serve', '--db', db2, '--listen', `127.0.0.1:${port2}`, '--aiact-config', cfgPath], { stdio: ['ignore', 'ignore', 'inherit'] });
    const base2 = `http://127.0.0.1:${port2}`;
    try {
      await waitFor(port2);
      const signIn = async (pg, who) => {
        await pg.goto(base2 + '/login');
        await pg.focus('#login-name');
        await pg.keyboard.type(who);
        await pg.keyboard.press('Tab');
        await pg.keyboard.type(acc2[who]);
        await pg.keyboard.press('Enter');
        await pg.waitForURL(/\/account$/);
      };
      const type = async (pg, sel, text) => { await pg.focus(sel); await pg.keyboard.type(text); };
      const c1 = await browser.newContext({ locale: 'nl-NL' });
      const po = await c1.newPage();
      await signIn(po, 'redacteur');
      await po.goto(base2 + '/cases/new');
      await type(po, '#f-registration', '10000087');
      await type(po, '#f-authority', 'rechter-commissaris');
      await po.focus('#f-objective');
      for (let i = 0; i < 5 && await po.inputValue('#f-objective') !== 'OBJ_I'; i++) await po.keyboard.press('ArrowDown');
      assert(await po.inputValue('#f-objective') === 'OBJ_I', 'objective chosen with the arrow keys');
      await type(po, '#f-target', 'een vermist kind, foto van vandaag');
      await type(po, '#f-limit_time', '6 uur');
      await type(po, '#f-limit_area', 'Utrecht Centraal');
      await type(po, '#f-limit_persons', 'één persoon');
      await type(po, '#f-harm_if_not_used', 'levensgevaar');
      await type(po, '#f-rights_impact', 'reizigers vergeleken, niet bewaard');
      await type(po, '#f-fria_ref', 'IAMA-2026-4');
      await type(po, '#f-urgency', 'het kind is een uur geleden meegenomen');
      await po.focus('form.case-form button[type=submit]');
      await po.keyboard.press('Enter');
      await po.waitForSelector('#case-result');
      assert((await po.textContent('#case-result')).includes('ACTIVE_URGENT'), 'urgent use started');
      await axe(po, 'urgent use started');
      await po.focus('#case-open');
      await po.keyboard.press('Enter');
      await po.waitForSelector('.police-request');
      assert(/\d+ h \d\d min/.test(await po.textContent('.entry-meta')), 'the 24-hour clock runs');
      await axe(po, 'police case: request authorisation');
      await type(po, '#req-reasons', 'zie het verzoek');
      await po.focus('.police-request button[type=submit]');
      await po.keyboard.press('Enter');
      await po.waitForFunction(() => !document.querySelector('.police-request'));
      assert((await po.textContent('.case-state')) === 'URGENT_REQUESTED', 'authorisation asked');
      const c2 = await browser.newContext({ locale: 'nl-NL' });
      const au = await c2.newPage();
      await signIn(au, 'rechter-commissaris');
      await au.goto(base2 + '/authority');
      await au.focus('.auth-queue a[href^="/authority/cases/"]');
      await au.keyboard.press('Enter');
      await au.waitForSelector('.case-checks');
      assert(await au.locator('.case-checks .check-ok').count() >= 8, 'the elements checked');
      assert(await au.locator('.case-checks .check-failed').count() === 0, 'every rule met');
      assert((await au.textContent('.case-checks')).includes('Art. 5(5)'), 'with articles');
      await axe(au, 'authority case with checks');
      await au.focus('#dec-reject');
      await au.keyboard.press('Space');
      await au.focus('#dec-reasons');
      await au.keyboard.type('Andere middelen volstaan.');
      await au.keyboard.press('Tab');
      await au.keyboard.press('Enter');
      await au.waitForFunction(() => !document.querySelector('.auth-decide'));
      assert((await au.textContent('.case-state')) === 'STOPPING', 'the use stops');
      await c2.close();
      await po.reload();
      await po.waitForSelector('.police-delete');
      await type(po, '#del-classes', 'camerabeelden, vergelijkingsresultaten');
      await type(po, '#del-items', '12');
      await type(po, '#del-executor', 'functioneel beheer');
      await po.keyboard.press('Tab');
      await po.keyboard.press('Enter');
      await po.waitForFunction(() => !document.querySelector('.police-delete'));
      assert((await po.textContent('.case-state')) === 'DELETED', 'deletion confirmed');
      await axe(po, 'police case deleted');
      await c1.close();
    } finally {
      srv2.kill('SIGTERM');
      await new Promise((r) => srv2.on('exit', r));
    }
  });
  await check('everything works with JavaScript off', async () => {
    const ctx2 = await browser.newContext({ javaScriptEnabled: false, locale: 'nl-NL' });
    const p2 = await ctx2.newPage();
    await p2.goto(base + '/');
    await p2.fill('#q', 'spraak');
    await p2.click('form[role=search] button[type=submit]');
    await p2.waitForURL(/q=spraak/);
    assert((await p2.locator('.result h3').allTextContents()).join().includes('Spraak'), 'no-JS search');
    await ctx2.close();
  });
} catch (e) {
  failed++;
  console.log(`not ok - setup\n  ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}
console.log(`${pg ? 'browser-pg' : 'browser'}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
