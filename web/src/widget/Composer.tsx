// The message box: text (Enter sends, Shift+Enter breaks the line), a
// code-snippet mode (sent as content_type `code`; Ctrl/⌘+Enter sends), and a
// paperclip to attach a file or image.

import { useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import type { ChatController } from './controller';
import type { Strings } from './i18n';
import type { Attachment, ContentType } from './types';

/** Text files small enough to send as a snippet rather than as a bare attachment. */
const SNIPPET_MAX_CHARS = 4000;
const TEXT_LIKE = /\.(txt|log|json|ya?ml|xml|csv|js|ts|tsx|jsx|py|rb|go|rs|java|cls|sql|sh|html|css|md)$/i;

export function Composer({ controller, t, inputRef }: { controller: ChatController; t: Strings; inputRef: Ref<HTMLTextAreaElement> }) {
  const [text, setText] = useState('');
  const [code, setCode] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const canSend = text.trim().length > 0 || file !== null;

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSend) return;
    let content = text;
    let type: ContentType = code ? 'code' : 'text';
    const attachments: Attachment[] = [];
    if (file) {
      const snippet = await readSnippet(file);
      if (snippet !== null && !content.trim()) {
        // A small log or source file: its text is what helps.
        content = snippet;
        type = /\.log$/i.test(file.name) ? 'error_log' : 'code';
      } else if (!code) {
        type = file.type.startsWith('image/') ? 'image' : 'file';
      }
      attachments.push({
        name: file.name.slice(0, 200),
        ...(file.type ? { mime_type: file.type } : {}),
        size: file.size,
      });
      if (!content.trim()) content = file.name;
    }
    setText('');
    setFile(null);
    if (fileRef.current) fileRef.current.value = '';
    await controller.send(content, type, attachments);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    if (code ? e.ctrlKey || e.metaKey : !e.shiftKey) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form className="cw-composer" onSubmit={(e) => void submit(e)}>
      {file && (
        <div className="cw-chip">
          <span>📎 {file.name}</span>
          <button
            type="button"
            className="cw-icon cw-small"
            aria-label={t.removeAttachment}
            onClick={() => {
              setFile(null);
              if (fileRef.current) fileRef.current.value = '';
            }}
          >
            ×
          </button>
        </div>
      )}
      <div className="cw-row">
        <button type="button" className="cw-icon" aria-label={t.attach} title={t.attach} onClick={() => fileRef.current?.click()}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path
              fill="currentColor"
              d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10h-1.5z"
            />
          </svg>
        </button>
        <input
          ref={fileRef}
          type="file"
          className="cw-file"
          tabIndex={-1}
          aria-label={t.attach}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <button
          type="button"
          className="cw-icon"
          aria-label={t.codeMode}
          title={t.codeMode}
          aria-pressed={code}
          onClick={() => setCode((c) => !c)}
        >
          <span aria-hidden="true" className="cw-mono">
            {'</>'}
          </span>
        </button>
        <textarea
          ref={inputRef}
          className={code ? 'cw-input cw-mono' : 'cw-input'}
          aria-label={t.message}
          placeholder={code ? t.codePlaceholder : t.placeholder}
          rows={code ? 4 : 1}
          maxLength={5000}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            controller.typing();
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="cw-send" aria-label={t.send} aria-disabled={!canSend}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
          </svg>
        </button>
      </div>
    </form>
  );
}

async function readSnippet(file: File): Promise<string | null> {
  const textual = file.type.startsWith('text/') || file.type === 'application/json' || TEXT_LIKE.test(file.name);
  if (!textual || file.size > SNIPPET_MAX_CHARS * 4) return null;
  try {
    const s = await file.text();
    return s.trim() && s.length <= SNIPPET_MAX_CHARS ? s : null;
  } catch {
    return null;
  }
}
