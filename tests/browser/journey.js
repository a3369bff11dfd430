// The journey of a person in a real browser (Debian's chromium, driven by
// playwright-core), by clicking and typing only: sign up, open the mail's
// link, confirm, sign in, the protected sample page, the session renewed
// once the access cookie expired, revoking another session, changing the
// password, logging out and coming back through `next`. Also: a page of
// another origin that posts forms to the service with the person's cookies
// (403, nothing changes), and a sign-in by keyboard alone. Every page is
// saved as a screenshot in AUTH_BROWSER_SHOTS/NAME.png.
//
// Run by tests/run-browser (it sets the environment; see there).
'use strict';

const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');

const BASE = process.env.AUTH_BROWSER_BASE_URL.replace(/\/$/, '');
const SHOTS = process.env.AUTH_BROWSER_SHOTS;
const DB = process.env.AUTH_DATABASE_URL;
const TTL = Number(process.env.AUTH_BROWSER_ACCESS_TTL);
const HERE = __dirname;
const WHOAMI = '/samples/cgi-bin/whoami';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];
const STEP_TIMEOUT = 15000;

let failures = 0;
const passed = [];

function sql(query) {
	return execFileSync('psql', [DB, '-XAt', '-v', 'ON_ERROR_STOP=1',
		'-c', query], { encoding: 'utf8' }).trim();
}

function lit(s) {
	return "'" + String(s).replace(/'/g, "''") + "'";
}

// What code (Python, with the black-box suite's tests/e2e/helpers.py
// imported and the arguments in sys.argv[2:]) prints.
function helpers(code, ...args) {
	const py = 'import sys; sys.path.insert(0, sys.argv[1]); import helpers\n' +
		code;
	return execFileSync('python3', ['-c', py, path.join(HERE, '..', 'e2e'),
		...args.map(String)], { encoding: 'utf8' }).trim();
}

// The link of the n-th mail (1-based) to addr, read from AUTH_MAIL_DIR.
function mailLink(addr, n) {
	return helpers('n = int(sys.argv[3])\n' +
		'print(helpers.mail_link(helpers.wait_mails(sys.argv[2], n)[n - 1]))',
		addr, n);
}

// A verified account signed in through the API on BASE: its email and
// token pair.
function apiSession() {
	return JSON.parse(helpers('import json\n' +
		'u = helpers.create_user("browser")\n' +
		'p = helpers.login_pair(u, base=sys.argv[2])\n' +
		'print(json.dumps({"email": u.email, "access": p["access_token"], ' +
		'"refresh": p["refresh_token"]}))', BASE));
}

function check(cond, what) {
	if (!cond)
		throw new Error(what);
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, name + '.png'),
		fullPage: true });
}

// Clicks into a field and types, as a person does.
async function typeInto(page, sel, text) {
	await page.click(sel);
	await page.keyboard.type(text);
}

// Clicks and waits for the page it leads to; returns that page's response.
async function clickAndWait(page, locator) {
	const [resp] = await Promise.all([page.waitForNavigation(),
		locator.click()]);
	return resp;
}

async function signIn(page, email, password) {
	await typeInto(page, 'form#login input#email', email);
	await typeInto(page, 'form#login input#password', password);
	await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}

async function bodyText(page) {
	return page.evaluate(() => document.body.innerText);
}

// A step: its failure is reported with the page it was on, and stops
// the journey when the later steps depend on it.
async function step(name, page, fn, fatal = true) {
	const t0 = Date.now();
	try {
		await fn();
		passed.push(name);
		console.log('ok   %s (%dms)', name, Date.now() - t0);
	} catch (e) {
		failures++;
		console.log('FAIL %s: %s\n     at %s', name,
			e.message.split('\n')[0], page ? page.url() : '-');
		if (page)
			await shot(page, 'FAIL-' + name).catch(() => {});
		if (fatal)
			throw new Error('stopped after ' + name);
	}
}

