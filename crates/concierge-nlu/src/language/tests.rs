use super::*;

/// One support-style sentence per language, written for these tests.
const SENTENCES: &[(&str, &str)] = &[
    ("en", "Hello, I cannot log in to my account since yesterday and I need help resetting my password."),
    ("es", "Hola, no puedo iniciar sesión en mi cuenta desde ayer y necesito ayuda para cambiar la contraseña."),
    ("fr", "Bonjour, je ne peux plus me connecter à mon compte depuis hier et j'ai besoin d'aide pour le mot de passe."),
    ("de", "Hallo, ich kann mich seit gestern nicht mehr in mein Konto einloggen und brauche Hilfe mit dem Passwort."),
    ("it", "Buongiorno, da ieri non riesco più ad accedere al mio account e ho bisogno di aiuto con la password."),
    ("pt", "Olá, não consigo entrar na minha conta desde ontem e preciso de ajuda para redefinir a senha."),
    ("nl", "Hallo, ik kan sinds gisteren niet meer inloggen op mijn account en ik heb hulp nodig met mijn wachtwoord."),
    ("pl", "Dzień dobry, od wczoraj nie mogę zalogować się na moje konto i potrzebuję pomocy ze zmianą hasła."),
    ("ru", "Здравствуйте, со вчерашнего дня я не могу войти в свою учётную запись, помогите, пожалуйста, сбросить пароль."),
    ("uk", "Доброго дня, з учорашнього дня я не можу увійти до свого облікового запису, допоможіть, будь ласка, змінити пароль."),
    ("tr", "Merhaba, dünden beri hesabıma giriş yapamıyorum ve şifremi sıfırlamak için yardıma ihtiyacım var."),
    ("ar", "مرحبا، لا أستطيع تسجيل الدخول إلى حسابي منذ الأمس وأحتاج إلى مساعدة في إعادة تعيين كلمة المرور."),
    ("fa", "سلام، از دیروز نمی‌توانم وارد حساب کاربری خودم شوم و برای تغییر رمز عبور به کمک نیاز دارم."),
    ("ur", "السلام علیکم، میں کل سے اپنے اکاؤنٹ میں لاگ ان نہیں کر پا رہا ہوں اور مجھے پاس ورڈ بدلنے کے لیے مدد چاہیے۔"),
    ("hi", "नमस्ते, मैं कल से अपने खाते में लॉग इन नहीं कर पा रहा हूँ और मुझे पासवर्ड बदलने के लिए मदद चाहिए।"),
    ("mr", "नमस्कार, मी कालपासून माझ्या खात्यात लॉग इन करू शकत नाही आणि मला पासवर्ड बदलण्यासाठी मदत हवी आहे."),
    ("bn", "নমস্কার, আমি গতকাল থেকে আমার অ্যাকাউন্টে লগ ইন করতে পারছি না এবং পাসওয়ার্ড বদলাতে সাহায্য দরকার।"),
    ("ta", "வணக்கம், நேற்றிலிருந்து என் கணக்கில் உள்நுழைய முடியவில்லை, கடவுச்சொல்லை மாற்ற உதவி தேவை."),
    ("te", "నమస్కారం, నిన్నటి నుండి నా ఖాతాలోకి లాగిన్ కాలేకపోతున్నాను, పాస్‌వర్డ్ మార్చడానికి సహాయం కావాలి."),
    ("id", "Halo, sejak kemarin saya tidak bisa masuk ke akun saya dan saya butuh bantuan untuk mengganti kata sandi."),
    ("vi", "Xin chào, từ hôm qua tôi không thể đăng nhập vào tài khoản của mình và tôi cần giúp đỡ để đặt lại mật khẩu."),
    ("ja", "こんにちは、昨日からアカウントにログインできません。パスワードの再設定を手伝っていただけますか。"),
    ("zh", "你好，我从昨天开始就无法登录我的账户，需要帮助重置密码。"),
    ("ko", "안녕하세요, 어제부터 계정에 로그인할 수 없어서 비밀번호 재설정에 도움이 필요합니다."),
    ("sv", "Hej, jag kan inte logga in på mitt konto sedan igår och jag behöver hjälp med att byta lösenord."),
    ("cs", "Dobrý den, od včerejška se nemohu přihlásit ke svému účtu a potřebuji pomoc se změnou hesla."),
    ("el", "Γεια σας, από χθες δεν μπορώ να συνδεθώ στον λογαριασμό μου και χρειάζομαι βοήθεια με τον κωδικό."),
    ("he", "שלום, מאתמול אני לא מצליח להתחבר לחשבון שלי ואני צריך עזרה באיפוס הסיסמה."),
    ("th", "สวัสดีครับ ตั้งแต่เมื่อวานผมเข้าสู่ระบบบัญชีไม่ได้ และต้องการความช่วยเหลือในการรีเซ็ตรหัสผ่าน"),
    ("ro", "Bună ziua, de ieri nu mă mai pot conecta la contul meu și am nevoie de ajutor pentru a schimba parola."),
    ("hu", "Jó napot, tegnap óta nem tudok bejelentkezni a fiókomba, és segítségre van szükségem a jelszó visszaállításához."),
];

