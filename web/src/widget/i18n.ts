// The widget's UI strings in English, Spanish, French and German. The
// language starts from data-lang or the browser and then follows the
// conversation (see `languageOf`).

export type Lang = 'en' | 'es' | 'fr' | 'de';
export const LANGS: readonly Lang[] = ['en', 'es', 'fr', 'de'];

export interface Strings {
  openChat: string;
  closeChat: string;
  title: string;
  welcome: string;
  messages: string;
  message: string;
  send: string;
  attach: string;
  removeAttachment: string;
  codeMode: string;
  codePlaceholder: string;
  placeholder: string;
  typing: string;
  reconnecting: string;
  connecting: string;
  connected: string;
  read: string;
  sending: string;
  failed: string;
  retry: string;
  you: string;
  assistant: string;
  agent: string;
  system: string;
  sources: string;
  opensInNewTab: string;
  quickReplies: string;
  escalated: string;
  agentJoined: string;
  resolved: string;
  csatPrompt: string;
  csatStar: (n: number) => string;
  csatComment: string;
  csatSubmit: string;
  csatThanks: string;
  error: string;
  attachment: string;
}

const en: Strings = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  title: 'Support',
  welcome: 'Hi! How can we help you today?',
  messages: 'Messages',
  message: 'Message',
  send: 'Send',
  attach: 'Attach a file',
  removeAttachment: 'Remove attachment',
  codeMode: 'Code snippet',
  codePlaceholder: 'Paste code or an error log…',
  placeholder: 'Type your message…',
  typing: 'Typing…',
  reconnecting: 'Reconnecting…',
  connecting: 'Connecting…',
  connected: 'Connected',
  read: 'Read',
  sending: 'Sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  you: 'You',
  assistant: 'Assistant',
  agent: 'Agent',
  system: 'Notice',
  sources: 'Sources',
  opensInNewTab: '(opens in a new tab)',
  quickReplies: 'Suggested replies',
  escalated: 'Your conversation has been passed to a member of our team.',
  agentJoined: 'An agent joined the conversation.',
  resolved: 'This conversation has been resolved.',
  csatPrompt: 'How would you rate this conversation?',
  csatStar: (n) => (n === 1 ? '1 star' : `${n} stars`),
  csatComment: 'Comment (optional)',
  csatSubmit: 'Submit rating',
  csatThanks: 'Thank you for your feedback!',
  error: 'Something went wrong. Please try again.',
  attachment: 'Attachment',
};

const es: Strings = {
  openChat: 'Abrir chat',
  closeChat: 'Cerrar chat',
  title: 'Soporte',
  welcome: '¡Hola! ¿En qué podemos ayudarte hoy?',
  messages: 'Mensajes',
  message: 'Mensaje',
  send: 'Enviar',
  attach: 'Adjuntar un archivo',
  removeAttachment: 'Quitar adjunto',
  codeMode: 'Fragmento de código',
  codePlaceholder: 'Pega código o un registro de errores…',
  placeholder: 'Escribe tu mensaje…',
  typing: 'Escribiendo…',
  reconnecting: 'Reconectando…',
  connecting: 'Conectando…',
  connected: 'Conectado',
  read: 'Leído',
  sending: 'Enviando…',
  failed: 'No enviado.',
  retry: 'Reintentar',
  you: 'Tú',
  assistant: 'Asistente',
  agent: 'Agente',
  system: 'Aviso',
  sources: 'Fuentes',
  opensInNewTab: '(se abre en una pestaña nueva)',
  quickReplies: 'Respuestas sugeridas',
  escalated: 'Tu conversación se ha transferido a un miembro de nuestro equipo.',
  agentJoined: 'Un agente se ha unido a la conversación.',
  resolved: 'Esta conversación se ha resuelto.',
  csatPrompt: '¿Cómo valorarías esta conversación?',
  csatStar: (n) => (n === 1 ? '1 estrella' : `${n} estrellas`),
  csatComment: 'Comentario (opcional)',
  csatSubmit: 'Enviar valoración',
  csatThanks: '¡Gracias por tu opinión!',
  error: 'Algo salió mal. Inténtalo de nuevo.',
  attachment: 'Adjunto',
};