// Pages of another origin (127.0.0.1, another port): /attack?n=N posts
// forms[N] by itself, with the person's cookies.
function attacker(forms) {
	const srv = http.createServer((req, res) => {
		const n = Number(new URL(req.url, 'http://x').searchParams.get('n'));
		const f = forms[n];
		if (f === undefined) {
			res.writeHead(404);
			res.end();
			return;
		}
		const esc = (s) => String(s).replace(/[&<>"]/g,
			(c) => '&#' + c.charCodeAt(0) + ';');
		const inputs = Object.entries(f.fields).map(([k, v]) =>
			'<input type="hidden" name="' + esc(k) + '" value="' +
			esc(v) + '">').join('');
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<!doctype html><title>A friendly page</title>' +
			'<form method="post" action="' + esc(f.action) + '">' +
			inputs + '</form><script>document.forms[0].submit()' +
			'</script>');
	});
	return new Promise((resolve) => srv.listen(0, '127.0.0.1',
		() => resolve(srv)));
}

// The forms of the account page, as another site would copy them (the
// csrf_token it cannot know replaced): action and fields.
async function accountForms(page) {
	return page.$$eval('form', (fs) => fs.map((f) => {
		const fields = {};
		for (const i of f.querySelectorAll('input'))
			if (i.name)
				fields[i.name] = i.value;
		return { id: f.id || f.className, action: f.action, fields,
			post: f.method === 'post' };
	})).then((all) => all.filter((f) => f.post));
}

async function crossSite(ctx, person, pw, account) {
	const forms = [
		{ id: 'logout', action: BASE + '/logout', fields: {} },
		{ id: 'api-refresh', action: BASE + '/auth/refresh', fields: {} },
		{ id: 'api-logout', action: BASE + '/auth/logout', fields: {} },
		{ id: 'protected-post', action: BASE + WHOAMI, fields: {} },
	];
	for (const f of account) {
		const fields = Object.assign({}, f.fields);
		if ('csrf_token' in fields)
			fields.csrf_token = 'x'.repeat(43);
		if ('current_password' in fields)
			fields.current_password = pw;
		if ('new_password' in fields)
			fields.new_password = 'Attacker-chosen 9 words here';
		forms.push({ id: 'account-' + f.id, action: f.action, fields });
	}
	const before = sql('SELECT count(*) FROM sessions s JOIN users u ON ' +
		'u.id = s.user_id WHERE u.email = ' + lit(person) +
		' AND s.revoked_at IS NULL') + '/' + sql('SELECT password_hash ' +
		'FROM users WHERE email = ' + lit(person));
	const srv = await attacker(forms);
	const origin = 'http://127.0.0.1:' + srv.address().port;
	try {
		for (let n = 0; n < forms.length; n++) {
			const page = await ctx.newPage();
			const target = forms[n].action;
			const resp = page.waitForResponse((r) => r.url() === target &&
				r.request().method() === 'POST');
			// The page submits itself at once: the navigation it starts
			// may cut this one short.
			await page.goto(origin + '/attack?n=' + n,
				{ waitUntil: 'commit' }).catch(() => {});
			const r = await resp;
			await page.waitForLoadState();
			if (n === 0)
				await shot(page, 'cross-site-logout');
			check(r.status() === 403, forms[n].id + ' from ' + origin +
				': ' + r.status() + ', not 403');
			await page.close();
		}
	} finally {
		srv.close();
	}
	const after = sql('SELECT count(*) FROM sessions s JOIN users u ON ' +
		'u.id = s.user_id WHERE u.email = ' + lit(person) +
		' AND s.revoked_at IS NULL') + '/' + sql('SELECT password_hash ' +
		'FROM users WHERE email = ' + lit(person));
	check(before === after, 'the database changed: sessions/password ' +
		before.split('/')[0] + ' -> ' + after.split('/')[0]);
}

// Tab from the top of the login page to its fields and submit with Enter.
async function keyboardSignIn(page, email, password) {
	await page.goto(BASE + '/login');
	for (let i = 0; i < 12; i++) {
		await page.keyboard.press('Tab');
		if (await page.evaluate(() => document.activeElement.id) ===
		    'email')
			break;
	}
	check(await page.evaluate(() => document.activeElement.id) === 'email',
		'Tab never reached the email field');
	await page.keyboard.type(email);
	await page.keyboard.press('Tab');
	check(await page.evaluate(() => document.activeElement.id) ===
		'password', 'Tab from the email field does not reach the password');
	await page.keyboard.type(password);
	await Promise.all([page.waitForNavigation(),
		page.keyboard.press('Enter')]);
	check(new URL(page.url()).pathname === '/account',
		'after Enter: ' + page.url());
}

