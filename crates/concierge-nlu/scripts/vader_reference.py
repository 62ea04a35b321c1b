#!/usr/bin/env python3
"""Writes tests/fixtures/vader_reference.jsonl: sentences scored by the
reference VADER (PyPI vaderSentiment 3.3.2), which the Rust port in
src/sentiment.rs must agree with. The tests read only the fixture; Python is
needed only to regenerate it:

    pip install vaderSentiment==3.3.2
    python3 crates/concierge-nlu/scripts/vader_reference.py

One JSON object per line: {"text", "compound", "pos", "neu", "neg"}.
"""

import json
import pathlib
import random

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "vader_reference.jsonl"

# Support complaints and praise.
SUPPORT = [
    "My Salesforce sync has been broken since yesterday and nobody has answered my ticket.",
    "This is the third time I'm asking for help with the same issue.",
    "The report is still broken after your update.",
    "Thanks, that fixed it!",
    "Perfect, the dashboard loads instantly now.",
    "Your agent was incredibly helpful and patient with me.",
    "I am really frustrated with how long this is taking.",
    "Production is down, we need help ASAP.",
    "Can you please reset my password?",
    "How do I export my contacts to CSV?",
    "I'm worried we will lose data during the migration.",
    "I don't understand what this error message means.",
    "What does INVALID_FIELD_FOR_INSERT_UPDATE mean?",
    "The new release is great, the team loves it.",
    "This is unacceptable, we pay for premium support.",
    "I'd like to cancel my subscription.",
    "The integration works fine, thank you for the quick response.",
    "Everything is slow today, is there an outage?",
    "We were charged twice this month, please refund the duplicate invoice.",
    "Your documentation is confusing and outdated.",
    "Great job on the new Lightning components!",
    "The API keeps returning 500 errors, this is a disaster.",
    "I love the new case routing feature.",
    "Honestly the worst support experience I've ever had.",
    "The import failed again with the same error.",
    "Could you escalate this to a manager please?",
    "We are happy with the service overall.",
    "The flow builder crashed and I lost an hour of work.",
    "Appreciate the help, have a nice weekend.",
    "I have been waiting for three days for a reply.",
    "The login page is fine now, thanks for fixing it so quickly.",
    "Nothing works and I am losing customers because of you.",
    "Thank you so much, you saved my day!",
    "The sandbox refresh is stuck at 80% for hours.",
    "It's a minor issue, no rush.",
    "I'm disappointed that the feature was removed without notice.",
    "Works like a charm, cheers.",
    "Why is this so complicated?",
    "I'm afraid the upgrade will break our custom objects.",
    "Good morning, I need help configuring SSO.",
    "The support team resolved my case in minutes, excellent work.",
    "Terrible experience, the bot kept sending me in circles.",
    "Not sure if this is a bug or a feature.",
    "It would be nice to have dark mode.",
    "The mobile app crashes every time I open a record.",
    "Please help, our whole sales team is blocked.",
    "I'm pleased with how the onboarding went.",
    "The permissions are wrong and users can see confidential data, this is a serious problem.",
    "Wow, that was fast. Thanks!",
    "Useless answer, you didn't even read my question.",
    "We have an urgent deadline tomorrow and the deploy keeps failing.",
    "Sorry to bother you again, but the issue came back.",
    "I really appreciate your patience.",
    "The chat widget is broken on Safari.",
    "Your product is amazing but the billing is a nightmare.",
    "Fine.",
    "OK thanks",
    "ty",
    "lol that fixed it",
    "meh, it kind of works",
    "this sucks",
    "Today SUX!",
    "happy to help",
    "no problem at all",
    "The case was closed without a solution, which is frustrating.",
    "The knowledge article was helpful and clear.",
    "Omg this is so annoying",
    "I hate this new interface.",
    "The new interface is beautiful.",
    "Please stop sending me these emails.",
    "The webhook fails silently, we only noticed after a week of lost leads.",
    "Brilliant, exactly what I needed.",
    "This is ridiculous, I've explained it five times already.",
    "I hope this gets fixed soon.",
    "Can someone please just answer me?",
    "Awesome support, 10/10 would recommend.",
    "The trial expired and we lost all our data?!",
    "Kudos to Maria for solving this.",
    "The error is gone, you are a lifesaver.",
    "I'm confused about the pricing tiers.",
]

