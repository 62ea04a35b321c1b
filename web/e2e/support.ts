import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { serverState } from './state';

export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../target/e2e-screenshots');
mkdirSync(SHOTS, { recursive: true });

/**
 * Saves a full-page screenshot of the screen under target/e2e-screenshots/,
 * after checking that nothing on it spills past the viewport's width (a page
 * that scrolls sideways is a layout bug); the widest culprits are named.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return Array.from(document.querySelectorAll<HTMLElement>('body *'))
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter(({ right }) => right > width + 1)
      .sort((a, b) => b.right - a.right)
      .slice(0, 5)
      .map(({ el, right }) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').slice(0, 2).join('.')}` : ''} (right edge ${Math.round(right)} px > ${width} px)`);
  });
  expect(overflow, `${name}: the page scrolls sideways`).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core on the current screen: no serious or critical violations. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  ')}`);
  expect(report, `accessibility violations on ${screen}`).toEqual([]);
}

/** Signs in to the console as the tenant's first admin. */
export async function signIn(page: Page): Promise<void> {
  const s = serverState();
  await page.goto(`${s.baseUrl}/app/`);
  await page.getByLabel('Email').fill(s.email);
  await page.getByLabel('Password').fill(s.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Calls the API with the tenant's admin API key. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const s = serverState();
  const r = await fetch(`${s.baseUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${s.apiKey}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Calls the API as the tenant's admin user (staff endpoints refuse API keys). */
export async function staffApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const s = serverState();
  const t = await fetch(`${s.baseUrl}/v1/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: s.email, password: s.password }),
  });
  const { access_token } = (await t.json()) as { access_token: string };
  const r = await fetch(`${s.baseUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
