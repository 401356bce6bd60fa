"""The phrases the reply guardrails look for, one list per rule, as regular expressions (case-insensitive, matched
within one sentence). They were written against a labelled corpus of agents' replies (tests/corpus/) and are measured
on it and on a held-out one: add a phrasing here with a corpus entry that needs it, and run
`python -m tests.corpus.measure`. A company adds its own words in the care policy (guardrails.extra_*), as plain text.
"""
from __future__ import annotations

# -- personal data asked for in public ----------------------------------------------------------------------------
# What counts as personal or account data (typos and abbreviations included: "ordr no.", "e-mail adress").
_NUMBER = r"(?:numbers?|nos?\b\.?|num\b|#|ids?\b|refs?\b\.?|references?|codes?|details|info)"
PERSONAL_DATA = [
    # (email as the way to reach them is no data: "tell us whether you'd like us to reach you by email or phone")
    r"(?<!by )(?<!via )(?<!over )(?<!whether )e-?mails?(?: ad+res+(?:es)?| addy)?(?! or (?:by )?phone)", r"(?:mobile|phone|contact|telephone|tel|cell|landline) " + _NUMBER,
    r"(?:best )?number to (?:reach|call|contact|ring) (?:you|u)", r"(?:home |postal |delivery |billing |full )?ad+res+",
    r"post ?codes?", r"zip(?: ?codes?)?",
    r"(?:ordr|order|booking|reservation|confirmation|policy|account|acct|membership|member|customer|reference|"
    r"tracking|frequent flyer|loyalty|rewards|card|ticket|claim|case|flight|invoice|passport|meter|serial|"
    r"national insurance|sort|registration) " + _NUMBER,
    r"member ?id", r"user ?names?", r"log-?in(?: details)?", r"passwords?", r"pin\b", r"date of birth", r"d\.?o\.?b\b",
    r"full name", r"name on the (?:account|card|booking|order|reservation)", r"account holder'?s? name",
    r"sort code", r"(?:last|first) (?:4|four) digits", r"card", r"contact details", r"personal details",
    r"(?:order|booking|reservation|account|payment|bank|flight) details", r"(?:order|booking) confirmation",
    r"screenshot of (?:your|the) (?:order|booking|confirmation|account|receipt|statement|bank)", r"iban", r"imei",
    r"number (?:it'?s|the phone'?s|your phone'?s|the account'?s|the line'?s|you'?re) registered",
]
# The words that ask for it: a verb the customer is to do ("pop your email below"), or a question ("what's your...")
ASKING = (r"shar(?:e|ing)|send(?:ing)?|post(?:ing)?|provid(?:e|ing)|giv(?:e|ing)|tell(?:ing)? us|repl(?:y|ying)|"
          r"respond(?:ing)?|comment(?:ing)?|includ(?:e|ing)|drop|leave|pop|chuck|add|put|confirm(?:ing)?|"
          r"enter|type|paste|write|list|tweet|let (?:us|me) (?:know|have)|what(?:'s| is|s)|which|can (?:we|i|you) (?:get|grab|have|"
          r"take)|could (?:we|i) (?:get|grab|have|take)|may we (?:have|get)|(?:we'll |we will |we )?need")
# An asking word preceded by these is a warning or something we do: "never share your card", "we'll confirm your..."
NOT_A_REQUEST_BEFORE = (r"(?:never|don't|dont|do not|no need to|not|won't need to|shouldn't|should never|we'll|we will|"
                        r"we've|we have|we|i'll|i will|i've|will|your|my|the|an?|this|that|our)\s+$")
# "Please just post it here": the data named in the sentence before
ASKING_FOR_IT = r"\s+(?:it|them|those|these|that)\b"
# Where the data is to go: in public (overrides a DM mention in the same sentence), or privately
IN_PUBLIC = (r"\bbelow\b|\bin the comments?\b|\bcomment(?:s|ing)?\b|\bin this (?:thread|post|tweet|review)\b|"
             r"\bunder this\b|\bon this (?:post|thread|tweet|review)\b|\b(?:reply|respond)(?:ing)? to this\b|"
             r"\bpublicly\b|\bin (?:a|your) reply\b|\btweet (?:us|it|them)\b|\bunderneath\b|(?<!not )\bhere\b(?! to help)|👇")
PRIVATELY = (r"\b(?:dm|dms|direct message|private message|pm|inbox|privately|message us|in private|private chat|"
             r"private messages)\b")