NEGATION = [
    "The fix is not good.",
    "It isn't bad at all.",
    "The product is not bad.",
    "Not bad at all",
    "The new update is not great.",
    "I don't like the new layout.",
    "I don't hate it.",
    "This never works.",
    "It has never been this good!",
    "It has never been so good.",
    "Sentiment analysis has never been good.",
    "Nobody is happy with this.",
    "Nothing about this is helpful.",
    "There is no good reason for this delay.",
    "There is no problem with your account.",
    "No, it is not working.",
    "No help at all from your team.",
    "No love for the mobile users.",
    "Without a doubt, excellent idea.",
    "Without a doubt, an excellent idea.",
    "Without any doubt the best support team.",
    "I can't say I'm satisfied.",
    "It wasn't helpful.",
    "He wasn't rude, just busy.",
    "You haven't fixed anything.",
    "I cannot recommend this enough.",
    "We couldn't be happier!",
    "Despite good reviews, the tool is poor.",
    "It rarely fails.",
    "It seldom works as expected.",
    "Neither good nor bad.",
    "not happy, not happy at all",
    "The answer was not very helpful.",
    "The answer wasn't really useful.",
    "Not such a badass after all.",
    "ain't nobody got time for this",
    "The export didnt work.",
    "The export doesnt work and the import cant start.",
    "No bugs, no crashes, no problems.",
    "no good",
    "No love or respect from your support.",
    "There is no joy nor happiness in this release.",
    "This is not the worst, but it is not the best either.",
    "I wouldn't call it a success.",
    "It's not that it's bad, it just isn't good.",
    "Uh-uh, that's not right.",
    "Nope, still broken.",
    "It won't load and it won't save.",
    "I never said it was bad.",
    "It's not terrible.",
]

BOOSTERS = [
    "The support was extremely helpful.",
    "The support was helpful.",
    "This is very very bad.",
    "This is really good.",
    "The migration was absolutely terrible.",
    "That was incredibly fast, thanks.",
    "I'm somewhat satisfied.",
    "It's slightly annoying.",
    "It is barely acceptable.",
    "This is hardly useful.",
    "It's kind of good.",
    "The book was only kind of good.",
    "It's kinda broken.",
    "It is sort of helpful.",
    "It's sorta ok.",
    "The results are just enough good.",
    "I'm totally happy with this.",
    "This is totally unacceptable.",
    "It's a little confusing.",
    "The update is less stable.",
    "This is the most frustrating bug ever.",
    "So good!",
    "So bad.",
    "The dashboard is quite nice.",
    "The dashboard is quite bad.",
    "It was an utterly pointless call.",
    "An exceptionally kind agent.",
    "This is friggin awesome.",
    "This is fucking terrible.",
    "It's hella slow.",
    "Uber cool feature.",
    "The fix almost works.",
    "Occasionally helpful.",
    "Especially happy with the reports.",
    "It was considerably worse than before.",
    "Deeply disappointed.",
    "Highly recommended!",
    "Greatly appreciated.",
    "A really really really good agent.",
    "The kind of support I expected.",
]

CAPS = [
    "This is GREAT.",
    "This is TERRIBLE.",
    "THIS IS TERRIBLE.",
    "I am VERY angry.",
    "I am VERY ANGRY about this.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "The API is DOWN and nobody cares.",
    "PLEASE HELP",
    "URGENT: production is down",
    "Thanks, this is AWESOME!",
    "The sync is NOT working.",
    "The sync is NOT GOOD at all.",
    "NO GOOD",
    "I said NO, stop calling me.",
    "It's SO bad.",
    "WORST. SUPPORT. EVER.",
    "Our CRM and ERP are fine.",
    "The SLA is great.",
    "LOVE IT",
]

PUNCTUATION = [
    "This is good!",
    "This is good!!",
    "This is good!!!",
    "This is good!!!!!!",
    "This is bad!!!",
    "Why is this broken???",
    "Why is this broken??",
    "Why is this broken?",
    "Is this good???",
    "Is anyone there????",
    "Seriously?!",
    "Great...",
    "Thanks!!! Really helpful!!!",
    "What?? This is terrible!!!",
    "Hmm. Okay.",
    "!!!",
    "???",
    "...",
    "?!?!?!",
    "good?!",
]

