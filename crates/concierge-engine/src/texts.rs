//! What the agent says on its own behalf (not from knowledge or workflows),
//! in English, Spanish, French and German; other languages get English.

/// A system text in four languages.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub en: &'static str,
    pub es: &'static str,
    pub fr: &'static str,
    pub de: &'static str,
}

impl Text {
    /// The text in `language` (an ISO 639-1 code; anything else: English).
    pub fn get(&self, language: &str) -> &'static str {
        match language.get(..2).unwrap_or("") {
            "es" => self.es,
            "fr" => self.fr,
            "de" => self.de,
            _ => self.en,
        }
    }
}

/// The message was blocked by moderation.
pub const BLOCKED: Text = Text {
    en: "I can't respond to that message because it contains abusive language. I'm happy to help if you rephrase it, and a member of our team can review the conversation.",
    es: "No puedo responder a ese mensaje porque contiene lenguaje ofensivo. Con gusto te ayudo si lo reformulas; un miembro del equipo puede revisar la conversación.",
    fr: "Je ne peux pas répondre à ce message car il contient des propos injurieux. Je vous aide volontiers si vous le reformulez ; un membre de l'équipe peut relire la conversation.",
    de: "Auf diese Nachricht kann ich nicht antworten, da sie beleidigende Sprache enthält. Formulieren Sie sie gern um; ein Teammitglied kann das Gespräch prüfen.",
};

/// A warning put before the answer to a borderline message.
pub const WARNED: Text = Text {
    en: "Please keep the conversation respectful. ",
    es: "Por favor, mantengamos una conversación respetuosa. ",
    fr: "Merci de garder un ton respectueux. ",
    de: "Bitte bleiben Sie respektvoll. ",
};

/// Nothing relevant was found.
pub const FALLBACK: Text = Text {
    en: "I'm not sure I understood. Could you tell me a bit more, for example the error message you see or what you were trying to do? I can also connect you with a member of our team.",
    es: "No estoy seguro de haberte entendido. ¿Puedes darme más detalles, por ejemplo el mensaje de error o lo que intentabas hacer? También puedo ponerte en contacto con alguien del equipo.",
    fr: "Je ne suis pas sûr d'avoir compris. Pouvez-vous préciser, par exemple le message d'erreur ou ce que vous essayiez de faire ? Je peux aussi vous mettre en relation avec un membre de l'équipe.",
    de: "Ich bin nicht sicher, ob ich Sie verstanden habe. Können Sie mehr erzählen, etwa die Fehlermeldung oder was Sie tun wollten? Ich kann Sie auch mit einem Teammitglied verbinden.",
};

/// A greeting.
pub const GREETING: Text = Text {
    en: "Hello! I'm the virtual assistant. How can I help you today?",
    es: "¡Hola! Soy el asistente virtual. ¿En qué puedo ayudarte hoy?",
    fr: "Bonjour ! Je suis l'assistant virtuel. Comment puis-je vous aider ?",
    de: "Hallo! Ich bin der virtuelle Assistent. Wie kann ich Ihnen helfen?",
};

/// The customer thanked us or said goodbye.
pub const THANKS: Text = Text {
    en: "You're welcome! I'm glad I could help. If anything else comes up, just write here. How would you rate this conversation from 1 to 5?",
    es: "¡De nada! Me alegra haber ayudado. Si necesitas algo más, escribe aquí. ¿Cómo valorarías esta conversación del 1 al 5?",
    fr: "Avec plaisir ! Ravi d'avoir pu aider. Pour toute autre question, écrivez ici. Comment évalueriez-vous cette conversation de 1 à 5 ?",
    de: "Gern geschehen! Schön, dass ich helfen konnte. Schreiben Sie einfach hier, wenn noch etwas ist. Wie bewerten Sie dieses Gespräch von 1 bis 5?",
};

/// Thanks that are not thanks ("thanks for nothing") after an unhelpful turn.
pub const SORRY_UNHELPFUL: Text = Text {
    en: "I'm sorry I haven't been able to help yet. Tell me what you need in a few words, or I can connect you with a member of our team.",
    es: "Siento no haberte ayudado todavía. Cuéntame en pocas palabras qué necesitas, o te pongo en contacto con alguien del equipo.",
    fr: "Désolé de ne pas encore avoir pu vous aider. Dites-moi en quelques mots ce qu'il vous faut, ou je vous mets en relation avec un membre de l'équipe.",
    de: "Es tut mir leid, dass ich noch nicht helfen konnte. Sagen Sie mir kurz, was Sie brauchen, oder ich verbinde Sie mit einem Teammitglied.",
};

