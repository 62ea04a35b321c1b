import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { File as NodeFile } from 'node:buffer';
import { KnowledgePage } from './KnowledgePage';
import { apiError, installDomPolyfills, mockFetch, renderPage, type Call } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const article = (id: string, title: string, extra: Record<string, unknown> = {}) => ({
  id, org_id: 'o1', version: 2, is_current: true, title, category: null, tags: ['billing'], language: 'en',
  source_url: null, slug: id, created_at: '2025-03-01T00:00:00Z', ...extra,
});

const list = [
  // As the server lists them: usage nested, `updated_at`, an excerpt.
  article('a1', 'Reset your password', {
    created_at: undefined, updated_at: '2025-03-01T00:00:00Z', excerpt: 'Use the link',
    usage: { cited: 40, resolved: 30, resolution_rate: 0.75, last_cited_at: '2025-03-02T10:00:00Z' },
  }),
  // No rate: the page computes it.
  article('a2', 'Update billing details', { usage: { cited: 8, resolved: 2 } }),
  article('a3', 'Never cited', { cited: 0, resolved: 0 }),
];

const byPath = (calls: Call[], method: string, path: string) => calls.filter((c) => c.method === method && c.url.pathname === path);

describe('KnowledgePage', () => {
  it('lists articles with how often they are cited and lead to resolution, and searches', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge') {
        const q = c.url.searchParams.get('q');
        return { body: { items: q ? list.filter((a) => a.title.toLowerCase().includes(q)) : list, total: q ? 1 : 3 } };
      }
      return undefined;
    });
    renderPage(<KnowledgePage />);
    expect(screen.getByRole('heading', { name: 'Knowledge', level: 1 })).toBeInTheDocument();
    const row1 = await screen.findByTestId('article-a1');
    expect(within(row1).getByTestId('cited')).toHaveTextContent('40');
    expect(within(row1).getByTestId('resolved')).toHaveTextContent('30');
    expect(within(row1).getByTestId('resolution-rate')).toHaveTextContent('75.0%');
    const row2 = screen.getByTestId('article-a2');
    expect(within(row2).getByTestId('cited')).toHaveTextContent('8');
    expect(within(row2).getByTestId('resolution-rate')).toHaveTextContent('25.0%');
    expect(within(screen.getByTestId('article-a3')).getByTestId('resolution-rate')).toHaveTextContent('—');
    const first = byPath(calls, 'GET', '/v1/admin/knowledge')[0]!;
    expect(first.url.searchParams.get('limit')).toBe('25');
    expect(first.url.searchParams.get('offset')).toBe('0');
    expect(first.url.searchParams.has('q')).toBe(false);

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search articles' }), { target: { value: 'billing' } });
    await waitFor(() => expect(screen.queryByTestId('article-a1')).not.toBeInTheDocument());
    expect(screen.getByTestId('article-a2')).toBeInTheDocument();
    expect(byPath(calls, 'GET', '/v1/admin/knowledge').at(-1)!.url.searchParams.get('q')).toBe('billing');
  });

  it('creates an article with title, body, language and tags, and shows a field error from the server', async () => {
    let posts = 0;
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge') return { body: list };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/knowledge') {
        posts += 1;
        if (posts === 1) return { ...apiError(422, 'language: must be an ISO 639-1 code', { field: 'language' }) };
        return { status: 201, body: article('a9', 'Export reports', { version: 1 }) };
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<KnowledgePage />);
    await screen.findByTestId('article-a1');
    await user.click(screen.getByRole('button', { name: 'New article' }));
    const dialog = await screen.findByRole('dialog', { name: 'New article' });
    await user.type(within(dialog).getByRole('textbox', { name: /Title/ }), 'Export reports');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Body/ }), { target: { value: 'Open **Reports** and choose Export.' } });
    const language = within(dialog).getByRole('textbox', { name: 'Language' });
    await user.clear(language);
    await user.type(language, 'english');
    await user.type(within(dialog).getByRole('textbox', { name: 'Tags' }), 'reports, export , ,');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));

    // The server's field error is shown on the field.
    expect(await within(dialog).findByText('language: must be an ISO 639-1 code')).toBeInTheDocument();
    expect(language).toHaveAttribute('aria-invalid', 'true');

    await user.clear(language);
    await user.type(language, 'de');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const sent = byPath(calls, 'POST', '/v1/admin/knowledge');
    expect(sent).toHaveLength(2);
    expect(JSON.parse(sent[1]!.body!)).toEqual({
      title: 'Export reports',
      body: 'Open **Reports** and choose Export.',
      language: 'de',
      tags: ['reports', 'export'],
    });
    // The list is fetched again after the create.
    await waitFor(() => expect(byPath(calls, 'GET', '/v1/admin/knowledge').length).toBeGreaterThan(1));
  });

  it('shows a slug conflict on the Slug field and sends the slug', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge') return { body: { items: list, total: 3 } };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/knowledge') return apiError(409, 'slug: `reset` is taken by a current article', { field: 'slug' });
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<KnowledgePage />);
    await screen.findByTestId('article-a1');
    await user.click(screen.getByRole('button', { name: 'New article' }));
    const dialog = await screen.findByRole('dialog', { name: 'New article' });
    await user.type(within(dialog).getByRole('textbox', { name: /Title/ }), 'Reset');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Body/ }), { target: { value: 'x' } });
    await user.type(within(dialog).getByRole('textbox', { name: 'Slug' }), 'reset');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('slug: `reset` is taken by a current article')).toBeInTheDocument();
    expect(within(dialog).getByRole('textbox', { name: 'Slug' })).toHaveAttribute('aria-invalid', 'true');
    expect(JSON.parse(byPath(calls, 'POST', '/v1/admin/knowledge')[0]!.body!)).toMatchObject({ slug: 'reset', title: 'Reset' });
  });

  it('edits an article as a new version and shows its version history', async () => {
    // The server's shape: {article, versions (newest first), usage}.
    const detail = {
      article: article('a1', 'Reset your password', { body: 'Use the link.' }),
      usage: { cited: 40, resolved: 30, resolution_rate: 0.75, last_cited_at: null },
      versions: [
        article('a1', 'Reset your password', { version: 2, body: 'Use the link.' }),
        article('a1', 'Reset your password', { version: 1, is_current: false, body: 'Old text.' }),
      ],
    };
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge') return { body: list };
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge/a1') return { body: detail };
      if (c.method === 'PUT' && c.url.pathname === '/v1/admin/knowledge/a1') return { body: { ...detail, article: { ...detail.article, version: 3 } } };
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<KnowledgePage />);
    await user.click(await screen.findByRole('button', { name: 'Edit Reset your password' }));
    const dialog = await screen.findByRole('dialog', { name: /Edit article/ });
    expect(await within(dialog).findByText(/cited 40 times, 30 resolved \(75.0%\)/)).toBeInTheDocument();
    const history = await within(dialog).findByTestId('version-history');
    expect(within(history).getAllByRole('button').map((b) => b.textContent)).toEqual([
      expect.stringContaining('Version 2 (current)'),
      expect.stringContaining('Version 1'),
    ]);
    await user.click(within(history).getByRole('button', { name: /Version 1/ }));
    expect(within(dialog).getByText('Old text.')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Restore into the editor' }));
    expect(within(dialog).getByRole('textbox', { name: /Body/ })).toHaveValue('Old text.');

    await user.click(within(dialog).getByRole('button', { name: 'Save new version' }));
    await waitFor(() => expect(byPath(calls, 'PUT', '/v1/admin/knowledge/a1')).toHaveLength(1));
    expect(JSON.parse(byPath(calls, 'PUT', '/v1/admin/knowledge/a1')[0]!.body!)).toEqual({
      title: 'Reset your password', body: 'Old text.', language: 'en', tags: ['billing'],
    });
  });

  it('imports files as multipart form data and reports the result', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/knowledge') return { body: list };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/knowledge/import') return { body: { created: 2, updated: 0, unchanged: 1 } };
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<KnowledgePage />);
    await screen.findByTestId('article-a1');
    // jsdom's File and FormData do not cross into Node's fetch; use Node's own, as a browser has one realm.
    const NodeFormData = (await new Response('', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).formData()).constructor;
    vi.stubGlobal('FormData', NodeFormData);
    const files = [new NodeFile(['# A\nbody'], 'a.md', { type: 'text/markdown' }), new NodeFile(['<h1>B</h1>'], 'b.html', { type: 'text/html' })] as unknown as File[];
    await user.upload(screen.getByLabelText('Files to import'), files);
    expect(await screen.findByText(/Imported 2 files — created: 2, updated: 0, unchanged: 1/)).toBeInTheDocument();
    const post = calls.find((c) => c.url.pathname === '/v1/admin/knowledge/import')!;
    expect(post.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    expect(post.body).toContain('name="files"; filename="a.md"');
    expect(post.body).toContain('name="files"; filename="b.html"');
    expect(post.body).toContain('# A\nbody');
  });

  it('shows the 404 of a server without the endpoint as an alert', async () => {
    mockFetch(() => undefined);
    renderPage(<KnowledgePage />);
    expect(await screen.findByText(/no route \/v1\/admin\/knowledge/)).toBeInTheDocument();
  });
});