BUT = [
    "The product is great, but the support is terrible.",
    "The support is terrible, but the product is great.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "I like the app but it crashes a lot.",
    "It crashes a lot but I like the app.",
    "Good but good.",
    "good good but good good",
    "bad bad but bad",
    "Nice, nice, but slow.",
    "It works, but barely.",
    "Thanks, but this is still broken.",
    "Sorry but no.",
    "But why?",
    "The agent was nice but but but the answer was wrong.",
    "I'm happy but happy isn't enough but whatever.",
    "Not great, but not terrible either.",
    "It was fine but I expected better.",
    "The first reply was helpful but the follow-up was useless and rude.",
    "Great features but awful performance and terrible documentation.",
]

EMOTICONS_EMOJI = [
    "Thanks :)",
    "Still broken :(",
    "ok :-)",
    "great :D",
    "Make sure you :) or :D today!",
    "that's annoying :/",
    "love it <3",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "I am so angry 😡",
    "😡😡😡",
    "Thanks 🙂",
    "Works now 👍",
    "👍",
    "👎 not working",
    "The fix is live🎉🎉",
    "It crashed again 😭",
    "lol 😂 that's funny",
    "meh 😐",
    "Great job 👏👏👏",
    "Why 🤔",
    "Oh no 😱 the data is gone",
    "❤️ this team",
    "❤ this team",
    "Thanks a lot!🙏",
    "well done💪",
    "xD",
    ";)",
    ":-(",
    ":'(",
    "D:",
    "^_^",
    "The sync is broken 🙁 please help",
    "☹️",
    "🙃 of course it failed again",
    "😊😊😊 so happy",
    "Server is on fire 🔥🔥",
    "🤬 unbelievable",
    "👍🏽 works",
    "I'm 😀 with this",
    "😀😃😄😁😆",
]

LEAST_IDIOMS = [
    "At least it isn't a horrible book.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "This is the least helpful answer.",
    "Least helpful agent ever.",
    "At the very least helpful.",
    "That's the least I could do.",
    "The new pricing is the bomb.",
    "This feature is the shit!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Yeah right, like that will ever work.",
    "Oh yeah right, it is fixed.",
    "That bug is the kiss of death for our launch.",
    "Your support is to die for.",
    "Meet me at the bus stop.",
    "It made my beating heart happy.",
    "This release will cut the mustard.",
    "We are in the red this quarter.",
    "The team is on the ball.",
    "Break a leg with the launch!",
    "I'm under the weather today.",
    "This is kind of the shit for real.",
    "I am so the bomb today.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "at least",
    "least",
    "the very least",
]

MIXED_NUMBERS_URLS = [
    "Order #12345 arrived damaged.",
    "The invoice INV-2024-0042 shows $1,299.00 instead of $999.00.",
    "See https://help.example.com/articles/123 for details, it's great.",
    "Visit www.example.com/bad-url?x=1 for the broken page.",
    "Email me at jane.doe@example.com please.",
    "Call +1 (415) 555-0100 between 9am and 5pm.",
    "Record 0015g00000ABCDeAAA is missing.",
    "Error 404: not found.",
    "We have 3 failed jobs and 2 successful ones.",
    "v2.3.1 fixed the crash, v2.3.2 broke it again.",
    "It took 45 minutes to load 10 records.",
    "100% satisfied",
    "0 stars",
    "5/5 great service",
    "1/10 terrible",
    "CPU at 99%, memory leak?",
    "The SOQL query SELECT Id FROM Account LIMIT 10 fails.",
    "Use `sfdx force:source:push` to deploy, it works well.",
    "path C:\\Users\\admin\\Desktop\\broken.log",
    "{\"status\": \"error\", \"message\": \"bad request\"}",
    "<b>Great</b> <i>support</i>",
    "good-looking dashboard",
    "well-designed but hard-to-use",
    "re-opened the case",
    "self-service works",
    "Good.Bad.Ugly.",
    "good,bad",
    "(good)",
    "'bad'",
    "\"excellent\"",
]

NON_ENGLISH = [
    "Je suis très content du service.",
    "Das ist wirklich schlecht.",
    "El soporte fue excelente, gracias.",
    "Il prodotto non funziona.",
    "Служба поддержки очень плохая.",
    "サポートはとても良かったです。",
    "客服很好，谢谢！",
    "الدعم سيء جدا",
    "Obrigado pela ajuda, ficou ótimo!",
    "Dziękuję, wszystko działa.",
    "Ça ne marche pas du tout :(",
    "Super! Danke!",
    "¡Qué horrible experiencia!",
    "Μου αρέσει πολύ",
    "ΟΔΟΣ ΚΑΛΗ",
    "Merci beaucoup, c'est parfait 👍",
    "Hola, tengo un problema con mi cuenta.",
    "Das Update ist gut, aber langsam.",
    "İyi değil",
    "नमस्ते, मेरी मदद करें",
]

