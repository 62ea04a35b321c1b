//! The local responder's fixed phrases in English, Spanish, French and German.

/// Phrases for one language.
#[derive(Debug, Clone, Copy)]
pub struct Phrases {
    pub code: &'static str,
    /// Nothing relevant was found; offers a human.
    pub dont_know: &'static str,
    /// Opens a clarifying question: "Do you mean {a} or {b}?"
    pub clarify: &'static str,
    /// An apology for a frustrated customer.
    pub sorry: &'static str,
    /// Introduces an answer taken from an article in another language.
    pub other_language: &'static str,
    /// Summary labels.
    pub issue: &'static str,
    pub tried: &'static str,
    pub status: &'static str,
    pub nothing_yet: &'static str,
    pub resolved: &'static str,
    pub waiting: &'static str,
    pub needs_agent: &'static str,
    pub frustrated: &'static str,
    /// Agent-assist when no article fits.
    pub assist_none: &'static str,
}

const EN: Phrases = Phrases {
    code: "en",
    dont_know: "I'm sorry, I couldn't find an answer to that in our help articles, and I don't want to guess. Would you like me to connect you with a member of our team?",
    clarify: "Just to make sure I help with the right thing: do you mean {a} or {b}?",
    sorry: "I'm sorry for the trouble.",
    other_language: "This is from an article in another language:",
    issue: "Issue",
    tried: "Tried",
    status: "Status",
    nothing_yet: "nothing yet",
    resolved: "resolved",
    waiting: "waiting on the customer",
    needs_agent: "needs an agent",
    frustrated: "the customer is frustrated",
    assist_none: "No knowledge article covers this question.",
};

const ES: Phrases = Phrases {
    code: "es",
    dont_know: "Lo siento, no he encontrado la respuesta en nuestros artículos de ayuda y no quiero adivinar. ¿Quiere que le ponga en contacto con una persona de nuestro equipo?",
    clarify: "Para asegurarme de ayudarle con lo correcto: ¿se refiere a {a} o a {b}?",
    sorry: "Lamento las molestias.",
    other_language: "Esto procede de un artículo en otro idioma:",
    issue: "Problema",
    tried: "Intentado",
    status: "Estado",
    nothing_yet: "nada todavía",
    resolved: "resuelto",
    waiting: "esperando al cliente",
    needs_agent: "necesita un agente",
    frustrated: "el cliente está frustrado",
    assist_none: "Ningún artículo de la base de conocimiento cubre esta pregunta.",
};

const FR: Phrases = Phrases {
    code: "fr",
    dont_know: "Je suis désolé, je n'ai pas trouvé la réponse dans nos articles d'aide et je ne veux pas deviner. Souhaitez-vous que je vous mette en relation avec un membre de notre équipe ?",
    clarify: "Pour être sûr de bien vous aider : voulez-vous parler de {a} ou de {b} ?",
    sorry: "Je suis désolé pour ce désagrément.",
    other_language: "Ceci provient d'un article dans une autre langue :",
    issue: "Problème",
    tried: "Essayé",
    status: "Statut",
    nothing_yet: "rien pour l'instant",
    resolved: "résolu",
    waiting: "en attente du client",
    needs_agent: "nécessite un agent",
    frustrated: "le client est frustré",
    assist_none: "Aucun article de la base de connaissances ne couvre cette question.",
};

const DE: Phrases = Phrases {
    code: "de",
    dont_know: "Das tut mir leid, ich habe in unseren Hilfeartikeln keine Antwort darauf gefunden und möchte nicht raten. Soll ich Sie mit jemandem aus unserem Team verbinden?",
    clarify: "Damit ich Ihnen richtig helfe: Meinen Sie {a} oder {b}?",
    sorry: "Entschuldigen Sie die Unannehmlichkeiten.",
    other_language: "Dies stammt aus einem Artikel in einer anderen Sprache:",
    issue: "Anliegen",
    tried: "Versucht",
    status: "Status",
    nothing_yet: "noch nichts",
    resolved: "gelöst",
    waiting: "wartet auf den Kunden",
    needs_agent: "braucht einen Mitarbeiter",
    frustrated: "der Kunde ist frustriert",
    assist_none: "Kein Wissensartikel deckt diese Frage ab.",
};

/// The phrases for `lang` (English when unsupported).
pub fn phrases(lang: &str) -> &'static Phrases {
    match lang {
        "es" => &ES,
        "fr" => &FR,
        "de" => &DE,
        _ => &EN,
    }
}

/// Words that say the customer already tried something.
pub const TRIED_CUES: &[&str] = &[
    "tried",
    "already",
    "restarted",
    "rebooted",
    "reinstalled",
    "cleared",
    "reset",
    "again",
    "intente",
    "intentado",
    "probe",
    "reinicie",
    "ya",
    "essaye",
    "deja",
    "redemarre",
    "versucht",
    "bereits",
    "schon",
    "neu gestartet",
];

/// Words that say the problem is solved.
pub const RESOLVED_CUES: &[&str] = &[
    "works now",
    "working now",
    "that worked",
    "solved",
    "fixed",
    "thanks, that",
    "perfect",
    "funciona",
    "resuelto",
    "ca marche",
    "resolu",
    "funktioniert",
    "gelost",
];

/// Words that say the problem persists or the customer wants a person.
pub const UNRESOLVED_CUES: &[&str] = &[
    "still",
    "doesn't work",
    "does not work",
    "not working",
    "didn't work",
    "human",
    "agent",
    "person",
    "sigue",
    "no funciona",
    "toujours",
    "ne marche pas",
    "immer noch",
    "funktioniert nicht",
    "mitarbeiter",
];
