import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RulesPage, ruleProblems } from './RulesPage';
import { apiError, installDomPolyfills, mockFetch, renderPage } from './testing';

const DOC = 'version: 1\nrules:\n  - id: vip\n    when: {}\n';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('RulesPage', () => {
  it('shows the rule, field and message of a validation error inline, and sends the edited YAML', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/rules')
        return { body: { version: 3, format: 'yaml', document: DOC, rules: 1 } };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/rules/validate')
        return apiError(422, 'rule vip: when.all[1].confidence.lt: must be between 0 and 1', {
          rule: 'vip',
          field: 'when.all[1].confidence.lt',
          message: 'must be between 0 and 1',
        });
      return undefined;
    });
    renderPage(<RulesPage />);
    const editor = await screen.findByRole('textbox', { name: 'Rules' });
    await waitFor(() => expect(editor).toHaveValue(DOC));
    expect(screen.getByRole('heading', { name: 'Rules' })).toBeInTheDocument();

    await userEvent.type(editor, '# edited');
    await userEvent.click(screen.getByRole('button', { name: 'Validate' }));

    const err = await screen.findByTestId('rule-error');
    expect(err).toHaveTextContent('Rule vip');
    expect(err).toHaveTextContent('when.all[1].confidence.lt');
    expect(err).toHaveTextContent('must be between 0 and 1');
    const sent = calls.find((c) => c.url.pathname === '/v1/admin/rules/validate');
    expect(sent?.body).toBe(`${DOC}# edited`);
    expect(sent?.headers.get('content-type')).toBe('application/yaml');
    expect(sent?.headers.get('authorization')).toBe('Bearer test-token');
  });

  it('shows line and column of a syntax error and Save clears errors on success', async () => {
    let saved: string | null = null;
    mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/rules')
        return { body: { version: 0, format: 'yaml', document: DOC, rules: 1 } };
      if (c.method === 'PUT' && c.url.pathname === '/v1/admin/rules') {
        if (saved === null) {
          saved = c.body;
          return apiError(422, 'syntax error', { rule: null, field: '', message: 'mapping values are not allowed', line: 3, column: 7 });
        }
        return { body: { version: 4, format: 'yaml', document: c.body, rules: 1 } };
      }
      return undefined;
    });
    renderPage(<RulesPage />);
    await screen.findByDisplayValue(/version: 1/);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const err = await screen.findByTestId('rule-error');
    expect(err).toHaveTextContent('line 3, column 7');
    expect(err).toHaveTextContent('mapping values are not allowed');
    expect(screen.getByRole('textbox', { name: 'Rules' })).toHaveAttribute('aria-invalid', 'true');

    // Choosing the error puts the cursor on its line and column.
    await userEvent.click(err);
    const editor = screen.getByRole('textbox', { name: 'Rules' }) as HTMLTextAreaElement;
    expect(editor).toHaveFocus();
    expect(editor.selectionStart).toBe('version: 1\nrules:\n'.length + 6);

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved version 4');
    expect(screen.queryByTestId('rule-error')).not.toBeInTheDocument();
  });

  it('reads the position of a syntax error from the top-level message, as the server sends it', () => {
    const e = { status: 422, data: { error: { message: 'line 3, column 3: did not find expected node content',
      details: { field: '', message: 'did not find expected node content', rule: null } } } };
    expect(ruleProblems(e)).toEqual([{ rule: null, field: null, message: 'did not find expected node content', line: 3, column: 3 }]);
  });

  it('reads several errors and line numbers from the message', () => {
    const e = { status: 422, data: { error: { message: 'x', details: { errors: [
      { rule: 'a', field: 'then', message: 'unknown action' },
      { message: 'did not find expected key at line 9 column 2' },
    ] } } } };
    const p = ruleProblems(e);
    expect(p).toHaveLength(2);
    expect(p[0]).toMatchObject({ rule: 'a', field: 'then', line: null });
    expect(p[1]).toMatchObject({ line: 9, column: 2 });
  });
});
