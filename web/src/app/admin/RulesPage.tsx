// The tenant's rules: a YAML editor with Validate and Save. The server names
// the rule and the field of a validation error (and the line and column of
// a syntax error); they are shown under the editor, and choosing one moves
// the cursor to its line.

import { useEffect, useRef, useState } from 'react';
import { Alert, Box, Button, List, ListItem, ListItemButton, ListItemText, TextField, Typography } from '@mui/material';
import { errorText } from '../api';
import { useRulesQuery, useSaveRulesMutation, useValidateRulesMutation } from './api';
import { ErrorAlert, errorStatus, Loading, PageHeader } from './common';

export interface RuleProblem {
  rule: string | null;
  field: string | null;
  message: string;
  line: number | null;
  column: number | null;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads the rule errors of a 422 in our error format (one, or `details.errors`). */
export function ruleProblems(e: unknown): RuleProblem[] {
  const body = (e as { data?: { error?: { message?: string; details?: unknown } } } | undefined)?.data?.error;
  const fallback = errorText(e);
  const details = body?.details as Record<string, unknown> | undefined;
  const raw: unknown[] = Array.isArray(details?.errors) ? (details.errors as unknown[]) : [details ?? {}];
  return raw.map((d) => {
    const o = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const message = str(o.message) ?? body?.message ?? fallback;
    let line = int(o.line);
    let column = int(o.column);
    if (line === null) {
      // Syntax errors carry the position in the top-level message: "line 3, column 3: …".
      const m = /line (\d+)(?:,? column (\d+))?/i.exec(`${message} ${raw.length === 1 ? (body?.message ?? '') : ''}`);
      if (m) {
        line = Number(m[1]);
        column = m[2] ? Number(m[2]) : column;
      }
    }
    return { rule: str(o.rule), field: str(o.field), message, line, column };
  });
}

/** Offset in `text` of 1-based `line` and `column`. */
function offsetOf(text: string, line: number, column: number | null): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, (column ?? 1) - 1));
}

export function RulesPage() {
  const { data, error, isLoading } = useRulesQuery();
  const [validate, validation] = useValidateRulesMutation();
  const [save, saving] = useSaveRulesMutation();
  const [doc, setDoc] = useState<string | null>(null);
  const [problems, setProblems] = useState<RuleProblem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const editor = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (data && doc === null) setDoc(data.document);
  }, [data, doc]);

  const text = doc ?? data?.document ?? '';

  function report(e: unknown) {
    if (errorStatus(e) === 422) {
      setProblems(ruleProblems(e));
      setFailure(null);
    } else {
      setProblems([]);
      setFailure(e);
    }
  }

  async function onValidate() {
    setNotice(null);
    try {
      const r = await validate(text).unwrap();
      setProblems([]);
      setFailure(null);
      setNotice(`Valid: ${r.rules} rule${r.rules === 1 ? '' : 's'}.`);
    } catch (e) {
      report(e);
    }
  }

  async function onSave() {
    setNotice(null);
    try {
      const r = await save(text).unwrap();
      setProblems([]);
      setFailure(null);
      setDoc(r.document);
      setNotice(`Saved version ${r.version} (${r.rules} rules); it applies now.`);
    } catch (e) {
      report(e);
    }
  }

  function goTo(p: RuleProblem) {
    const el = editor.current;
    if (!el || p.line === null) return;
    const at = offsetOf(text, p.line, p.column);
    el.focus();
    el.setSelectionRange(at, at);
  }

  return (
    <Box>
      <PageHeader title="Rules">
        <Button variant="outlined" onClick={onValidate} disabled={validation.isLoading || isLoading}>
          Validate
        </Button>
        <Button variant="contained" onClick={onSave} disabled={saving.isLoading || isLoading || !!error}>
          Save
        </Button>
      </PageHeader>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        The rules decide when the assistant answers, runs a workflow or hands over to a person. Saved rules apply at once.
        {data && ` Stored version ${data.version} (${data.version === 0 ? 'built-in defaults' : data.format}), ${data.rules} rules.`}
      </Typography>
      <ErrorAlert error={error} what="Could not load the rules" />
      {isLoading ? (
        <Loading label="Loading rules" />
      ) : (
        <TextField
          label="Rules"
          multiline
          fullWidth
          minRows={18}
          maxRows={40}
          value={text}
          onChange={(e) => {
            setDoc(e.target.value);
            setNotice(null);
          }}
          inputRef={editor}
          error={problems.length > 0}
          slotProps={{
            htmlInput: {
              spellCheck: false,
              'aria-describedby': problems.length > 0 ? 'rule-errors' : undefined,
              autoCapitalize: 'off',
              autoCorrect: 'off',
            },
          }}
          sx={{ '& textarea': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 14 } }}
        />
      )}
      {problems.length > 0 && (
        <Alert severity="error" sx={{ mt: 1 }} id="rule-errors">
          <Typography component="h2" variant="subtitle2">
            {problems.length === 1 ? 'The rules are not valid' : `The rules are not valid (${problems.length} problems)`}
          </Typography>
          <List dense disablePadding>
            {problems.map((p, i) => (
              <ListItem key={i} disablePadding>
                <ListItemButton
                  data-testid="rule-error"
                  onClick={() => goTo(p)}
                  sx={{ px: 0, alignItems: 'flex-start' }}
                >
                  <ListItemText
                    primary={
                      <>
                        {p.rule && <strong>Rule {p.rule}</strong>}
                        {p.rule && p.field && ' · '}
                        {p.field && <span>field <code>{p.field}</code></span>}
                        {(p.rule || p.field) && p.line !== null && ' · '}
                        {p.line !== null && (
                          <span>
                            line {p.line}
                            {p.column !== null && `, column ${p.column}`}
                          </span>
                        )}
                      </>
                    }
                    secondary={p.message}
                    slotProps={{ secondary: { color: 'inherit' } }}
                  />
                </ListItemButton>
              </ListItem>
            ))}
          </List>
        </Alert>
      )}
      <ErrorAlert error={failure} />
      {notice && (
        <Alert severity="success" role="status" sx={{ mt: 1 }}>
          {notice}
        </Alert>
      )}
    </Box>
  );
}
