// The AI writes light markdown (**bold**, `code`): shown as such, as React
// nodes (never HTML), so agents read what the customer sees.
import type { ReactNode } from 'react';

const TOKEN = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/g;

export function InlineText({ text }: { text: string }) {
  const parts: ReactNode[] = text.split(TOKEN).map((p, i) => {
    if (p.length > 4 && p.startsWith('**') && p.endsWith('**')) return <strong key={i}>{p.slice(2, -2)}</strong>;
    if (p.length > 2 && p.startsWith('`') && p.endsWith('`')) return <code key={i}>{p.slice(1, -1)}</code>;
    return p;
  });
  return <>{parts}</>;
}
