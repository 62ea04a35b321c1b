// The knowledge base: search the articles, see how often each one is cited
// in answers and how often those conversations were resolved, create and
// edit articles (every save is a new version, with the history shown), retire
// them, and import files.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Divider, Grid,
  InputAdornment, Link, List, ListItem, ListItemButton, ListItemText, Paper, Stack, Table, TableBody, TableCell, TableContainer,
  TableHead, TablePagination, TableRow, TextField, Typography,
} from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import SearchIcon from '@mui/icons-material/Search';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { errorField, errorText } from '../api';
import {
  type Article, type ArticleDetail, type ArticleInput, useArticleQuery, useArticlesQuery, useCreateArticleMutation,
  useDeleteArticleMutation, useImportArticlesMutation, useUpdateArticleMutation,
} from './api';
import { dateTime, ErrorAlert, Loading, PageHeader, pct, ScreenReaderOnly } from './common';

interface Draft {
  /** Create only. */
  slug?: string;
  title: string;
  body: string;
  language: string;
  tags: string;
  category: string;
}

const EMPTY: Draft = { title: '', body: '', language: 'en', tags: '', category: '' };

function draftOf(a: Pick<ArticleDetail, 'title' | 'body' | 'language' | 'tags' | 'category'>): Draft {
  return { title: a.title, body: a.body, language: a.language, tags: a.tags.join(', '), category: a.category ?? '' };
}

/** The request body of a draft: tags split on commas, an empty category left out. */
export function inputOf(d: Draft): ArticleInput {
  const input: ArticleInput = {
    title: d.title.trim(),
    body: d.body,
    language: d.language.trim() || 'en',
    tags: d.tags.split(',').map((t) => t.trim()).filter((t) => t !== ''),
  };
  if (d.category.trim()) input.category = d.category.trim();
  if (d.slug?.trim()) input.slug = d.slug.trim();
  return input;
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

const FORM_FIELDS = ['title', 'body', 'language', 'tags', 'category', 'slug'];

function ArticleForm({ draft, setDraft, error, withSlug = false }: { draft: Draft; setDraft: (d: Draft) => void; error: unknown; withSlug?: boolean }) {
  const named = errorField(error);
  // Only fields the form shows get the message on the field; anything else is an alert.
  const field = named && FORM_FIELDS.some((f) => named === f || named.endsWith(`.${f}`)) && (withSlug || !named.endsWith('slug')) ? named : undefined;
  const help = (name: string, text: string) => (field === name || field?.endsWith(`.${name}`) ? errorText(error) : text);
  const bad = (name: string) => field === name || field?.endsWith(`.${name}`) === true;
  return (
    <Stack sx={{ gap: 2, pt: 1 }}>
      <TextField label="Title" value={draft.title} required onChange={(e) => setDraft({ ...draft, title: e.target.value })}
        error={bad('title')} helperText={help('title', ' ')} fullWidth />
      <TextField label="Body" value={draft.body} required multiline minRows={8} maxRows={24}
        onChange={(e) => setDraft({ ...draft, body: e.target.value })} error={bad('body')} helperText={help('body', 'Markdown')} fullWidth />
      <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 2 }}>
        <TextField label="Language" value={draft.language} onChange={(e) => setDraft({ ...draft, language: e.target.value })}
          error={bad('language')} helperText={help('language', 'ISO 639-1 code, e.g. en')} sx={{ width: { sm: 160 } }} />
        <TextField label="Tags" value={draft.tags} onChange={(e) => setDraft({ ...draft, tags: e.target.value })}
          error={bad('tags')} helperText={help('tags', 'Separated by commas')} sx={{ flex: 1 }} />
        <TextField label="Category" value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })}
          error={bad('category')} helperText={help('category', 'Optional')} sx={{ width: { sm: 200 } }} />
      </Stack>
      {withSlug && (
        <TextField label="Slug" value={draft.slug ?? ''} onChange={(e) => setDraft({ ...draft, slug: e.target.value })}
          error={bad('slug')} helperText={help('slug', 'Optional stable key (a-z, 0-9, -, _, .); default: from the title')} fullWidth />
      )}
      {error && !field ? <ErrorAlert error={error} /> : null}
    </Stack>
  );
}

function CreateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [create, state] = useCreateArticleMutation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await create(inputOf(draft)).unwrap();
      setDraft(EMPTY);
      state.reset();
      onClose();
    } catch {
      // shown in the form
    }
  }
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="md" aria-labelledby="new-article-title"
      slotProps={{ paper: { component: 'form', onSubmit: submit } as object }}>
      <DialogTitle id="new-article-title">New article</DialogTitle>
      <DialogContent>
        <ArticleForm draft={draft} setDraft={setDraft} error={state.error} withSlug />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="contained" disabled={state.isLoading || !draft.title.trim() || !draft.body.trim()}>
          Create
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function EditDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const { data, error, isFetching } = useArticleQuery(id ?? '', { skip: id === null, refetchOnMountOrArgChange: true });
  const [update, state] = useUpdateArticleMutation();
  const [remove, removing] = useDeleteArticleMutation();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [viewing, setViewing] = useState<Article | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const loadedFor = useRef<string | null>(null);

  useEffect(() => {
    if (data && loadedFor.current !== `${data.id}@${data.version}`) {
      loadedFor.current = `${data.id}@${data.version}`;
      setDraft(draftOf(data));
      setViewing(null);
    }
  }, [data]);

  function close() {
    loadedFor.current = null;
    setDraft(null);
    setViewing(null);
    setConfirmDelete(false);
    state.reset();
    onClose();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!id || !draft) return;
    try {
      await update({ id, body: inputOf(draft) }).unwrap();
      close();
    } catch {
      // shown in the form
    }
  }

  async function retire() {
    if (!id) return;
    try {
      await remove(id).unwrap();
      close();
    } catch {
      setConfirmDelete(false);
    }
  }

  return (
    <Dialog open={id !== null} onClose={close} fullWidth maxWidth="lg" aria-labelledby="edit-article-title"
      slotProps={{ paper: { component: 'form', onSubmit: submit } as object }}>
      <DialogTitle id="edit-article-title">
        Edit article{data ? `: ${data.title}` : ''}
      </DialogTitle>
      <DialogContent>
        <ErrorAlert error={error} what="Could not load the article" />
        {isFetching && !draft && <Loading label="Loading article" />}
        {draft && data && (
          <Grid container spacing={3}>
            <Grid size={{ xs: 12, md: 8 }}>
              <Typography variant="body2" color="text.secondary">
                Version {data.version} · slug <code>{data.slug}</code> · cited {data.cited} times, {data.resolved} resolved ({pct(data.resolution_rate)}).
                Saving creates version {data.version + 1}.
              </Typography>
              <ArticleForm draft={draft} setDraft={setDraft} error={state.error} />
            </Grid>
            <Grid size={{ xs: 12, md: 4 }}>
              <Typography component="h3" variant="subtitle1" id="versions-title">
                Version history
              </Typography>
              {data.versions.length === 0 ? (
                <Typography variant="body2" color="text.secondary">Only this version.</Typography>
              ) : (
                <List dense aria-labelledby="versions-title" data-testid="version-history">
                  {data.versions.map((v) => (
                    <ListItem key={v.version} disablePadding>
                      <ListItemButton selected={viewing?.version === v.version} onClick={() => setViewing(v)}>
                        <ListItemText
                          primary={`Version ${v.version}${v.is_current || v.version === data.version ? ' (current)' : ''}`}
                          secondary={`${dateTime(v.created_at)} · ${v.title}`}
                        />
                      </ListItemButton>
                    </ListItem>
                  ))}
                </List>
              )}
              {viewing && (
                <Paper variant="outlined" sx={{ p: 1.5, mt: 1 }} aria-label={`Version ${viewing.version}`}>
                  <Typography variant="subtitle2">{viewing.title}</Typography>
                  <Typography variant="caption" color="text.secondary" component="p">
                    {viewing.language} · {viewing.tags.join(', ') || 'no tags'}
                  </Typography>
                  <Typography variant="body2" component="pre" sx={{ whiteSpace: 'pre-wrap', maxHeight: 240, overflow: 'auto', fontFamily: 'inherit' }}>
                    {viewing.body ?? '(body not included)'}
                  </Typography>
                  {viewing.body !== undefined && viewing.version !== data.version && (
                    <Button size="small" onClick={() => setDraft(draftOf({ ...viewing, body: viewing.body ?? '' }))}>
                      Restore into the editor
                    </Button>
                  )}
                </Paper>
              )}
            </Grid>
          </Grid>
        )}
        <ErrorAlert error={removing.error} what="Could not retire the article" />
        {confirmDelete && (
          <Alert severity="warning" sx={{ mt: 2 }} action={
            <Stack direction="row" sx={{ gap: 1 }}>
              <Button color="inherit" size="small" onClick={() => setConfirmDelete(false)}>Keep</Button>
              <Button color="error" size="small" variant="contained" onClick={retire} disabled={removing.isLoading}>Retire</Button>
            </Stack>
          }>
            Retire this article? The assistant stops citing it.
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button color="error" onClick={() => setConfirmDelete(true)} disabled={!data} sx={{ mr: 'auto' }}>
          Retire article
        </Button>
        <Button onClick={close}>Cancel</Button>
        <Button type="submit" variant="contained" disabled={!draft || state.isLoading || !draft.title.trim() || !draft.body.trim()}>
          Save new version
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function summary(report: Record<string, unknown>): string {
  const parts = Object.entries(report)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${String(v)}`);
  return parts.length > 0 ? parts.join(', ') : 'done';
}

export function KnowledgePage() {
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), 300);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState(25);
  const { data, error, isLoading, isFetching } = useArticlesQuery({ q: query, limit: rows, offset: page * rows });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [importFiles, importing] = useImportArticlesMutation();
  const [imported, setImported] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => setPage(0), [query]);

  async function onFiles(files: FileList | null) {
    if (!files || files.length === 0) return;
    setImported(null);
    try {
      const r = await importFiles(Array.from(files)).unwrap();
      setImported(`Imported ${files.length} file${files.length === 1 ? '' : 's'} — ${summary(r)}`);
    } catch {
      // shown below
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  }

  const items = data?.items ?? [];
  const total = data?.total ?? (items.length < rows ? page * rows + items.length : -1);

  return (
    <Box>
      <PageHeader title="Knowledge">
        <Button variant="outlined" startIcon={<UploadFileIcon />} onClick={() => fileInput.current?.click()} disabled={importing.isLoading}>
          Import files
        </Button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          accept=".md,.markdown,.txt,.html,.htm,.json,.jsonl,.csv,.yaml,.yml"
          aria-label="Files to import"
          onChange={(e) => onFiles(e.target.files)}
        />
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setCreating(true)}>
          New article
        </Button>
      </PageHeader>
      <TextField
        label="Search articles"
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        fullWidth
        sx={{ mb: 2 }}
        slotProps={{ input: { startAdornment: <InputAdornment position="start"><SearchIcon /></InputAdornment> } }}
      />
      {imported && <Alert severity="success" role="status" sx={{ mb: 2 }} onClose={() => setImported(null)}>{imported}</Alert>}
      <ErrorAlert error={importing.error} what="The import failed" />
      <ErrorAlert error={error} what="Could not load the articles" />
      {isLoading ? (
        <Loading label="Loading articles" />
      ) : (
        <Paper>
          <TableContainer tabIndex={0} role="region" aria-label="Articles table">
            <Table size="small" aria-label="Articles" aria-busy={isFetching}>
              <TableHead>
                <TableRow>
                  <TableCell>Title</TableCell>
                  <TableCell>Language</TableCell>
                  <TableCell>Tags</TableCell>
                  <TableCell align="right">Version</TableCell>
                  <TableCell align="right">Cited</TableCell>
                  <TableCell align="right">Resolutions</TableCell>
                  <TableCell align="right">Resolution rate</TableCell>
                  <TableCell>Last cited</TableCell>
                  <TableCell><ScreenReaderOnly>Actions</ScreenReaderOnly></TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {items.length === 0 && (
                  <TableRow>
                    <TableCell colSpan={9}>{query ? `No articles match “${query}”.` : 'No articles yet.'}</TableCell>
                  </TableRow>
                )}
                {items.map((a) => (
                  <TableRow key={a.id} hover data-testid={`article-${a.id}`}>
                    <TableCell>
                      <Link component="button" type="button" onClick={() => setEditing(a.id)} sx={{ textAlign: 'left' }}>
                        {a.title}
                      </Link>
                      {a.category && <Typography variant="caption" color="text.secondary" component="div">{a.category}</Typography>}
                    </TableCell>
                    <TableCell>{a.language}</TableCell>
                    <TableCell>
                      <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap' }}>
                        {a.tags.map((t) => <Chip key={t} label={t} size="small" />)}
                      </Stack>
                    </TableCell>
                    <TableCell align="right">{a.version}</TableCell>
                    <TableCell align="right" data-testid="cited">{a.cited.toLocaleString()}</TableCell>
                    <TableCell align="right" data-testid="resolved">{a.resolved.toLocaleString()}</TableCell>
                    <TableCell align="right" data-testid="resolution-rate">{pct(a.resolution_rate)}</TableCell>
                    <TableCell>{a.last_cited_at ? dateTime(a.last_cited_at) : 'never'}</TableCell>
                    <TableCell>
                      <Button size="small" onClick={() => setEditing(a.id)} aria-label={`Edit ${a.title}`}>Edit</Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <Divider />
          <TablePagination
            component="div"
            count={total}
            page={page}
            rowsPerPage={rows}
            rowsPerPageOptions={[10, 25, 50, 100]}
            onPageChange={(_e, p) => setPage(p)}
            onRowsPerPageChange={(e) => {
              setRows(Number(e.target.value));
              setPage(0);
            }}
          />
        </Paper>
      )}
      <CreateDialog open={creating} onClose={() => setCreating(false)} />
      <EditDialog id={editing} onClose={() => setEditing(null)} />
    </Box>
  );
}