// Opens the protected page; the paths the browser went through.
async function openProtected(page) {
	const seen = [];
	const onNav = (f) => {
		if (f === page.mainFrame())
			seen.push(new URL(f.url()).pathname);
	};
	const onReq = (r) => {
		if (r.isNavigationRequest())
			seen.push(new URL(r.url()).pathname);
	};
	page.on('framenavigated', onNav);
	page.on('request', onReq);
	try {
		await page.goto(BASE + WHOAMI);
	} finally {
		page.off('framenavigated', onNav);
		page.off('request', onReq);
	}
	return seen;
}

// The authorizer in the browser, with cookies holding tokens the API
// issued (so this part needs no page of the service): the access cookie
// opens the protected page; a page of another origin posting to it gets
// 403; a refresh cookie alone is sent to the renew step.
async function authorizerInBrowser(browser) {
	const t = apiSession();
	const cookie = (name, value, sameSite) => ({ name, value, sameSite,
		url: BASE, httpOnly: true });
	const a = await browser.newContext();
	const page = await a.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT);
	await a.addCookies([cookie('authd-access', t.access, 'Lax')]);
	await step('authorizer-access-cookie', page, async () => {
		await page.goto(BASE + WHOAMI);
		check((await bodyText(page)).includes('AUTH_EMAIL=' + t.email),
			'the protected page does not show ' + t.email);
		await shot(page, 'whoami-cookie');
	}, false);
	await step('authorizer-cross-site-post', page, async () => {
		const forms = [{ id: 'protected-post', action: BASE + WHOAMI,
			fields: { a: '1' } }];
		const srv = await attacker(forms);
		try {
			const resp = page.waitForResponse((r) => r.url() ===
				BASE + WHOAMI && r.request().method() === 'POST');
			await page.goto('http://127.0.0.1:' + srv.address().port +
				'/attack?n=0', { waitUntil: 'commit' }).catch(() => {});
			const r = await resp;
			check(r.status() === 403, 'a POST from another origin: ' +
				r.status() + ', not 403');
			await page.waitForLoadState();
			await shot(page, 'cross-site-protected-post');
		} finally {
			srv.close();
		}
	}, false);
	await a.close();
	const b = await browser.newContext();
	const other = await b.newPage();
	other.setDefaultTimeout(STEP_TIMEOUT);
	await b.addCookies([cookie('authd-refresh', t.refresh, 'Strict')]);
	await step('authorizer-refresh-cookie-to-renew', other, async () => {
		const seen = await openProtected(other);
		check(seen.includes('/auth/session/renew'), 'not sent to ' +
			'/auth/session/renew: ' + seen.join(' '));
		await shot(other, 'renew-from-refresh-cookie');
	}, false);
	await b.close();
}

