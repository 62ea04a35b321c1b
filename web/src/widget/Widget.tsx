// The launcher and the chat window. Keyboard: the launcher and every control
// are reachable with Tab, Escape closes, focus moves into the window on open
// and back to the launcher on close.

import { useEffect, useRef, useSyncExternalStore } from 'react';
import { Composer } from './Composer';
import { Csat } from './Csat';
import { MessageList } from './MessageList';
import { quickReplyLabel, quickReplyValue, type ChatController } from './controller';
import { STRINGS } from './i18n';

export interface WidgetProps {
  controller: ChatController;
  title?: string | undefined;
  position?: 'left' | 'right';
}

export function Widget({ controller, title, position = 'right' }: WidgetProps) {
  const s = useSyncExternalStore(controller.subscribe, controller.getState);
  const t = STRINGS[s.lang];
  const launcherRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    if (s.open) inputRef.current?.focus();
    else if (wasOpen.current) launcherRef.current?.focus();
    wasOpen.current = s.open;
  }, [s.open]);

  // Messages shown while the window is open are read.
  useEffect(() => {
    controller.markRead();
  }, [controller, s.open, s.messages, s.conn]);

  const quick = controller.currentQuickReplies(s);
  const connText = s.conn === 'open' ? '' : s.connectedOnce ? t.reconnecting : s.open ? t.connecting : '';

  return (
    <div className={`cw-root cw-${position}`} lang={s.lang}>
      {!s.open && (
        <button
          ref={launcherRef}
          type="button"
          className="cw-launcher"
          aria-label={t.openChat}
          aria-haspopup="dialog"
          aria-expanded={false}
          onClick={() => controller.open()}
        >
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
            <path
              fill="currentColor"
              d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm2 5v2h12V9H6zm0 4v2h8v-2H6z"
            />
          </svg>
        </button>
      )}
      {/* Mounted while closed too (hidden), so a half-written message survives closing. */}
      {
        <div
          className={s.open ? 'cw-window' : 'cw-window cw-closed'}
          hidden={!s.open}
          role="dialog"
          aria-modal="false"
          aria-labelledby="cw-title"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              controller.close();
            }
          }}
        >
          <header className="cw-header">
            <h2 id="cw-title">{title || t.title}</h2>
            <button type="button" className="cw-icon cw-close" aria-label={t.closeChat} onClick={() => controller.close()}>
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z" />
              </svg>
            </button>
          </header>
          <div
            data-testid="conn-state"
            data-state={s.conn}
            role="status"
            className={connText ? 'cw-conn cw-conn-visible' : 'cw-conn'}
          >
            {connText}
          </div>
          <MessageList state={s} t={t} controller={controller} />
          {s.error && (
            <p className="cw-error" role="alert">
              {t.error}
            </p>
          )}
          <Csat state={s.csat} controller={controller} t={t} />
          {quick.length > 0 && (
            <div className="cw-quick" role="group" aria-label={t.quickReplies}>
              {quick.map((q, i) => (
                <button
                  key={i}
                  type="button"
                  data-testid="quick-reply"
                  className="cw-chip-button"
                  onClick={() => void controller.send(quickReplyValue(q))}
                >
                  {quickReplyLabel(q)}
                </button>
              ))}
            </div>
          )}
          <Composer controller={controller} t={t} inputRef={inputRef} />
          <span id="cw-newtab" className="cw-sr">
            {t.opensInNewTab}
          </span>
        </div>
      }
    </div>
  );
}