# -- the customer sent to a phone line ----------------------------------------------------------------------------
PHONE_REDIRECT = [
    r"\b(?:call|ring|phone|dial|calling|ringing|phoning)\s+(?:us|our|the|a|an|customer|support|care|reservations|"
    r"bookings|sales|reception|them|\d+)\b[^.!?\n]*",
    r"\bgive (?:us|our [\w ]{1,30}?|the [\w ]{1,30}?|them) a (?:quick |short )?(?:call|ring|bell|buzz|tinkle)\b",
    r"\b(?:pop|put|make|place) (?:us )?a (?:quick )?call\b",
    r"\bphone lines? (?:are|is) (?:open|available)\b", r"\b(?:help|hot|customer service|customer care|support|care|breakdown)\s*(?:line|lines|hotline|number)\b", r"\bnumber is (?:in|on) (?:the|our) (?:bio|website|site)\b",
    r"\bspeak to (?:someone|somebody|a (?:colleague|member of (?:the|our) team|person|human|advisor|adviser|agent))\b",
    r"\bover the phone\b",
]
# The customer's own calls are not a redirect ("sorry you had to call us three times")
PHONE_NOT_A_REDIRECT_BEFORE = r"(?:had to|have had to|having to|no need to|don't|do not|never|didn't|for)\s+$"

# -- the customer sent to another channel -------------------------------------------------------------------------
CHANNEL_REDIRECT = [
    r"[\w.+-]+@[\w-]+\.[\w.]+",  # an email address of ours
    r"\be-?mail (?:us|it|them|our|the|this|those|your|\w+@)\b", r"\b(?:drop|send|shoot|fire|write) (?:us )?an? e-?mail\b",
    r"\bwrite to us\b", r"\bpo box\b", r"\bin writing\b",
    r"\bfill(?:ing)? (?:in|out)\b(?: (?:the|our|an?) [\w ]{0,30}?form\b(?: on (?:our|the) \w+)?)?", r"\b(?:contact(?: us)?|complaints?|online|web|request|claims?|returns?|refund|"
    r"support|enquiry|inquiry) (?:form|portal)s?\b",
    r"\b(?:raise|open|log|submit|create|file)\s+(?:a |an |this |it |one )?(?:support |new )?(?:ticket|request|case|"
    r"query|complaint)\b", r"\bsubmit one\b",
    r"\b(?:via|through|on|in|at|use|visit|head to|go to|using)\s+(?:our|the|your)\s+(?:help|support)\s+(?:centre|"
    r"center|section|portal|desk|site|page|hub)\b", r"\bhelp (?:centre|center) is the\b",
    r"\b(?:live|web|online)\s+chat\b", r"\bchat with (?:us|an? (?:advisor|adviser|agent|colleague))\b",
    r"\bstart a chat\b", r"\b(?:dm|message|msg|pm|tweet|text|whatsapp)\s+us\s+(?:on|at|via|over)\b",
    r"\bwhatsapp us\b", r"\btweet us\b", r"\bour (?:facebook|instagram|twitter|x|whatsapp|tiktok) (?:page|account)\b",
    r"\bon (?:facebook|instagram|whatsapp|messenger|twitter|x) instead\b", r"\bon whatsapp\b",
    r"\b(?:visit|pop (?:in|into|back into|back in to|in to|back in)|go (?:in|into|back)|head (?:in|into|to)|"
    r"drop (?:in|into|by)|call in(?:to)?|take|bring|come (?:in|into|back))\b[^.!?]{0,30}?\b(?:store|branch|"
    r"shop|branches|stores|showroom|counter|depot)\b", r"\bin person\b", r"\btake the \w+ (?:in|back)\b",
    r"\b(?:speak|talk|go|head|ask|pop|see)\b[^.!?]{0,20}?\b(?:front|reception|service|help) desk\b",
    r"\bnext time you'?re in\b",
    r"\b(?:via|through|using) (?:our|the) (?:website|web ?site|site|app|online portal)\b",
    r"\bsubmit (?:yours|it|one|them|a claim)\b",
    r"\b(?:drop|send|give) us (?:a )?(?:message|msg|dm|note|line) (?:on|at|via|over) (?!here\b)\w+",
    r"\b(?:contact|reach out to|get in touch with|speak to|talk to)\b[^.!?]{0,40}?\b(?:directly|via|through|using)\b",
    r"\b(?:take|raise) (?:it|this|that) (?:up )?with\b", r"\braise (?:it|this|that) through\b",
    r"\bcontact (?:the )?(?:seller|courier|airline|bank|royal mail|carrier|retailer|manufacturer|provider)\b",
    r"\buse the\b[^.!?]{0,30}?\b(?:button|form|app|portal|chat)\b", r"\bforums?\b",
    r"\b(?:can't|cannot|can not|not able to|unable to)\b[^.!?]{0,40}?\b(?:on here|over social|on social|on "
    r"(?:instagram|facebook|twitter|x|here|this page))\b", r"\bisn't monitored\b|\bis not monitored\b",
    r"\bbest place (?:for|to)\b", r"\b(?:log|sign) (?:in|into) (?:to )?(?:my account|your account)\b",
]