/// After a completed workflow.
pub const ANYTHING_ELSE: Text = Text {
    en: " Is there anything else I can help you with?",
    es: " ¿Hay algo más en lo que pueda ayudarte?",
    fr: " Puis-je vous aider pour autre chose ?",
    de: " Kann ich Ihnen sonst noch helfen?",
};

/// Handing over to a human. `{queue}`, `{eta}` and `{case}` are replaced.
pub const ESCALATED: Text = Text {
    en: "I'm connecting you with a member of our {queue} team; they have the full conversation, so you won't need to repeat yourself. Expected first response: {eta}.{case}",
    es: "Te estoy poniendo en contacto con un miembro de nuestro equipo de {queue}; tiene toda la conversación, así que no tendrás que repetir nada. Primera respuesta prevista: {eta}.{case}",
    fr: "Je vous mets en relation avec un membre de notre équipe {queue} ; il dispose de toute la conversation, vous n'aurez rien à répéter. Première réponse prévue : {eta}.{case}",
    de: "Ich verbinde Sie mit einem Mitglied unseres Teams {queue}; es hat das ganze Gespräch, Sie müssen nichts wiederholen. Erwartete erste Antwort: {eta}.{case}",
};

/// The case number sentence appended to [`ESCALATED`]. `{number}` is replaced.
pub const CASE_NUMBER: Text = Text {
    en: " Your case number is {number}.",
    es: " Tu número de caso es {number}.",
    fr: " Votre numéro de dossier est {number}.",
    de: " Ihre Fallnummer lautet {number}.",
};

/// A workflow needs an identified customer.
pub const NEEDS_VERIFICATION: Text = Text {
    en: "For your security I can only do that for a verified account, so I'm passing this to a colleague who can confirm your identity.",
    es: "Por seguridad solo puedo hacerlo para una cuenta verificada, así que paso tu solicitud a un compañero que podrá confirmar tu identidad.",
    fr: "Pour votre sécurité, je ne peux le faire que pour un compte vérifié ; je transmets donc votre demande à un collègue qui pourra confirmer votre identité.",
    de: "Aus Sicherheitsgründen kann ich das nur für ein verifiziertes Konto tun und gebe Ihre Anfrage an einen Kollegen weiter, der Ihre Identität bestätigen kann.",
};

/// Resuming an interrupted workflow. `{topic}` is replaced.
pub const RESUME: Text = Text {
    en: " Shall we get back to your {topic} request?",
    es: " ¿Volvemos a tu solicitud de {topic}?",
    fr: " Revenons-nous à votre demande ({topic}) ?",
    de: " Sollen wir mit Ihrer Anfrage ({topic}) weitermachen?",
};

/// A rough time from minutes: "within 15 minutes", "within 4 hours".
pub fn eta(minutes: i64, language: &str) -> String {
    let (n, unit_en, unit_es, unit_fr, unit_de) = if minutes < 120 {
        (minutes.max(1), "minutes", "minutos", "minutes", "Minuten")
    } else {
        ((minutes + 59) / 60, "hours", "horas", "heures", "Stunden")
    };
    match language.get(..2).unwrap_or("") {
        "es" => format!("en menos de {n} {unit_es}"),
        "fr" => format!("d'ici {n} {unit_fr}"),
        "de" => format!("innerhalb von {n} {unit_de}"),
        _ => format!("within {n} {unit_en}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_follow_the_language_and_default_to_english() {
        assert!(BLOCKED.get("es").starts_with("No puedo"));
        assert!(BLOCKED.get("pt").starts_with("I can't"));
        assert!(BLOCKED.get("").starts_with("I can't"));
        assert_eq!(eta(15, "en"), "within 15 minutes");
        assert_eq!(eta(240, "en"), "within 4 hours");
        assert_eq!(eta(30, "de"), "innerhalb von 30 Minuten");
    }
}