#[test]
fn detects_real_sentences_in_many_languages() {
    let mut wrong = Vec::new();
    for (expected, sentence) in SENTENCES {
        let got = detect(sentence, None);
        if got.code != *expected || got.confidence < 0.5 {
            wrong.push(format!(
                "{expected}: got {} ({:.2})",
                got.code, got.confidence
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(SENTENCES.len() >= 30);
}

#[test]
fn every_returned_code_is_two_letters() {
    let codes = supported_languages();
    assert!(codes.len() >= 69);
    assert!(codes
        .iter()
        .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase())));
    for needed in [
        "en", "zh", "hi", "es", "fr", "ar", "bn", "pt", "ru", "ur", "id", "de", "ja", "mr", "te",
        "tr", "ta", "vi", "ko", "it", "pl", "nl",
    ] {
        assert!(codes.contains(&needed), "{needed}");
    }
}

#[test]
fn short_text_returns_the_hint_with_low_confidence() {
    for text in ["ok", "hi", "thanks!", "merci", "yes pls"] {
        let got = detect(text, Some("fr-FR"));
        assert_eq!(
            got,
            Language {
                code: "fr".into(),
                confidence: HINT_CONFIDENCE
            },
            "{text}"
        );
        let got = detect(text, None);
        assert_eq!(
            got,
            Language {
                code: "und".into(),
                confidence: 0.0
            },
            "{text}"
        );
    }
}

#[test]
fn short_text_in_a_telling_script() {
    assert_eq!(detect("안녕하세요", Some("en")).code, "ko");
    assert_eq!(detect("ありがとう", None).code, "ja");
    assert_eq!(detect("ขอบคุณ", None).code, "th");
    assert_eq!(detect("ευχαριστώ", None).confidence, SCRIPT_ONLY_CONFIDENCE);
    // Han only: Chinese or Japanese, the hint decides.
    assert_eq!(detect("谢谢", Some("ja")).code, "ja");
    assert_eq!(detect("谢谢", None).code, "zh");
    // An English hint cannot make Cyrillic English.
    let got = detect("привет", Some("en"));
    assert_eq!(got.code, "ru");
    assert!(got.confidence <= HINT_CONFIDENCE);
    assert_eq!(detect("привет", Some("uk")).code, "uk");
}

#[test]
fn empty_and_letterless_input() {
    assert_eq!(
        detect("", None),
        Language {
            code: "und".into(),
            confidence: 0.0
        }
    );
    assert_eq!(
        detect("   ", Some("de")),
        Language {
            code: "de".into(),
            confidence: HINT_CONFIDENCE
        }
    );
    assert_eq!(detect("12345 !!! 500 ???", None).code, "und");
    assert_eq!(detect("\u{0}\u{1}\u{2}", None).code, "und");
}

#[test]
fn identifiers_do_not_vote() {
    let text = "Bonjour, depuis ce matin nous avons INVALID_SESSION_ID sur /services/data/v59.0 pour l'utilisateur 0055g00000AbCdEAAV, merci de vérifier.";
    assert_eq!(detect(text, None).code, "fr");
}

#[test]
fn mixed_script_goes_to_the_dominant_script() {
    let got = detect("Service Cloudでログインできません。エラーが出ます。", None);
    assert_eq!(got.code, "ja");
    let got = detect("Hola, no puedo entrar a mi cuenta desde ayer, 你好", None);
    assert_eq!(got.code, "es");
    let pure = detect("Hola, no puedo entrar a mi cuenta desde ayer", None);
    assert!(got.confidence < pure.confidence, "{got:?} vs {pure:?}");
    let got = detect(
        "Здравствуйте, не работает вход в Sales Cloud с понедельника",
        None,
    );
    assert_eq!(got.code, "ru");
}

#[test]
fn huge_input_is_bounded() {
    let text = "Hello, I cannot log in to my account. ".repeat(2000);
    let got = detect(&text, None);
    assert_eq!(got.code, "en");
    assert!(got.confidence > 0.5);
}

#[test]
fn hint_codes_are_normalised() {
    assert_eq!(normalize_code("en-US").as_deref(), Some("en"));
    assert_eq!(normalize_code("PT_br").as_deref(), Some("pt"));
    assert_eq!(normalize_code("deu").as_deref(), Some("de"));
    assert_eq!(normalize_code("sw").as_deref(), Some("sw"));
    assert_eq!(normalize_code("english"), None);
    assert_eq!(normalize_code("e1"), None);
    assert_eq!(normalize_code(""), None);
    assert_eq!(detect("ok", Some("nonsense")).code, "und");
}

proptest::proptest! {
    #[test]
    fn never_panics_and_stays_in_range(text in proptest::prelude::any::<String>(), hint in proptest::option::of("[a-zA-Z_-]{0,6}")) {
        let got = detect(&text, hint.as_deref());
        proptest::prop_assert!((0.0..=1.0).contains(&got.confidence));
        proptest::prop_assert!(got.code == UNDETERMINED || got.code.len() == 2, "{:?}", got);
    }
}

#[test]
fn function_words_settle_a_weak_guess() {
    // whatlang alone says Dutch (0.13) once the numbers are cleaned away.
    let got = detect(
        "I paid 49.99 USD on 03/12/2026 but got invoice #4521 instead of order 998877.",
        None,
    );
    assert_eq!(got.code, "en");
    // Character statistics alone pick Portuguese for this Spanish sentence.
    assert_eq!(
        detect("Hola, no puedo entrar a mi cuenta desde ayer", None).code,
        "es"
    );
}

/// Greetings and requests as customers open a chat: confident enough (the
/// engine answers in a detected language from 0.5) without a profile.
#[test]
fn openings_are_confidently_spanish_or_german() {
    for (text, code) in [
        ("Hola, buenos días", "es"),
        ("Quiero hablar con un agente humano, por favor", "es"),
        ("Buenas tardes, necesito ayuda con mi cuenta", "es"),
        ("Guten Tag, ich möchte mein Passwort ändern", "de"),
    ] {
        let got = detect(text, None);
        assert_eq!(got.code, code, "{text}: {got:?}");
        assert!(got.confidence >= 0.5, "{text}: {got:?}");
    }
    // Italian keeps its own words ("con", "un" are shared with Spanish).
    assert_eq!(
        detect("Vorrei parlare con un operatore, per favore", None).code,
        "it"
    );
}

#[test]
fn a_weak_guess_yields_to_a_hint_in_the_same_script() {
    let swahili = "Habari, siwezi kuingia kwenye akaunti yangu tangu jana, naomba msaada wa kubadilisha nenosiri.";
    assert_eq!(
        detect(swahili, Some("sw")),
        Language {
            code: "sw".into(),
            confidence: HINT_CONFIDENCE
        }
    );
    assert!(detect(swahili, None).confidence < HINT_CONFIDENCE);
    // A confident answer is not overridden by the hint.
    let german = SENTENCES
        .iter()
        .find(|(c, _)| *c == "de")
        .map(|(_, s)| *s)
        .unwrap_or("");
    assert_eq!(detect(german, Some("en")).code, "de");
}