SHORT_AND_ODD = [
    "",
    " ",
    "\t\n",
    "a",
    "good",
    "bad",
    "GOOD",
    "BAD",
    "Good",
    "no",
    "NO",
    "not",
    "but",
    "kind of",
    "kind",
    "yes",
    "help",
    "thanks",
    "ok",
    "okay",
    "?",
    "!",
    ":)",
    ":(",
    ":-D",
    "a b c d",
    "!!!!!!!!!!",
    "good good good good good good good good good good",
    "bad bad bad bad bad bad bad bad bad bad",
    "hahaha",
    "lmao",
    "wtf",
    "ugh",
    "yay",
    "meh",
    "hmm",
    "GREAT GREAT great",
    "GoOd JoB",
    "tHiS iS bAd",
    "asdfghjkl",
    "\u00a0good\u00a0",
    "good\u001cbad",
    "zero\u200bwidth good",
    "tab\tseparated\tgood",
    "line\nbreak\nbad",
    "   leading and trailing spaces are fine   ",
    "...good...",
    "---bad---",
    "(:",
    "):",
]


def long_texts():
    paragraph = (
        "It was one of the worst movies I've seen, despite good reviews. "
        "Unbelievably bad acting!! Poor direction. VERY poor production. "
        "The movie was bad. Very bad movie. VERY BAD movie!"
    )
    support_thread = " ".join(SUPPORT[:40])
    mixed = " ".join(NEGATION[:25] + BOOSTERS[:15])
    praise = " ".join(["Thanks, the agent was great and the fix works perfectly."] * 12)
    rant = " ".join(["This is still broken and nobody answers!!!"] * 20)
    return [paragraph, support_thread, mixed, praise, rant]


# Building blocks for seeded random sentences that stack the rules on each
# other (negation + booster + caps + "but" + idioms + emphasis) in ways
# nobody would write by hand.
POOL = [
    "good", "bad", "great", "terrible", "helpful", "broken", "happy", "angry",
    "GOOD", "BAD", "GREAT", "not", "no", "never", "isn't", "don't", "without",
    "doubt", "very", "VERY", "extremely", "kind", "of", "sort", "kinda",
    "slightly", "barely", "but", "BUT", "least", "at", "so", "this", "the",
    "shit", "bomb", "yeah", "right", "or", "nor", "a", "it", "is", "was",
    "support", "fix", "agent", "ticket", "again", ":)", ":(", "😡", "👍", "🙂",
    "!", "!!!", "?", "???", "thanks", "love", "hate", "fine", "ok", "lol",
]


def synthetic(count=150, seed=20240611):
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        words = [rng.choice(POOL) for _ in range(rng.randint(2, 12))]
        text = ""
        for word in words:
            # Punctuation and emoji sometimes glued to the previous word.
            glue = word in ("!", "!!!", "?", "???") or (word in ("😡", "👍", "🙂") and rng.random() < 0.5)
            text += word if glue or not text else " " + word
        sentences.append(text)
    return sentences


def main():
    sentences = (
        SUPPORT
        + NEGATION
        + BOOSTERS
        + CAPS
        + PUNCTUATION
        + BUT
        + EMOTICONS_EMOJI
        + LEAST_IDIOMS
        + MIXED_NUMBERS_URLS
        + NON_ENGLISH
        + SHORT_AND_ODD
        + long_texts()
        + synthetic()
    )
    assert len(sentences) >= 300, len(sentences)
    assert all(len(s) < 5000 for s in sentences)
    analyzer = SentimentIntensityAnalyzer()
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    with FIXTURE.open("w", encoding="utf-8") as out:
        for text in sentences:
            scores = analyzer.polarity_scores(text)
            record = {
                "text": text,
                "compound": scores["compound"],
                "pos": scores["pos"],
                "neu": scores["neu"],
                "neg": scores["neg"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(sentences)} sentences to {FIXTURE}")


if __name__ == "__main__":
    main()
