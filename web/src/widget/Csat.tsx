// The satisfaction prompt shown once a conversation is resolved: 1–5 stars
// (native radios, so arrow keys work) and an optional comment.

import { useState } from 'react';
import type { ChatController, CsatState } from './controller';
import type { Strings } from './i18n';

export function Csat({ state, controller, t }: { state: CsatState; controller: ChatController; t: Strings }) {
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  if (state === 'hidden') return null;
  if (state === 'thanks') {
    return (
      <section data-testid="csat" data-state="thanks" className="cw-csat">
        <p role="status">{t.csatThanks}</p>
      </section>
    );
  }
  return (
    <section data-testid="csat" data-state={state} className="cw-csat">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (score) void controller.submitCsat(score, comment);
        }}
      >
        <fieldset className="cw-stars">
          <legend>{t.csatPrompt}</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className={n <= score ? 'cw-star cw-on' : 'cw-star'}>
              <input
                type="radio"
                name="cw-score"
                value={n}
                checked={score === n}
                aria-label={t.csatStar(n)}
                onChange={() => setScore(n)}
              />
              <span aria-hidden="true">★</span>
            </label>
          ))}
        </fieldset>
        <textarea
          className="cw-input cw-comment"
          aria-label={t.csatComment}
          placeholder={t.csatComment}
          maxLength={2000}
          rows={2}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
        <button type="submit" className="cw-button" aria-disabled={!score || state === 'sending'}>
          {t.csatSubmit}
        </button>
      </form>
    </section>
  );
}