# -- tone: dismissive, defensive, blaming, sarcastic --------------------------------------------------------------
TONE = [
    # telling them how to feel
    r"\bcalm down\b", r"\brelax\b", r"\bchill\b", r"\bwe get it\b",
    # "as we already told you"
    r"\bas (?:we|i)(?:'ve| have)? (?:already |previously |clearly )?(?:said|told|stated|explained|mentioned|advised)\b",
    r"\bas (?:previously|already|clearly) (?:stated|mentioned|advised|explained|said)\b",
    r"\blike (?:i|we) (?:said|told you|mentioned)\b", r"\bonce again,", r"\bwe(?:'ve| have) already (?:explained|"
    r"responded|replied|answered|told)\b", r"\b(?:i|we)(?:'ve| have) (?:explained|told you|replied)\b[^.!?]*\b(?:times|"
    r"twice|before|already)\b", r"\byou(?:'ve| have) been told\b", r"\bread (?:my|our) previous\b",
    r"\bnot be commenting further\b", r"\bstop (?:tagging|messaging|posting|spamming|complaining)\b",
    # the rules against them
    r"\b(?:per|as per) (?:our )?(?:policy|terms|t&cs|t and cs)\b", r"\bkindly (?:refer|note|read|check)\b",
    r"\b(?:refer to|read) (?:our|the) (?:t&cs|terms|fare conditions|instructions|policy|menu)\b",
    r"\bread it before\b", r"\brules are rules\b", r"\bnot a charity\b", r"\bwhich you agreed\b",
    r"\b(?:contract|terms) you (?:signed|agreed)\b",
    # blame
    r"\byou should(?: have|'ve| of)\b", r"\bif you(?:'d| had) (?:bothered|checked|read|looked|paid attention|"
    r"listened|followed)\b", r"\bwhich you(?:'d| would) have\b", r"(?<!not )(?<!n't )\byour (?:own )?fault\b", r"\bthat'?s on you\b",
    r"\bnot (?:our|my) (?:problem|fault|responsibility|issue)\b", r"\bnot us\b", r"\bblaming us\b",
    r"\byou (?:chose|picked|selected) the (?:cheapest|wrong)\b", r"\bwe don'?t control\b",
    r"\bclearly (?:says|stated|states|explained|shown|marked|written|displayed)\b", r"\bit clearly\b",
    r"\b(?:shown|stated|marked|explained|written) clearly\b", r"\bin big letters\b", r"\byou do reali[sz]e\b",
    r"\bnothing (?:more |else )?(?:we|i) can do\b", r"\bnot sure what (?:else )?you\b", r"\bwhat did you expect\b",
    r"\bwe can'?t help (?:people|anyone|those|customers) who\b", r"\bwith (?:all due )?respect\b",
    r"\bsimply not true\b", r"\bsorry (?:you feel|if you feel|you think)\b", r"\bsorry not sorry\b",
    r"\bonly a (?:video )?game\b", r"\b(?:maybe )?try (?:reading|being|harder)\b", r"\bnext time\?",
    r"\binteresting that you\b", r"\b(?:thing|something) to complain about\b", r"\breviews? like (?:this|yours)\b",
    r"\band you know it\b", r"\bgood luck with that\b", r"\boh great\b", r"\bwow,? ok\b", r"\bseriously\?",
    r", right\?", r"\bwhatever\b", "🙄", "🤷", "🙃", "😒", "😤", "💀",
    # cold and final, or shrugging it off
    r"\bno exceptions\b", r"\b(?:this|the) conversation is (?:now )?closed\b", r"\bthat'?s (?:just )?how it is\b",
    r"\bit is what it is\b", r"\bthese things happen\b", r"\bthat'?s life\b", r"\bso you pay\b",
    r"\bend of the world\b", r"\btake a deep breath\b", r"\bwas always going to\b",
    # doubting or lecturing them
    r"\buser error\b", r"\bhard to believe\b", r"\b(?:other|no other) (?:guests|customers|people)\b[^.!?]{0,30}"
    r"\bcomplain", r"\bhad no complaints\b", r"\byour (?:own )?responsibility\b", r"\bnot ours\b",
    r"\bobviously\b", r"\bfrankly\b", r"\btbh\b", r"\bfyi\b", r"\btried (?:reading|looking|checking)\b",
    r"\bbut you (?:did|chose|booked|agreed|picked|selected|ordered)\b", r"\ba you problem\b", r"\bmaybe check\b",
    r"\bbefore leaving a review\b", r"\bwe'?ve been (?:through|over) this\b", r"\bhow many times\b",
    r"\bthanks for the (?:1|one)[- ]star\b", r"\bnot sure why you\b",
    # sarcastic emphasis: "Thanks SO much"
    r"(?-i:\b(?:SO|SUCH|REALLY|VERY) (?:much|\w+))",
]
# Laughing at a complaint (a reply to praise may laugh along: "😂 love this!")
LAUGHING = [r"\blol\b", r"\blmao\b", r"\brofl\b", r"\bsmh\b", "😂", "🤣"]
