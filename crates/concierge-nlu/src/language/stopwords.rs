//! Function-word votes: the second opinion that separates close relatives
//! (Spanish/Portuguese, Russian/Ukrainian/Bulgarian, Urdu/Persian/Arabic,
//! Hindi/Marathi) where character statistics on a sentence or two are weak.
//!
//! Each list holds frequent words of one language, chosen so that the words
//! shared with its neighbours cancel out and the distinctive ones decide.

use std::collections::HashMap;
use std::sync::OnceLock;

const LISTS: &[(&str, &str)] = &[
    ("en", "the and is are was were of it that this with for not have has my i you we cannot can be on from since please help would what why how does do there been an our your they me it's i'm"),
    ("es", "el la los las que y en no por para con una un es mi desde pero puedo está estoy necesito ayuda cuenta gracias hola muy también cuando porque como del al se lo le hay sí ya sin tengo hace quiero hablar buenos buenas días qué cómo dónde cuál usted ahora"),
    ("pt", "o os as que e em não por para com uma um é minha meu desde mas posso está estou preciso ajuda conta obrigado obrigada olá muito também quando porque como do da dos das na nas no se há já sem tenho você isso"),
    ("fr", "le la les de des du et est un une je ne pas que qui pour avec dans sur mon ma mes vous nous il elle ce cette depuis mais plus suis ai au aux bonjour merci très aussi être"),
    ("de", "der die das und ist nicht ich ein eine mit für auf den dem zu von sich auch es wir sie mein meine seit aber kann bitte hallo danke noch wie was warum wird haben habe bei nach oder mich guten möchte"),
    ("it", "il lo la gli le di e è che non un una per con mi mio mia sono ho ma anche come da del della al alla questo ieri posso riesco grazie ciao buongiorno più perché"),
    ("nl", "de het een en is niet ik van op te dat die met voor zijn mijn maar ook kan wij we er naar sinds hallo bedankt nog wat waarom hoe heb hebben geen"),
    ("sv", "och att det är jag inte en ett på med för som till av min mitt kan har vi ni men också sedan hej tack från om den"),
    ("pl", "i w nie na się że z do to jest jak a ale on ona my wy oni mój moja moje od dla już jeszcze był była są proszę dzień dobry dziękuję mogę bardzo tylko kiedy dlaczego wczoraj dzisiaj czy ze mi mnie"),
    ("cs", "a v ne na se že s do to je jak ale on ona my vy oni můj moje mého od pro už ještě byl byla jsou prosím dobrý den děkuji mohu můžu velmi jen když proč včera dnes mi mě jsem"),
    ("tr", "ve bir bu da de için ile ben sen biz siz ne mi çok daha ama gibi var yok olarak değil merhaba teşekkürler lütfen dün bugün neden nasıl"),
    ("id", "dan yang di ke dari ini itu tidak saya kami kita anda untuk dengan ada bisa sudah belum akan tapi juga karena halo terima kasih tolong sejak kemarin"),
    ("ro", "și în nu pe la de cu un o este sunt am că ce pentru din mai dar eu noi voi meu mea bună ziua mulțumesc vă rog ieri azi pot"),
    ("ru", "и в не на я что с со по это как а но он она мы вы они мой моя моё мою свою свой у из за от для же уже ещё бы был была есть нет да пожалуйста здравствуйте спасибо помогите могу можно очень только когда почему вчера сегодня"),
    ("uk", "і й в у не на я що з із по це як а але він вона ми ви вони мій моя моє мою свою свій від для же вже ще б був була є немає так будь ласка добрий доброго дякую допоможіть можу можна дуже тільки коли чому вчора сьогодні"),
    ("bg", "и в не на аз че с по това как а но той тя ние вие те моя моят мой от за да ще се е съм са има няма здравейте благодаря моля мога много само когато защо вчера днес"),
    ("ar", "في من على إلى أن لا ما هذا هذه التي الذي مع عن كان قد أنا نحن هل لم لن ثم أو مرحبا شكرا منذ الأمس"),
    ("fa", "و در به از که این را با است برای آن یک من ما شما نمی می هم تا شده بود سلام ممنون لطفا دیروز"),
    ("ur", "اور میں کے کی کا سے کو ہے ہیں نہیں یہ وہ کہ پر بھی ہوں مجھے آپ ہم کر رہا رہی کیا لیے براہ کرم شکریہ"),
    ("hi", "है में की के का और को से नहीं मैं यह वह हूँ हैं पर भी लिए कर रहा मुझे आप हम क्या"),
    ("mr", "आहे आणि मी मला नाही हे ते या च्या चा ची ला तुम्ही आम्ही करू शकत पण काय होते आहेत माझ्या"),
    ("ne", "छ र मा को ले हो पनि गर्न छैन म मलाई तपाईं हामी थियो गरेको"),
];

/// Word → indexes (into [`LISTS`]) of the languages that use it.
fn index() -> &'static HashMap<&'static str, Vec<usize>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<usize>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, (_, words)) in LISTS.iter().enumerate() {
            for word in words.split_whitespace() {
                let langs = map.entry(word).or_default();
                if !langs.contains(&i) {
                    langs.push(i);
                }
            }
        }
        map
    })
}

/// Whether votes exist for `code`.
pub(super) fn knows(code: &str) -> bool {
    LISTS.iter().any(|(c, _)| *c == code)
}

/// The outcome of a vote: the winner and how many words it got more than
/// the runner-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Vote {
    pub code: &'static str,
    pub margin: usize,
}

fn separator(c: char) -> bool {
    c.is_whitespace()
        || (c.is_ascii() && !c.is_ascii_alphanumeric())
        || matches!(
            c,
            '\u{200c}'
                | '।'
                | '॥'
                | '،'
                | '۔'
                | '؟'
                | '«'
                | '»'
                | '„'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '…'
                | '—'
                | '–'
                | '¿'
                | '¡'
        )
}

/// Counts function words per language; `None` when no word is known.
pub(super) fn vote(text: &str) -> Option<Vote> {
    let index = index();
    let mut hits = vec![0usize; LISTS.len()];
    for token in text.split(separator).filter(|t| !t.is_empty()) {
        let lower = token.to_lowercase();
        if let Some(langs) = index.get(lower.as_str()) {
            for &i in langs {
                hits[i] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..LISTS.len()).collect();
    order.sort_by(|a, b| hits[*b].cmp(&hits[*a]));
    let best = *order.first()?;
    let second = order.get(1).map_or(0, |i| hits[*i]);
    if hits[best] == 0 {
        return None;
    }
    Some(Vote {
        code: LISTS[best].0,
        margin: hits[best] - second,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_relatives_are_told_apart() {
        let v = vote("Hola, no puedo entrar a mi cuenta desde ayer").unwrap();
        assert_eq!((v.code, v.margin >= 2), ("es", true));
        let v = vote("Olá, não consigo entrar na minha conta desde ontem").unwrap();
        assert_eq!(v.code, "pt");
        let v =
            vote("Здравствуйте, со вчерашнего дня я не могу войти в свою учётную запись").unwrap();
        assert_eq!(v.code, "ru");
        assert_eq!(vote("xyzzy plugh"), None);
        assert!(knows("uk") && !knows("sw"));
    }
}