const fr: Strings = {
  openChat: 'Ouvrir le chat',
  closeChat: 'Fermer le chat',
  title: 'Assistance',
  welcome: 'Bonjour ! Comment pouvons-nous vous aider ?',
  messages: 'Messages',
  message: 'Message',
  send: 'Envoyer',
  attach: 'Joindre un fichier',
  removeAttachment: 'Retirer la pièce jointe',
  codeMode: 'Extrait de code',
  codePlaceholder: 'Collez du code ou un journal d’erreurs…',
  placeholder: 'Écrivez votre message…',
  typing: 'En train d’écrire…',
  reconnecting: 'Reconnexion…',
  connecting: 'Connexion…',
  connected: 'Connecté',
  read: 'Lu',
  sending: 'Envoi…',
  failed: 'Non envoyé.',
  retry: 'Réessayer',
  you: 'Vous',
  assistant: 'Assistant',
  agent: 'Conseiller',
  system: 'Information',
  sources: 'Sources',
  opensInNewTab: '(s’ouvre dans un nouvel onglet)',
  quickReplies: 'Réponses suggérées',
  escalated: 'Votre conversation a été transmise à un membre de notre équipe.',
  agentJoined: 'Un conseiller a rejoint la conversation.',
  resolved: 'Cette conversation est résolue.',
  csatPrompt: 'Comment évalueriez-vous cette conversation ?',
  csatStar: (n) => (n === 1 ? '1 étoile' : `${n} étoiles`),
  csatComment: 'Commentaire (facultatif)',
  csatSubmit: 'Envoyer la note',
  csatThanks: 'Merci pour votre avis !',
  error: 'Une erreur s’est produite. Veuillez réessayer.',
  attachment: 'Pièce jointe',
};

const de: Strings = {
  openChat: 'Chat öffnen',
  closeChat: 'Chat schließen',
  title: 'Support',
  welcome: 'Hallo! Wie können wir Ihnen helfen?',
  messages: 'Nachrichten',
  message: 'Nachricht',
  send: 'Senden',
  attach: 'Datei anhängen',
  removeAttachment: 'Anhang entfernen',
  codeMode: 'Code-Schnipsel',
  codePlaceholder: 'Code oder ein Fehlerprotokoll einfügen…',
  placeholder: 'Nachricht eingeben…',
  typing: 'Schreibt…',
  reconnecting: 'Verbindung wird wiederhergestellt…',
  connecting: 'Verbindung wird hergestellt…',
  connected: 'Verbunden',
  read: 'Gelesen',
  sending: 'Wird gesendet…',
  failed: 'Nicht gesendet.',
  retry: 'Erneut versuchen',
  you: 'Sie',
  assistant: 'Assistent',
  agent: 'Mitarbeiter',
  system: 'Hinweis',
  sources: 'Quellen',
  opensInNewTab: '(öffnet in einem neuen Tab)',
  quickReplies: 'Vorgeschlagene Antworten',
  escalated: 'Ihre Unterhaltung wurde an ein Teammitglied übergeben.',
  agentJoined: 'Ein Mitarbeiter ist der Unterhaltung beigetreten.',
  resolved: 'Diese Unterhaltung wurde gelöst.',
  csatPrompt: 'Wie bewerten Sie diese Unterhaltung?',
  csatStar: (n) => (n === 1 ? '1 Stern' : `${n} Sterne`),
  csatComment: 'Kommentar (optional)',
  csatSubmit: 'Bewertung senden',
  csatThanks: 'Vielen Dank für Ihr Feedback!',
  error: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  attachment: 'Anhang',
};

export const STRINGS: Record<Lang, Strings> = { en, es, fr, de };

/** One of the four languages from a tag such as `es-MX`, or null. */
export function normalizeLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const base = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (LANGS as readonly string[]).includes(base) ? (base as Lang) : null;
}

/** The starting language: data-lang, then the browser's languages, then English. */
export function initialLang(dataLang: string | null | undefined, nav: readonly string[] = browserLangs()): Lang {
  const fromAttr = normalizeLang(dataLang);
  if (fromAttr) return fromAttr;
  for (const l of nav) {
    const n = normalizeLang(l);
    if (n) return n;
  }
  return 'en';
}

function browserLangs(): string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? [...navigator.languages] : navigator.language ? [navigator.language] : [];
}

/**
 * The language a message's analysis reports, when it is one of the four and
 * reported with enough confidence. The engine stores the customer's
 * `analysis.language` as `{code, confidence}`; a plain string is accepted too.
 */
export function languageOf(analysis: unknown, minConfidence = 0.5): Lang | null {
  if (!analysis || typeof analysis !== 'object') return null;
  const l = (analysis as { language?: unknown }).language;
  if (typeof l === 'string') return normalizeLang(l);
  if (l && typeof l === 'object') {
    const { code, confidence } = l as { code?: unknown; confidence?: unknown };
    if (typeof code !== 'string') return null;
    if (typeof confidence === 'number' && confidence < minConfidence) return null;
    return normalizeLang(code);
  }
  return null;
}
