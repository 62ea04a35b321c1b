// The end-to-end journeys, in a real browser against a real server:
// a knowledge question answered with a working citation; an angry customer
// escalated to a human, who sees the summary card and Case number and
// replies to the customer's widget; CSAT flowing into analytics; an admin's
// rule change steering the next conversation; the widget on a 320 px phone,
// driven by keyboard alone. Each screen is checked with axe-core, checked for
// sideways overflow, and saved as a screenshot.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { api, expectAccessible, shot, signIn, staffApi } from './support';
import { serverState } from './state';

test.describe.configure({ mode: 'serial' });

async function openWidget(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${serverState().baseUrl}/demo`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect(page.getByTestId('conn-state')).toHaveAttribute('data-state', 'open');
  await shot(page, name);
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('[data-testid="msg"][data-sender="customer"]').filter({ hasText: text })).toBeVisible();
}

interface Conversation {
  id: string;
  escalated: boolean;
  status: string;
  satisfaction: number | null;
}

let escalatedCustomer: Page | null = null;
let escalatedId = '';

test('a customer asks a knowledge question and gets an answer with a working citation link', async ({ browser }) => {
  const page = await openWidget(browser, 'widget-open');
  await expectAccessible(page, 'widget');
  await say(page, 'What does REQUEST_LIMIT_EXCEEDED mean and how do I avoid it?');
  const answer = page.locator('[data-testid="msg"][data-sender="ai"]').last();
  await expect(answer).toBeVisible();
  const citation = page.getByTestId('citation').first();
  await expect(citation).toBeVisible();
  await expect(citation).toContainText(/REQUEST_LIMIT_EXCEEDED/);
  const href = await citation.getAttribute('href');
  expect(href).toBeTruthy();
  const article = await page.request.get(href!);
  expect(article.status()).toBe(200);
  expect(await article.text()).toContain('REQUEST_LIMIT_EXCEEDED');
  await shot(page, 'widget-answer-with-citation');
  // The link itself opens the article.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), citation.click()]);
  await tab.waitForLoadState();
  await expect(tab.locator('h1')).toContainText('REQUEST_LIMIT_EXCEEDED');
  await expectAccessible(tab, 'help article');
  await shot(tab, 'help-article');
  await page.context().close();
});

test('the widget fits a 320 px wide phone, keyboard only', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await page.goto(`${serverState().baseUrl}/demo`);
  // Keyboard only: Tab to the launcher, Enter opens it, focus lands in the composer.
  const launcher = page.getByRole('button', { name: 'Open chat' });
  for (let i = 0; i < 30 && !(await launcher.evaluate((el) => (el.getRootNode() as Document | ShadowRoot).activeElement === el)); i++) await page.keyboard.press('Tab');
  await expect(launcher).toBeFocused();
  await page.keyboard.press('Enter');
  const box = page.getByRole('textbox', { name: 'Message' });
  await expect(box).toBeFocused();
  await page.keyboard.type('How do I reset my password?');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="msg"][data-sender="ai"]').last()).toBeVisible();
  const panel = await page.getByRole('dialog').first().boundingBox();
  expect(panel, 'the chat window is on screen').not.toBeNull();
  expect(panel!.x).toBeGreaterThanOrEqual(0);
  expect(panel!.x + panel!.width).toBeLessThanOrEqual(320);
  await expectAccessible(page, 'widget at 320 px');
  await shot(page, 'widget-320px');
  await context.close();
});

test('an angry customer is escalated; the agent sees the summary card and Case number and replies', async ({ browser }) => {
  const customer = await openWidget(browser, 'widget-before-escalation');
  await say(customer, 'This is ridiculous! I have been locked out for three days and nobody helps. I want to talk to a human now!');
  await expect(customer.locator('[data-testid="msg"][data-sender="system"], [data-testid="msg"][data-sender="ai"]').last()).toBeVisible();

  const list = await api<{ data?: Conversation[]; items?: Conversation[] } | Conversation[]>('/v1/conversations?limit=20');
  const rows = Array.isArray(list) ? list : (list.data ?? list.items ?? []);
  await expect.poll(async () => {
    const l = await api<{ data?: Conversation[]; items?: Conversation[] } | Conversation[]>('/v1/conversations?limit=20');
    const r = Array.isArray(l) ? l : (l.data ?? l.items ?? []);
    return r.find((c) => c.escalated)?.id ?? '';
  }).not.toBe('');
  const fresh = await api<{ data?: Conversation[]; items?: Conversation[] } | Conversation[]>('/v1/conversations?limit=20');
  escalatedId = (Array.isArray(fresh) ? fresh : (fresh.data ?? fresh.items ?? rows)).find((c) => c.escalated)!.id;
  await shot(customer, 'widget-escalated');

  const agent = await (await browser.newContext()).newPage();
  await signIn(agent);
  await expectAccessible(agent, 'console home');
  await shot(agent, 'console-queues');
  await agent.goto(`${serverState().baseUrl}/app/conversations`);
  await expect(agent.getByRole('heading').first()).toBeVisible();
  await expectAccessible(agent, 'conversation list');
  await shot(agent, 'console-conversations');

  await agent.goto(`${serverState().baseUrl}/app/conversations/${escalatedId}`);
  await expect(agent.getByTestId('summary-card')).toBeVisible();
  await expect(agent.getByTestId('case-link')).toContainText(/\d{8}/);
  await expectAccessible(agent, 'conversation view');
  await shot(agent, 'console-conversation');

  const claim = agent.getByRole('button', { name: 'Claim' });
  if (await claim.isEnabled()) await claim.click();
  const reply = 'Hello, this is Sam from support. I have unlocked your account.';
  await agent.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await agent.getByRole('button', { name: 'Send' }).click();
  await expect(customer.locator('[data-testid="msg"][data-sender="agent"]').filter({ hasText: 'unlocked your account' })).toBeVisible();
  await shot(customer, 'widget-agent-reply');

  escalatedCustomer = customer;
  await agent.getByRole('button', { name: 'Resolve' }).click();
  const confirm = agent.getByRole('dialog').getByRole('button', { name: /resolve/i });
  if (await confirm.count()) await confirm.first().click();
  await shot(agent, 'console-resolved');
  await agent.context().close();
});

test('CSAT is submitted from the widget and appears in analytics', async ({ browser }) => {
  const customer = escalatedCustomer!;
  const csat = customer.getByTestId('csat');
  await expect(csat).toBeVisible();
  await expectAccessible(customer, 'widget CSAT');
  await shot(customer, 'widget-csat');
  await csat.getByRole('radio', { name: /5/ }).or(csat.getByRole('button', { name: /5/ })).first().click();
  await csat.getByRole('button', { name: /submit|send/i }).click();
  await expect.poll(async () => (await api<Conversation>(`/v1/conversations/${escalatedId}`)).satisfaction).toBe(5);
  await customer.context().close();

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin);
  await admin.goto(`${serverState().baseUrl}/app/admin/analytics`);
  await expect(admin.getByTestId('kpi-csat')).toContainText('5');
  await expectAccessible(admin, 'analytics');
  await shot(admin, 'admin-analytics');
  await admin.context().close();
});

test('an admin edits a rule and the next conversation follows it', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin);
  await admin.goto(`${serverState().baseUrl}/app/admin/rules`);
  const editor = admin.getByRole('textbox', { name: 'Rules' });
  await expect(editor).not.toHaveValue('');
  await expectAccessible(admin, 'rules');
  const current = await editor.inputValue();
  const rule = [
    '  - id: pineapple_promo',
    '    name: The pineapple promotion',
    '    kind: automation',
    '    priority: 10',
    '    when:',
    '      all:',
    '        - keywords: ["pineapple"]',
    '    then:',
    '      - reply: "Pineapples are on the house this week!"',
    '',
  ].join('\n');
  // A broken edit first: the error shows inline and nothing is saved.
  await editor.fill(`${current.trimEnd()}\n  - id: broken\n    kind: nonsense\n`);
  await admin.getByRole('button', { name: 'Validate' }).click();
  await expect(admin.getByTestId('rule-error').first()).toBeVisible();
  await shot(admin, 'admin-rules-error');
  await editor.fill(`${current.trimEnd()}\n${rule}`);
  await admin.getByRole('button', { name: 'Validate' }).click();
  await expect(admin.getByTestId('rule-error')).toHaveCount(0);
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect.poll(async () => (await staffApi<{ document: string }>('/v1/admin/rules')).document).toContain('pineapple_promo');
  await shot(admin, 'admin-rules-saved');

  for (const screen of ['knowledge', 'intents', 'workflows', 'integrations', 'users', 'api-keys']) {
    await admin.goto(`${serverState().baseUrl}/app/admin/${screen}`);
    await expect(admin.getByRole('heading').first()).toBeVisible();
    await admin.waitForLoadState('networkidle');
    await expectAccessible(admin, `admin ${screen}`);
    await shot(admin, `admin-${screen}`);
  }
  await admin.context().close();

  const customer = await openWidget(browser, 'widget-rule');
  await say(customer, 'Do you have a pineapple deal?');
  await expect(customer.locator('[data-testid="msg"][data-sender="ai"]').filter({ hasText: 'Pineapples are on the house this week!' })).toBeVisible();
  await shot(customer, 'widget-rule-followed');
  await customer.context().close();
});