async function journey(browser) {
	const stamp = Date.now().toString(36);
	const email = 'browser-' + stamp + '@example.com';
	const pw = 'Correct horse ' + stamp + ' battery staple';
	const pw2 = 'Another long passphrase ' + stamp + ' here';
	const a = await browser.newContext();
	const page = await a.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT);

	await step('protected-page-sends-to-login', page, async () => {
		await page.goto(BASE + WHOAMI);
		const u = new URL(page.url());
		check(u.pathname === '/login' && u.searchParams.get('next') ===
			WHOAMI, 'not sent to /login?next=' + WHOAMI);
		await shot(page, 'login-next');
	}, false);
	await step('signup', page, async () => {
		const r = await page.goto(BASE + '/signup');
		await shot(page, 'signup');
		check(r.ok(), 'GET /signup answered ' + r.status());
		await typeInto(page, 'form#signup input#email', email);
		await typeInto(page, 'form#signup input#password', pw);
		await clickAndWait(page, page.getByRole('button',
			{ name: 'Create account' }));
		check(new URL(page.url()).pathname === '/signup/check-email',
			'after signup: ' + page.url());
		await shot(page, 'signup-check-email');
	});
	await step('verify-email', page, async () => {
		await page.goto(mailLink(email, 1));
		await shot(page, 'verify-email');
		await clickAndWait(page, page.locator('form button, form ' +
			'input[type=submit]').first());
		await page.locator('a#login-link').waitFor();
		await shot(page, 'verify-email-done');
		await clickAndWait(page, page.locator('a#login-link'));
		check(new URL(page.url()).pathname === '/login',
			'the link goes to ' + page.url());
		await shot(page, 'login');
	});
	await step('login', page, async () => {
		await signIn(page, email, pw);
		check(new URL(page.url()).pathname === '/account',
			'after sign-in: ' + page.url());
		check((await page.textContent('#account-email')).trim() === email,
			'#account-email is not ' + email);
		const c = (await a.cookies(BASE)).find((x) =>
			x.name === 'authd-access');
		check(c, 'no access cookie after signing in');
		check(c.expires > 0 && c.expires * 1000 <= Date.now() +
			(TTL + 1) * 1000, 'the access cookie lives past ' +
			'access_ttl (' + TTL + 's): expires ' + c.expires);
		await shot(page, 'account');
	});
	await step('protected-page', page, async () => {
		await page.goto(BASE + WHOAMI);
		check((await bodyText(page)).includes('AUTH_EMAIL=' + email),
			'the protected page does not show ' + email);
		await shot(page, 'whoami');
	});

	// A second browser (its own cookies) signed in as the same person.
	const b = await browser.newContext();
	const other = await b.newPage();
	other.setDefaultTimeout(STEP_TIMEOUT);
	await step('second-session', other, async () => {
		await other.goto(BASE + '/login');
		await signIn(other, email, pw);
		check(new URL(other.url()).pathname === '/account',
			'second sign-in: ' + other.url());
	});

	// While the first access cookie ages: the other site, the keyboard.
	await step('cross-site-forms-refused', page, async () => {
		await page.goto(BASE + '/account');
		await crossSite(a, email, pw, await accountForms(page));
	}, false);
	const k = await browser.newContext();
	const kpage = await k.newPage();
	kpage.setDefaultTimeout(STEP_TIMEOUT);
	await step('keyboard-only-login', kpage, async () => {
		await keyboardSignIn(kpage, email, pw);
	}, false);
	await k.close();
	await step('forgot-password-pages', page, async () => {
		const p = await b.newPage();
		try {
			await p.goto(BASE + '/forgot-password');
			await shot(p, 'forgot-password');
			await typeInto(p, 'form#forgot input#email', email);
			await clickAndWait(p, p.locator('form#forgot button, ' +
				'form#forgot input[type=submit]').first());
			await shot(p, 'forgot-password-sent');
			await p.goto(mailLink(email, 2));
			check(await p.locator('input#password').count() === 1,
				'no password field on ' + p.url());
			await shot(p, 'reset-password');
		} finally {
			await p.close();
		}
	}, false);

	await step('renewed-without-login', page, async () => {
		// Both browsers' access cookies expire: the one of this browser
		// is then renewed, the other one's refresh cookie gets revoked.
		let until = 0;
		for (const ctx of [a, b]) {
			const c = (await ctx.cookies(BASE)).find((x) =>
				x.name === 'authd-access');
			// Gone already (the steps since signing in took longer
			// than access_ttl on a busy machine): what this waits for.
			if (!c)
				continue;
			check(c.expires > 0 && c.expires * 1000 <= Date.now() +
				(TTL + 1) * 1000, 'the access cookie lives past ' +
				'access_ttl (' + TTL + 's): expires ' + c.expires);
			until = Math.max(until, c.expires * 1000 + 1500);
		}
		if (until > Date.now())
			await page.waitForTimeout(until - Date.now());
		const seen = await openProtected(page);
		check(!seen.includes('/login'), 'went through the login page: ' +
			seen.join(' '));
		check(seen.includes('/auth/session/renew'), 'not renewed: ' +
			seen.join(' '));
		check((await bodyText(page)).includes('AUTH_EMAIL=' + email),
			'the renewed page does not show ' + email);
		await shot(page, 'whoami-renewed');
	});
	await step('revoke-other-session', page, async () => {
		const sid = sql('SELECT s.id FROM sessions s JOIN users u ON ' +
			'u.id = s.user_id WHERE u.email = ' + lit(email) + ' AND ' +
			's.revoked_at IS NULL ORDER BY s.created_at LIMIT 1 OFFSET 1');
		await page.goto(BASE + '/account');
		const rows = page.locator('tr.session');
		check(await rows.count() >= 2, 'fewer than two session rows');
		await shot(page, 'account-sessions');
		const form = page.locator('form.revoke-session', {
			has: page.locator('input[value="' + sid + '"]') });
		const target = await form.count() === 1 ? form :
			page.locator('form.revoke-session[action*="' + sid + '"]');
		check(await target.count() === 1, 'no revoke form for ' + sid);
		await clickAndWait(page, target.getByRole('button',
			{ name: 'Revoke' }));
		check(sql('SELECT revoked_at IS NOT NULL FROM sessions WHERE id = ' +
			lit(sid)) === 't', 'the other session is not revoked');
		// Its access cookie has expired too: its refresh cookie is all it
		// has, and it no longer works.
		await other.goto(BASE + WHOAMI);
		check(new URL(other.url()).pathname === '/login',
			'the revoked browser reached ' + other.url());
		await shot(other, 'revoked-session-login');
	}, false);
	await step('change-password', page, async () => {
		await page.goto(BASE + '/account');
		await typeInto(page, 'form#change-password input#current_password',
			pw);
		await typeInto(page, 'form#change-password input#new_password', pw2);
		const r = await clickAndWait(page, page.locator(
			'form#change-password button, form#change-password ' +
			'input[type=submit]').first());
		await shot(page, 'account-password-changed');
		check(r && r.ok(), 'password change answered ' +
			(r ? r.status() : 'nothing') + ' at ' + page.url());
	});
	await step('logout-and-back-through-next', page, async () => {
		await page.goto(BASE + '/account');
		await clickAndWait(page, page.locator('form#logout button, ' +
			'form#logout input[type=submit]').first());
		check(new URL(page.url()).pathname === '/login',
			'after logout: ' + page.url());
		await shot(page, 'logged-out');
		await page.goto(BASE + WHOAMI);
		const u = new URL(page.url());
		check(u.pathname === '/login' && u.searchParams.get('next') ===
			WHOAMI, 'the protected page sent us to ' + page.url());
		await signIn(page, email, pw2);
		check(new URL(page.url()).pathname === WHOAMI,
			'next did not bring us back: ' + page.url());
		check((await bodyText(page)).includes('AUTH_EMAIL=' + email),
			'back on the protected page without ' + email);
		await shot(page, 'whoami-after-next');
	});
	await b.close();
	await a.close();
}

async function main() {
	fs.rmSync(SHOTS, { recursive: true, force: true });
	fs.mkdirSync(SHOTS, { recursive: true });
	const t0 = Date.now();
	// Playwright gives the browser a fresh --user-data-dir of its own and
	// removes it on close; the flags are for running as root in a box.
	const browser = await chromium.launch({ executablePath:
		process.env.AUTH_BROWSER || '/usr/bin/chromium', headless: true,
		chromiumSandbox: false, args: FLAGS });
	console.log('browser: chromium %s, playwright-core %s', browser.version(),
		JSON.parse(fs.readFileSync(path.join(path.dirname(
			require.resolve('playwright-core')), 'package.json'))).version);
	try {
		await authorizerInBrowser(browser);
		await journey(browser);
	} catch (e) {
		if (!String(e.message).startsWith('stopped after'))
			failures++;
		console.log('journey: %s', e.message);
	} finally {
		await browser.close();
	}
	console.log('screenshots in %s: %s', SHOTS, fs.readdirSync(SHOTS).sort()
		.join(' '));
	console.log('%d steps passed, %d failed (%ds)', passed.length, failures,
		Math.round((Date.now() - t0) / 1000));
	process.exit(failures ? 1 : 0);
}

main();
