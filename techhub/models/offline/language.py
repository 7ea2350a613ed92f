"""How the offline model reads a customer's message: its topic, intents, order ids, emails, the
products it names and the action it asks for.

A real model understands free text; the offline model approximates that in three layers:

* **spelling**: the text is lower-cased, accents folded, and misspelt words corrected towards the
  store's own vocabulary (catalogue, documents, reading cues; :mod:`.vocabulary`), short words too;
* **what it names**: products, brands, product kinds and categories of the catalogue, order ids,
  emails, and a ranking ("the cheapest", "the lightest", "in stock") over a kind of product;
* **what it is about**: intent patterns per kind of request, and the topic (``orders``,
  ``products``, ``policies``, ``chitchat``, ``out_of_scope``) decided from what the message names
  first, then from how well the store's documents match it (BM25 as a signal). A message that names
  nothing of its own (a follow-up: "and the other one?") gets no topic here; :mod:`.conversation`
  gives it the topic of the conversation.

Everything here is pure and deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from techhub.agent.catalogue import KINDS, SortKey, kind_of, load_catalogue
from techhub.agent.retrieval import search_documents
from techhub.db.customers import EMAIL_PATTERN
from techhub.models.offline.synonyms import EVERYDAY_WORDS, expand
from techhub.models.offline.vocabulary import CUE_WORDS, correct_word

ORDER_ID = re.compile(r"\bORD[-\s]?(\d{4})[-\s]?(\d{4})\b", re.IGNORECASE)

TOPICS = ("orders", "products", "policies", "chitchat", "out_of_scope")
"""The topics a turn is routed to (the router's ``topic``, the root run's ``topic`` metadata)."""

VOCABULARY = sorted(CUE_WORDS)
"""The cue words the patterns below look for (kept for callers of the earlier typo corrector)."""

ACTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "cancel": re.compile(
        r"\bcancel+(?:l?ation|l?ing)?\b"
    ),  # "the cancelled order" is a status, not a request
    "refund": re.compile(  # returning an order is asking for its refund
        r"\brefund(?:ed|s)?\b|\bmoney back\b|\breturn (?:it|them|this|these|those|the|my)\b|"
        r"\b(?:send|ship|take|bring|give) (?:it|them|this|that|these|those|(?:the|my) \w+(?: \w+)?) back\b"
    ),
    "change_address": re.compile(
        r"\b(?:change|update|modify|correct|fix)\b.{0,30}\b(?:address|shipping (?:address|details))\b"
        r"|\bship (?:it )?to (?:a )?(?:different|new|another)\b|\bnew address\b"
    ),
    "change_order": re.compile(
        r"\b(?:change|modify|update|edit|add|remove|swap)\b.{0,25}"
        r"\b(?:my|the|this|an?) ?(?:order|item|items)\b"
        r"|\b(?:add|remove)\b.{0,30}\bto (?:my|the) order\b"
        r"|\b(?:take|drop|leave)\b (?:the |that |this |my )?(?:\w+ ){0,2}\b(?:off|out of)\b "
        r"(?:it|the order|my order|(?:the|that|this) (?:first|second|last|other|\w+) one)\b"
    ),
}

# An action is *requested* ("cancel my order", "I want a refund") rather than asked about
# ("what is your cancellation policy?", "how do I cancel?") when one of these cues is present.
REQUEST_CUES = re.compile(
    r"\b(?:i (?:need|want|would like|'d like|wanna)|i'd like|please|pls|can you|could you|would you|"
    r"will you|make it happen|go ahead|do it|asap|immediately|right now|now)\b"
    r"|\bneed to (?:change|cancel|update|return|modify|fix|remove|add|send)\b"
    r"|^(?:cancel|refund|change|update|modify)\b"
)
QUESTION_CUES = re.compile(
    r"\b(?:how (?:do|can|would) i|what(?:'s| is) (?:your|the)|policy|policies|is it possible|"
    r"can orders|are orders|can i still|am i (?:able|eligible)|eligible|allowed)\b"
)
ACTION_TARGET = re.compile(
    r"\b(?:my|our|this|that|it|them|these|those|ord-\d{4}-\d{4})\b|\bi (?:want|need|would like|'d like)\b"
)
"""What an action request acts on: the customer's own order or item (or a plain "I want ...")."""
GENERAL_CASE = re.compile(r"\?\s*$|\b(?:after|before|once|while|when|if|how long|how many days)\b")
"""A question, or a case in general ("after shipping"): with no target, an action word asks about the
policy ("refund to original card?", "can you change the address after shipping?")."""
COMPLAINT = re.compile(
    r"\bnever (?:received|got|arrived|came)\b|\bhas(?:n'?t| not) (?:been|arrived|shipped)\b|"
    r"\bstill (?:not|hasn'?t|haven'?t|waiting|no)\b|\bnot (?:fixed|working|cancelled)\b|"
    r"\bnothing has (?:turned up|arrived|come)\b|\b(?:don'?t|do not|didn'?t) have it\b|\bcrack(?:ed)?\b|"
    r"\bdamaged\b|\barrived? broken\b|\bwrong item\b|\bonly wanted\b|"
    r"\bmissing (?:an? |the |some )?(?:item|items|part|parts|piece|pieces|from)\b|"
    r"\bcharged twice\b|"
    r"\bnever (?:sent|shipped)\b|\blost\b|\bwhy \d+\b|"
    r"\bwhat the (?:heck|hell)\b|\bridiculous\b|\bunacceptable\b|\bterrible\b|\bwtf\b|"
    r"\b(?:it'?s|its) been (?:weeks|ages|forever|days|a month)\b|\buseless\b|\bscam\b"
)

INTENT_PATTERNS: dict[str, re.Pattern[str]] = {
    "greeting": re.compile(
        r"^(?:hi+|hel+o+|he+y+|heya|hiya|howdy|yo+|sup|good (?:morning|afternoon|evening|day)|greetings|"
        r"morning|"
        r"evening|afternoon)\b"
    ),
    "thanks": re.compile(
        r"\b(?:thanks|thank you|thx|ty|ta|appreciate|cheers|(?:very |super |really )?helpful|"
        r"you'?re (?:a star|the "
        r"best|awesome|great|amazing)|brilliant|much appreciated|great help)\b"
    ),
    "goodbye": re.compile(
        r"\b(?:bye|goodbye|see you|see ya|that'?s all|have a (?:good|nice|great) (?:day|one|evening)|"
        r"all set|that'?s everything|that'?s it|nothing else|nothing more|i'?m done|cya|take care|talk soon|"
        r"later|good ?night)\b"
    ),
    "order_items": re.compile(
        r"\bwhat (?:did |have )?i (?:have |had )?"
        r"(?:order|ordered|buy|bought|buyed|purchase|purchased|get|got)\b|"
        r"\bwhat(?:'s| is| was) in (?:my|the|that|this|it)\b"
        r".{0,15}\b(?:order|package|parcel|box)?|\bitems?\b.{0,20}\bord|\bord\w*\b.{0,25}\bitems?\b|"
        r"\bcontents?\b|\b(?:what|which) (?:products|things|items|stuff) (?:were|was|are) in (?:my|it|the)\b|"
        r"\b(?:what|which) (?:products|things|items|stuff) (?:did |have |had )?(?:i|we) "
        r"(?:was |were |have |had )?"
        r"(?:buy|bought|buying|order|ordered|ordering|purchase\w*|get|got)\b"
    ),
    "spending": re.compile(
        r"\b(?:i|we) (?:have |had |'ve )?spent\b|\bhow much (?:have|did) (?:i|we) spen[dt]\b|\bmy spending|"
        r"\b(?:what|how much) (?:did|have|do) (?:i|we) (?:\w+ )?spen[dt]\b|"
        r"\bspent (?:so far|in total|with you|at)|"
        r"\bhow much (?:have|did) i\b|\btotal (?:amount|spending|spent)\b|\blifetime\b|"
        r"\b(?:bought|ordered) too (?:many|much)\b|\badd (?:those|them|these|it|all) up\b|"
        r"\b(?:what|how much) (?:did|do) (?:they|those|these|the \w+|all) (?:\w+ )?cost "
        r"(?:altogether|in total|"
        r"combined|together)\b"
    ),
    "order_history": re.compile(
        r"\border history\b|\b(?:past|previous|all|recent|my) orders\b|\bhow many orders\b|"
        r"\blist (?:of )?(?:my )?orders\b|\bpurchase history\b|\borders have i\b|\bmy purchases\b|"
        r"\bshow (?:me )?my orders\b|\bcheck my orders\b|"
        r"\b(?:in )?(?:which|what) orders?\b(?! (?:of|do|does|can))"
    ),
    "order_status": re.compile(
        r"\bwhere(?:'s| is|s)? (?:my|the)\b.{0,20}\b(?:order|package|stuff|delivery|parcel)|"
        r"\bstatus\b|\btrack(?:ing)?\b|\bwhen (?:will|is|does)\b.{0,30}\b(?:arrive|come|ship|deliver)|"
        r"\bhas (?:it|my order) (?:shipped|arrived)|\b(?:shipped|delivered) yet\b|"
        r"\bmy (?:last|latest|recent) order\b|\bord-\d{4}-\d{4}\b|\bmy order\b|\bmy package\b|"
        r"\b(?:last|latest|recent) order\b|^order status\b|\bmy (?:pending|open) order"
    ),
    "compatibility": re.compile(
        r"\bcompatib|\bwork(?:s)? with\b|\bconnect (?:to|with)\b|"
        r"\bsupport(?:s)? (?:mac|windows|usb|bluetooth)|\b(?:for|with|on) (?:a |an |my )?(?:mac|macbook|ipad|"
        r"iphone|windows|pc|android|linux|ps5|playstation|xbox|switch|chromebook)\b"
    ),
    "stock": re.compile(
        r"\bin stock\b|\bstock\b(?! (?:price|market|exchange))|\bavailab|\binventory\b|\bsold out\b|"
        r"\bin store\b"
    ),
    "price": re.compile(
        r"\bprice|\bhow much (?:is|are|does|do|would|for)\b|\bcost(?:s)?\b|\bcheap|\bexpensive\b|"
        r"\bset me back\b|\bwhat do they cost\b"
    ),
    "specs": re.compile(
        r"\bspec|\bbattery\b|\bresolution\b|\bweigh|\bports?\b|\bprocessor\b|\bcpu\b|\bram\b|"
        r"\bmemory\b|\bstorage\b|\brefresh rate\b|\bnoise cancell?ing\b|\bwireless\b|\bfeatures?\b|"
        r"\bheavy\b|\blight\b|\bhow big\b|\bsize\b|\bwaterproof\b|\bhz\b|\bdpi\b|\bconnected\b"
    ),
    "product_info": re.compile(
        r"\brecommend|\bsuggest|\btell me about\b|\bwhat (?:products|do you (?:sell|have|carry))\b|"
        r"\bdo (?:you|u)(?: guys| folks| all)? (?:sell|have|carry|stock|offer)\b|\b(?:got|have you got|have) "
        r"anything\b|\banything (?:for|good for)\b|\bdifference between\b|\bcompare\b|\bvs\b|\bversus\b|"
        r"(?:^|, )(?:you|u)(?: guys)? (?:have|got|sell|carry|stock)\b|"
        r"\b(?:looking|lookin|shopping) for (?:a|an|some)\b|^(?:got|have you got|you got) any\b"
    ),
    "returns_policy": re.compile(
        r"\breturn(?:s|ing|ed)?\b|\bexchange\b|\b(?:send|bring|take|ship|give|go|goes)\b.{0,25}\bback\b|"
        r"\bmoney back\b|"
        r"\brefund|\brestock(?:ing)?\b|\b(?:don'?t|do not|not|stop) lik(?:e|ing)\b|"
        r"\bchange (?:my|your) mind\b|"
        r"\brefus(?:e|ed|ing) (?:the )?deliver"
    ),
    "warranty_policy": re.compile(
        r"\bwarrant(?:y|ies)\b|\bguarantee\b|\bbroken\b|\bbroke\b|\bdefective\b|\brepair\b|\bfaulty\b|"
        r"\bnot working\b|\bdoesn'?t work\b|\bwon'?t (?:turn on|charge|work|connect)\b|\bdamaged?\b|"
        r"\bdead pixels?\b|\bstopped working\b|\bcare (?:2|3)\b|\bprotection plan\b|"
        r"\bbarely (?:lasts?|works?|holds?|charges?)\b|\b(?:no longer|doesn'?t|won'?t|does not) "
        r"(?:last|hold|charge|turn on)\b|\bdies (?:fast|quickly|after)\b|\bdegrad\w*\b|\bdied\b|"
        r"\bdrop(?:ped|s)? (?:it|them|my|the)\b|\bclumsy\b|\baccident(?:al|ally|s)?\b|\bspill(?:ed|s)?\b|"
        r"\bknock(?:ed|s)? (?:it|them|my|the)\b"
    ),
    "shipping_policy": re.compile(
        r"\bship(?:ping|s|ped)?\b|\bdeliver(?:y|ies|ed)?\b|\barriv(?:e|al)\b|\bexpress\b|\bnext day\b|"
        r"\bovernight\b|\bcourier\b|\bcarrier\b|\bparcel\b|\bpo box\b|\binternational\w*\b|"
        r"\bwarehouse\b|\bpostage\b|\bdispatch\w*\b|\bget (?:it|stuff|things|them) (?:to me|by)\b|"
        r"\b(?:by|get it|arrive|have it|receive it) tomorrow\b|"
        r"\b(?:send|post|mail) (?:it |them |stuff |things |orders |packages )?(?:to|abroad|overseas)\b|"
        r"\b(?:processing|shipped|delivered|pending)\b.{0,12}\bmean\b"
    ),
    "cancellation_policy": re.compile(  # the order changes and cancellation page
        r"(?<!noise )\bcancel(?!l?ing noise)|"
        r"\bchange (?:my |the |an |a )?(?:\w+ )?(?:address|order|items?)\b|"
        r"\bmodify (?:my |an |the |a )?order\b"
    ),
    "contact": re.compile(
        r"\bcontact\b|\bphone (?:number|no|line|support)\b|\b(?:by|over the|on the|your|a) phone\b|"
        r"\bphone (?:you|someone|support)\b|^phone\b|\bcall (?:you|someone|support)\b|"
        r"\bhuman\b|\breal person\b|"
        r"\bhours?\b.{0,30}\b(?:open|support|team|staff|call)\b|\b(?:open|support|team|staff)\b.{0,30}\bhours?\b|"
        r"\brepresentative\b|\bspeak (?:to|with)\b|\btalk (?:to|with)\b|\bsupport (?:team|hours|email)\b|"
        r"\b(?:service|support|opening|business|your|office|working) hours\b|^hours\b|"
        r"\bcustomer (?:service|support|care)\b|"
        r"\bopen (?:on|at|during)\b|"
        r"\b(?:open|available|call|reach|support|answer|reply|staff)\b.{0,20}\b(?:weekends?|saturdays?|sundays?|"
        r"holidays?|thanksgiving|christmas|easter|new year'?s?)\b|"
        r"\b(?:nobody|no one|no-one) (?:picks? up|answers)\b|"
        r"\bwho do i (?:contact|call|email|write)\b|\bemail (?:address )?for\b|"
        r"\bhow fast do you (?:reply|answer|respond)\b"
    ),
    "payment": re.compile(
        r"\bpay(?:ment|ments|ing|pal)?\b|\bcredit card|\bdebit card|\binstal+ments?\b|\bklarna\b|"
        r"\bafterpay\b|\bcheckout\b|\bcoupons?\b|\bdiscounts?\b|\bpromo(?: code)?\b|\bgift cards?\b|"
        r"\bprice match|\bdeals?\b|\bsales?\b|\bblack friday\b|\bspecial offers?\b|\bvouchers?\b|"
        r"\b(?:money|charge|amount|payment)\b.{0,30}\b(?:pending|on hold|held)\b"
    ),
    "small_talk": re.compile(
        r"\bhow are you\b|\bwho are you\b|\b(?:are|is) (?:you|this|i talking to) (?:an? )?(?:actual |real )?"
        r"(?:bot|robot|human|real|ai|person|machine|chatbot)\b|\btalking to (?:an? )?(?:actual |real )?"
        r"(?:bot|robot|human|person|machine)\b|\bwhat can you do\b|\bwhat do you do\b|\bcan you help\b|"
        r"\bhelp me\b(?! (?:to )?(?:write|plan|book|solve|cook|translate|draft|compose|do my|with my home))|"
        r"\bi need help\b|\bnice to meet\b|\byou there\b|\bare you there\b|\bi'?m new\b|"
        r"\byour name\b|\bwho (?:made|built|created|programmed) you\b|\bhow'?s it going\b|\bwhat'?s up\b|"
        r"\bare you (?:chatgpt|gpt|an? ai|automated|a real)\b|\bhow do you work\b|"
        r"\b(?:you|u) (?:are|r) (?:a |an )?(?:real )?(?:robot|bot|human|ai|person|machine|chatbot)\b|"
        r"\b(?:are|r) (?:you|u) (?:a |an )?(?:real |actual )?(?:robot|bot|human|ai|person|machine|chatbot)\b|"
        r"\b(?:person|human|someone|somebody|people) (?:is |are )?(?:typing|writing|answering|behind)\b|"
        r"\bsorry (?:for|about) (?:all )?(?:the|these|my|so many|bombarding|bothering|asking)\b|"
        r"^(?:(?:ok|okay|cool|great|nice|got it|sure|alright|yes|no|nope|yep|yeah|hmm+|lol|haha|k|one|then)"
        r"[\s\W]*)+$"
    ),
}

RECOMMENDS = re.compile(r"\brecommend|\bsuggest|\bwhich (?:\w+ )?(?:should|would) (?:i|you)\b")
"""An explicit ask for a product: a products request even next to a policy question."""
ACCOUNT_INTENTS = frozenset({"order_status", "order_history", "order_items", "spending"})
PRODUCT_INTENTS = frozenset({"product_info", "price", "stock", "specs", "compatibility"})
POLICY_INTENTS = frozenset(
    {"returns_policy", "warranty_policy", "shipping_policy", "cancellation_policy", "contact", "payment"}
)
DOCS_INTENTS = PRODUCT_INTENTS | POLICY_INTENTS
ISSUE_POLICIES = frozenset({"warranty_policy", "payment"})
"""What the customer tells of an item they own under these (a fault, a charge) is a policy question: the
page says what happens, not their order."""
CUSTOMER_DAMAGE = re.compile(r"\b(?:dropped|knocked|spilled|sat on|stepped on|fell|kicked|tripped)\b")
"""Damage the customer caused: a question for the warranty page (accidental damage), not their order."""
SOCIAL_INTENTS = frozenset({"greeting", "thanks", "goodbye", "small_talk"})
OUT_OF_SCOPE = re.compile(
    r"\b(?:weather|forecast|joke|jokes|poem|poems|recipe|recipes|cook|football|soccer|basketball|"
    r"politic\w*|election|president|homework|capital of|translate|bitcoin|crypto\w*|stock market|stock price|"
    r"horoscope|movie|movies|song|lyrics|essay|story|dating|girlfriend|boyfriend|medical|doctor|lottery|"
    r"write (?:me )?(?:a|an|some) (?:code|essay|story|song|poem|letter)|python code|math problem)\b"
)
"""Subjects a store's assistant has nothing to say about: they make a message out of scope unless it
also names something of the store's (an order, a product, a policy)."""

OWNERSHIP = re.compile(
    r"\b(?:i|we|i've|i'd|i'm)\b(?: (?!never\b|not\b|haven't\b|didn't\b)\w+){0,3} "
    r"(?:bought|ordered|purchased|paid for|(?<!i've )(?<!we've )(?<!have )got|received|was charged|"
    r"were charged|cancel+ed|returned|placed|was expecting|am expecting|'m expecting|am waiting|'m waiting|"
    r"was sent|only wanted|didn't order)\b|"
    r"\b(?:of mine|of ours)\b|"
    r"\b(?:my|our) (?:\w+ ){0,3}(?:order|orders|package|packages|parcel|delivery|refund|purchase|purchases|"
    r"account)\b|"
    r""
    r"\bmy (?:\w+ ){0,2}(?:arrived|came|shipped|was delivered|were delivered|is late|are late|coming|"
    r"arriving|"
    r"(?:is|are) on (?:the|its|their) way)\b|"
    r"\border of me\b|\bthe (?:cancel+ed|last|latest|recent|pending|other) order\b|\bmy money\b|"
    r"\b(?:the|my) (?:\w+ ){0,3}i (?:bought|ordered|got|purchased|cancel+ed)\b|\bi was charged\b|"
    r"\b(?:did|has|have) (?:my|the) order\b|\b(?:did|have|has) (?:you|u|it|they)\b.{0,12}\b(?:send|sent|ship|"
    r"shipped|dispatch\w*|deliver\w*)\b|\b(?:total|much) (?:i|we) spen[dt]\b|\bi spend (?:in|at|"
    r"with)\b|\bcharged (?:twice|me)\b|\bwrong (?:item|product|colou?r|size)\b"
)
"""The customer speaks of something of their own (an order, a purchase, a delivery): an orders topic,
whatever product it names."""

SELLS = re.compile(
    r"\bdo (?:you|u)(?: guys| folks| all)? (?:sell|have|carry|stock|offer)\b|\b(?:got|have you got|have) "
    r"anything\b|\banything (?:for|good for)\b|"
    r"(?:^|, )(?:you|u)(?: guys)? (?:have|got|sell|carry|stock)\b|"
    r"\b(?:looking|lookin|shopping) for (?:a|an|some)\b|^(?:got|have you got|you got) any\b"
)
"""A question about what the store sells: answered (even with "we don't sell that"), never refused."""

HYPOTHETICAL = re.compile(
    r"\b(?:what if|what happens if|in case|suppose|let'?s say)\b"
    r"|(?<!see )(?<!check )(?<!know )(?<!wonder )(?<!wondering )(?<!whether )\bif (?:i|my|an?|the)\b"
)
GENERAL_FORM = re.compile(
    r"\b(?:would i|do i have to|can i|could i|am i able|is it possible|how do i|how long|how many days)\b"
)
CONCRETE = re.compile(
    r"\b(?:i|we)\b(?: \w+){0,3} (?:bought|ordered|purchased|received|got|placed)\b|"
    r"\b(?:arrived|was delivered|"
    r"were delivered|when did|still)\b"
)
"""A question about what the store does in a case ("what if my package gets lost?"): a policy question,
even when it speaks of "my" order."""

_SPECIFIC = r"(?:my|our|the|it|its|that|this|they|them|those|these|everything|anything|stuff|\w+ i)"
ORDER_EVENT = re.compile(
    r"\bwhere(?:'s| is| are|s| r)? (?:my|our|all my|all of my|the \w+ i)\b"
    r"|\btrack(?:ing)?\b(?! (?:pad|ball))"
    r"|\b(?:when|did|has|have|had|is|are|was|were|wasn't|hasn't|haven't|isn't|if|whether)\b"
    rf"(?: \w+){{0,4}}? {_SPECIFIC}\b(?: \w+){{0,4}}? "
    r"(?:delivered|shipped|arrived|arrive|dispatched|sent out|left|come|came|show(?:ed|n)? up|ship|deliver|"
    r"went out|gone out|go out|get here|got here|turn(?:ed)? up|go through|went through|gone through)\b"
    r"|\b(?:says?|shows?|showing|marked|marks)\b(?: \w+){0,3} (?:as )?delivered\b"
    r"|\b(?:still |already )?on (?:its|their|my) way\b|\b(?:anything|something|orders?) (?:\w+ )?on the way\b"
    rf"|\b{_SPECIFIC} (?:was|were|got|has been|have been) (?:\w+ )?(?:delivered|shipped|dispatched|sent)\b"
    r"|\b(?:billed|charged)\b|\bmoney (?:come|came) back\b"
)
"""A question about something that happened (or is happening) to one of the customer's own orders:
where it is, whether and when it shipped, arrived or was billed. It speaks of a particular thing ("my",
"it", "the aerobook"), so it is an account question whatever product it names ("forge laptop
tracking", "when was the aerobook delivered?"); the same words in general form ("how long does
delivery take?", "what if it never arrives?") are a policy question."""

ASKS = re.compile(
    r"\?|^(?:how|what|whats|what's|when|where|which|who|why|can|could|do|does|did|is|are|will|would|"
    r"should)\b|\b(?:can|could|would|will) (?:you|u|i)\b|\bi (?:need|want|would like)\b|\btell me\b|"
    r"\bplease\b|\bwondering\b"
)
"""A message that asks or requests something (a thank-you that does not is chit-chat)."""
COVERAGE = re.compile(
    r"\bcover(?:s|ed|age)?\b|\bunder (?:the )?warranty\b|\beligible\b|\bqualif(?:y|ies)\b|"
    r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|\d+) "
    r"(?:days?|weeks?|months?|years?) (?:ago|old)\b"
)
"""What a policy answers by itself: whether a case is covered, or a case whose dates the customer gives."""

_SHOP_NOUNS = r"(?:package|packages|parcel|order|orders|delivery|purchase|account)"


def elsewhere(normalized: str) -> bool:
    """An order of another shop or carrier: "my amazon package", "an order from ebay" (a name: a word that
    is neither the store's nor common English)."""
    named = re.findall(rf"\b(\w+) {_SHOP_NOUNS}\b|\b{_SHOP_NOUNS} (?:from|on|at|with) (\w+)\b", normalized)
    from techhub.models.offline.vocabulary import ENGLISH_TARGET_FREQUENCY, _english

    words = [w for pair in named for w in pair if w and _english()[w] < ENGLISH_TARGET_FREQUENCY]
    return bool(words) and bool(set(foreign_subjects(" ".join(words))))


FOLLOW_UP = re.compile(
    r"^(?:and|also|plus|what about|how about|ok(?:ay)?|so|then|but|same|which|even|except)\b|"
    r"\b(?:it|its|it's|that|this|those|these|them|they|one|ones|other|another|same|either|both|"
    r"there|then|instead|too)\b"
)
"""Cues that a message leans on the previous turn ("and the other one?", "when did that ship?")."""

ARRIVAL_ESTIMATE = re.compile(
    r"\bwhen (?:will|should|would|does|do|can|might) (?:it|they|that|this|my \w+|the \w+|i) (?:\w+ )?"
    r"(?:arrive|get here|come|be delivered|be here|get it|get them|receive it|receive them|show up)\b|"
    r"\bhow (?:soon|many days)\b.{0,30}\b(?:arrive|get here|deliver\w*|receive|here)\b|"
    r"\broughly when\b|\bexpected (?:delivery|arrival)\b|\b(?:delivery|arrival) (?:date|estimate|time)\b"
)
"""A question about when an order will arrive: its status, and the shipping page's delivery times."""

IMPLIED_RETURN = re.compile(
    r"\b(?:was|were|is|are) a mistake\b|\bnot for me\b|\b(?:don'?t|do not|no longer) (?:really )?need "
    r"(?:it|them|this|that|those|these)\b|\bno longer need\b|\bchanged my mind\b|"
    r"\b(?:don'?t|do not) (?:really )?(?:want|like|get along with) (?:it|them)\b|"
    r"\b(?:only|just) need (?:one|1|a single)\b"
)
"""A customer saying they do not want something they bought: a return, asked for without the word."""

RANKINGS: tuple[tuple[re.Pattern[str], SortKey, bool], ...] = (
    (re.compile(r"\b(?:most expensive|priciest|dearest|highest price|high end|top of the line)\b"),
     "price", True),
    (re.compile(r"\b(?:cheapest|cheaper|least expensive|lowest price|lowest cost|most affordable|"
                r"inexpensive|budget|cheap)\b"), "price", False),
    (re.compile(r"\b(?:lightest|lighter|least heavy|lightweight|weighs? (?:the )?least|most portable)\b"),
     "weight", False),
    (re.compile(r"\b(?:heaviest|heavier|weighs? (?:the )?most)\b"), "weight", True),
    (re.compile(r"\b(?:(?:best|longest|biggest|most|greatest|good|great|long|longer|better) battery|"
                r"battery (?:life )?(?:lasts? )?(?:the )?(?:longest|best|most)|longest lasting|"
                r"lasts? (?:the )?longest|(?:go|goes|run|runs) (?:the )?longest|"
                r"longest (?:between|without|on a) "
                r"(?:charges?|charging|charge))\b"), "battery", True),
    (re.compile(r"\b(?:biggest|largest|bigger|larger|widest) (?:screen|display|monitor)\b"), "screen", True),
    (re.compile(r"\b(?:smallest|smaller) (?:screen|display|monitor)\b"), "screen", False),
    (re.compile(r"\b(?:fastest|quickest|highest refresh|best refresh|most hz|smoothest)\b"), "refresh", True),
    (re.compile(r"\b(?:most|more|biggest|largest|highest|max\w*) (?:storage|ssd|disk|space)\b"),
     "storage", True),
    (re.compile(r"\b(?:most|more|highest|max\w*) (?:ram|memory)\b"), "ram", True),
)  # fmt: skip
"""How customers ask for the top of a ranking: (pattern, figure, descending)."""

CHAT_WORDS = frozenset(
    """ok okay lol haha hah yes no yeah yep nope sure thanks thank cool great nice good fine awesome perfect
    alright all set now just think guess well hmm here there new again one bye hello hi hey day morning
    evening night talk talking chat bot human person machine real actual right lot much very really hope
    wondering quick question guys folks oh ah wow actually anyway anything something stuff thing
    things bored tired happy sad busy lonely excellent wonderful amazing awesome perfect fair enough sorry
    bother bothering questions asking""".split()
)
"""Words of conversation itself: a message made only of these (and store words) is not about
something else."""


def foreign_subjects(normalized: str) -> list[str]:
    """The message's content words that are neither the store's vocabulary nor conversation: "pizza",
    "haiku", "landlord". A message about these and nothing of the store's is out of scope."""
    from techhub.agent.retrieval import _STOP_WORDS
    from techhub.models.offline.vocabulary import store_vocabulary

    vocabulary = store_vocabulary()
    return [
        w
        for w in re.findall(r"[a-z]+", normalized)
        if len(w) > 2
        and w not in vocabulary
        and w not in CHAT_WORDS
        and w not in _STOP_WORDS
        and w.rstrip("s") not in vocabulary
        and not _shares_stem(w, vocabulary)
        and not _everyday(w)
        and w not in EVERYDAY_WORDS  # "loud", "typing": everyday words for things we sell
    ]


def mostly_ours(normalized: str, foreign: list[str] | None = None) -> bool:
    """Whether at most a third of the message's content words are foreign to the store ("what time
    cutoff for same day processing": one odd word among store words is still a store question)."""
    from techhub.agent.retrieval import tokenize

    foreign = foreign_subjects(normalized) if foreign is None else foreign
    content = [w for w in tokenize(normalized) if len(w) > 2]
    return not OUT_OF_SCOPE.search(normalized) and 3 * len(foreign) <= len(content)


def _everyday(word: str) -> bool:
    """Words so common they name no subject ("came", "sell", "life")."""
    from techhub.models.offline.vocabulary import _english

    return _english()[word] >= EVERYDAY_FREQUENCY


def _shares_stem(word: str, vocabulary: frozenset[str]) -> bool:
    """ "podcasting" and "podcaster", "waterproofing" and "waterproof": the same word for the store."""
    stem = word[: max(6, len(word) - 3)]
    return len(word) >= 7 and any(v.startswith(stem) for v in vocabulary if len(v) >= 6)


EVERYDAY_FREQUENCY = 150_000
"""At least this frequent in English (pyspellchecker's list), a word is part of any conversation."""

_PRODUCT_WORD_MAX_FREQUENCY = 10_000
"""A product-name word more common than this in English ("studio", "stand") names the product only
together with its brand or another word of its name."""


EMAIL_ANSWER_WORDS = frozenset(
    """it's its it is my the email address mail is here sure ok okay yes yeah sorry oops oh right correct
    one that this should be try again i meant mean typo bad use please pls thanks thank you sry
    """.split()
)
"""The words around an email address given in answer to "what is your email?"."""


@dataclass(frozen=True)
class Ranking:
    """'The cheapest laptop', 'which mice are in stock': a kind or category ranked by a figure."""

    group: str
    sort_by: SortKey
    descending: bool = False
    in_stock_only: bool = False
    max_price: float | None = None
    superlative: bool = True
    """False for a plain listing ("which monitors are in stock?", "what headphones do you have?")."""


@dataclass(frozen=True)
class Reading:
    """What the offline model understood from one message."""

    text: str
    normalized: str
    intents: frozenset[str]
    order_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    action: str | None = None
    complaint: bool = False
    out_of_scope: bool = False
    foreign: bool = False
    products: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    """Product kinds ("laptop", "power bank") and categories ("Audio") the message names."""
    ranking: Ranking | None = None
    topic: str | None = None
    """The message's own topic (one of TOPICS), None when it names nothing to place it by."""
    follow_up: bool = False
    """It leans on the previous turn (a pronoun, "and ...", "what about ...")."""
    event: bool = False
    """It asks about an event of one of the customer's orders (:data:`ORDER_EVENT`)."""
    extra: dict = field(default_factory=dict)

    @property
    def needs_identity(self) -> bool:
        """Questions about the customer's own orders need a verified identity; so do actions on them."""
        return self.topic == "orders"

    @property
    def only_email(self) -> bool:
        """The message is an email address and (almost) nothing else: an answer to 'what is your email?'."""
        rest = EMAIL_PATTERN.sub("", self.text).strip(" .,!:;-\n\t").lower()
        words = re.findall(r"[a-z']+", rest)  # "sorry, it's x@y.com": courtesy words only
        return bool(self.emails) and len(words) <= 8 and set(words) <= EMAIL_ANSWER_WORDS


# Chat shorthand that is not a typo of anything (so the corrector cannot find it).
SHORTHAND = {
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "ur": "your",
    "u": "you",
    "r": "are",
    "wat": "what",
    "wheres": "where's",
    "whats": "what's",
    "hows": "how's",
    "cant": "can't",
    "dont": "don't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "isnt": "isn't",
    "wont": "won't",
    "im": "i'm",
    "ive": "i've",
    "id": "i'd",
    "2day": "today",
    "tmrw": "tomorrow",
    "asap": "asap",
}


def _correct(word: str) -> str:
    return SHORTHAND.get(word) or correct_word(word)


def normalize(text: str) -> str:
    """Lower-case, fold accents, unify quotes, correct misspelt words towards the store's vocabulary."""
    folded = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).encode("ascii", "ignore").decode()
    folded = folded.lower()
    words = re.split(r"([^a-z0-9']+)", folded)
    return "".join(_correct(w) for w in words)


FOREIGN_SHARE = 0.6
"""A message at least this share of whose words are not English (nor the store's) is in another
language, when it also has accented letters (typos have none)."""


def _is_foreign(text: str, normalized: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not c.isascii() for c in letters) / len(letters) > 0.5:
        return True
    from techhub.models.offline.vocabulary import is_english_word, store_vocabulary

    # before typo correction ("donde" is not a misspelt "done"): mostly words of no English at all
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    raw = [w for w in re.findall(r"[a-z]+", folded) if len(w) >= 2]
    unknown = [w for w in raw if not is_english_word(w) and w not in store_vocabulary()]
    if len(unknown) >= 3 and len(unknown) >= FOREIGN_SHARE * len(raw) and any(not c.isascii() for c in text):
        return True  # accented words that are not English: "¿Dónde está mi pedido?"
    words = set(re.findall(r"[a-z]+", normalized))
    markers = {
        "hola",
        "pedido",
        "donde",
        "gracias",
        "bonjour",
        "commande",
        "merci",
        "bestellung",
        "wo",
        "ist",
        "meine",
        "danke",
        "ciao",
        "ordine",
        "onde",
        "meu",
        "obrigado",
    }
    return len(words & markers) >= 2 or (bool(words) and len(words & markers) / len(words) > 0.4)


def _name_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@lru_cache(maxsize=1)
def _product_index() -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, str]]:
    """(product name -> its own name words, distinctive name word -> product, brand word -> brand)."""
    catalogue = load_catalogue()
    own = {
        p.name: tuple(w for w in _name_words(p.name) if w not in _name_words(p.brand))
        for p in catalogue.products
    }
    counts: dict[str, int] = {}
    for words in own.values():
        for word in set(words):
            counts[word] = counts.get(word, 0) + 1
    described = {
        p.name: set(_name_words(f"{p.description} {' '.join(p.specs.values())}")) for p in catalogue.products
    }
    distinctive = {  # in one name only, and not a word other products are described with ("gaming")
        w: name
        for name, words in own.items()
        for w in words
        if counts[w] == 1
        and not any(w in text for other, text in described.items() if other != name)
        and kind_of(w) is None  # "speakers", "mouse": a kind of product, not one product
    }
    brands = {w: p.brand for p in catalogue.products for w in _name_words(p.brand)}
    return own, distinctive, brands


def _common_english(word: str) -> bool:
    from techhub.models.offline.vocabulary import _english

    return word.isalpha() and _english()[word] > _PRODUCT_WORD_MAX_FREQUENCY


def _products_named(normalized: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(products, brands) the message names: a distinctive name word ("aerobook"), or a brand with a
    word of one of its names ("sonique hush"), or two words of one name ("vista 27q")."""
    words = set(_name_words(normalized))
    own, distinctive, brand_words = _product_index()
    brands = tuple(dict.fromkeys(brand_words[w] for w in _name_words(normalized) if w in brand_words))
    catalogue = load_catalogue()
    found = []
    for product in catalogue.products:
        matched = words & set(own[product.name])
        if not matched:
            continue
        strong = any(
            distinctive.get(w) == product.name and not _common_english(w) and not w.isdigit() for w in matched
        )
        if strong or len(matched) >= 2 or (product.brand in brands and matched - {"pro", "go"}):
            found.append(product.name)
    if not found:  # "the keyboard, the quiet one": a kind and the start of one of its names
        kinds = {kind_of(w) for w in words} - {None}
        starts = [w for w in words if len(w) >= 4 and not w.isdigit()]
        found = [
            p.name
            for p in catalogue.products
            if p.kind in kinds
            and any(n.startswith(w) and distinctive.get(n) == p.name for n in own[p.name] for w in starts)
        ]
    if len(found) > 1:  # "vantor forge 16 pro" names the Forge, not the Pocketview 16 ("aerobook vs slate")
        matched = {name: words & set(own[name]) for name in found}
        found = [
            name
            for name in found
            if name.lower() in normalized
            or not any(matched[name] < matched[other] for other in found if other != name)
        ]
    return tuple(found), brands


LOOSE_KIND_WORDS = frozenset(
    {"screen", "screens", "display", "displays", "camera", "cameras", "stand", "stands"}
)
"""Words for a kind of product that are also parts of other products (a laptop's screen, its camera)."""


def _groups_named(normalized: str) -> tuple[str, ...]:
    """Product kinds and categories the message names ("power bank", "earphones" -> earbuds, "audio")."""
    groups: list[str] = []
    loose: set[str] = set()  # kinds named only by a word that is also a part of other things
    for kind, words in KINDS.items():
        found = [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", normalized)]
        if found:
            groups.append(kind)
            if set(found) <= LOOSE_KIND_WORDS:
                loose.add(kind)
    words = normalized.split()
    modifiers = {  # "laptop stand", "laptop camera": in a compound the last noun is the thing
        kind_of(first)
        for first, second in zip(words, words[1:], strict=False)
        if kind_of(first) and kind_of(second.strip("?.!,"))
    }
    if len(groups) > 1 and modifiers - {None}:
        groups = [g for g in groups if g not in modifiers] or groups
    elif len(groups) > 1:  # "laptop with the biggest screen": the screen is the laptop's
        groups = [g for g in groups if g not in loose] or groups
    catalogue = load_catalogue()
    for category in catalogue.categories:
        words = re.findall(r"[a-z]+", category.lower())
        kind_words = {w for kind in KINDS.values() for w in kind}  # "laptop" is a kind: matched above
        singular = [re.sub(r"ies$", "y", w) if w.endswith("ies") else w.rstrip("s") for w in words]
        singular = [one if one not in kind_words else w for w, one in zip(words, singular, strict=True)]
        if any(
            re.search(rf"\b(?:{w}|{one})\b", normalized) for w, one in zip(words, singular, strict=True)
        ) and not any(catalogue.select(g) and catalogue.select(g)[0].category == category for g in groups):
            groups.append(category)
    return tuple(dict.fromkeys(groups))


BUDGET = re.compile(
    r"\b(?:under|below|less than|no more than|more than|max(?:imum)?|up to|within|budget(?: of| is)?|"
    r"around)\s*"
    r"(?:\$\s?(\d[\d,]*)|(\d[\d,]*)\s*(?:dollars|usd|bucks)\b)|"
    r"\$\s?(\d[\d,]*)\s*(?:budget|max|or less|tops)\b|"
    r"\b(?:budget(?: of| is)?(?: (?:around|about|roughly|max|maximum|up to))?|under|below|less than|up to)\s*"
    r"(\d{2,}[\d,]*|\d+k)\b(?!\s*(?:kg|g|grams|hours?|hrs?|inch\w*|gb|tb|hz|w|watts?|mah|dpi|mm|%|days?|"
    r"weeks?|months?|years?|minutes?|mins?|lbs?|pounds|ounces|oz|euros?))"
)


def _ranking(normalized: str, groups: tuple[str, ...], intents: set[str]) -> Ranking | None:
    group = groups[0] if groups else ""
    budget = BUDGET.search(normalized)
    amount = next((g for g in budget.groups() if g), None) if budget else None
    amount = amount.replace(",", "").replace("k", "000") if amount else None  # "budget 2k" is 2000
    max_price = float(amount) if amount else None
    for pattern, sort_by, descending in RANKINGS:
        if pattern.search(normalized):
            in_stock = "stock" in intents
            return Ranking(group, sort_by, descending, in_stock, max_price)
    if max_price is not None and group:
        return Ranking(group, "price", True, "stock" in intents, max_price, superlative=False)
    if group and "stock" in intents:
        return Ranking(group, "price", False, True, superlative=False)
    return None


def _policy_signal(normalized: str) -> tuple[str | None, float]:
    """The kind of the store document that best matches the message ("policy"/"product") and its score."""
    hits = search_documents(expand(normalized), k=1)
    return (hits[0].document.kind, hits[0].score) if hits else (None, 0.0)


BM25_TOPIC_SCORE = 6.0
"""A message naming nothing the patterns know still belongs to a topic when a document matches it at
least this well (BM25 score; an exact policy title scores 15 to 25, one shared rare word about 4)."""


def _own_topic(reading: Reading, intents: set[str]) -> tuple[str | None, str]:
    """The message's own topic and what decided it: "named" (an order, a product, a kind of product),
    "intent" (what it asks), "documents" (BM25 over the store's pages), "social", or "" (nothing).

    Priority follows what a request needs: the customer's own orders first (an order id, an account
    question, an action, something they bought), then products, then policies; a product question
    next to a policy question is a products request that also gets the policy."""
    named_products = bool(reading.products or reading.brands)
    named = named_products or bool(reading.groups)
    if not reading.normalized.strip():
        return "chitchat", "social"
    if reading.order_ids:
        return "orders", "named"
    text = reading.normalized
    hypothetical = (
        bool(intents & POLICY_INTENTS)
        and not CONCRETE.search(text)
        and bool(HYPOTHETICAL.search(text) or GENERAL_FORM.search(text))
    )
    if elsewhere(text):
        return "out_of_scope", "intent"  # "my amazon package": another shop's order
    asks = any(ASKS.search(part) for part in clauses(text))
    if intents & {"thanks", "goodbye"} and not asks and not (named or reading.action):
        return "chitchat", "social"  # "you've saved me a phone call, appreciate it"
    # "is that covered by the warranty?", "I bought it eight months ago": the customer's situation is
    # context for a policy answer, not something to look up in their orders
    coverage = bool(intents & POLICY_INTENTS) and bool(COVERAGE.search(text)) and not reading.event
    if (
        intents & ACCOUNT_INTENTS
        or reading.action
        or (
            OWNERSHIP.search(reading.normalized)
            and not hypothetical
            and not coverage
            and not (
                intents & ISSUE_POLICIES
                and not ((reading.complaint or reading.event) and not CUSTOMER_DAMAGE.search(text))
            )
        )
    ):
        return "orders", "intent"
    foreign = foreign_subjects(reading.normalized)
    hypothetical_problem = bool(HYPOTHETICAL.search(text))  # "what if it arrives damaged?"
    if (
        reading.complaint
        and not coverage
        and not intents & DOCS_INTENTS
        and not named
        and not foreign
        and not hypothetical_problem
    ):
        return "orders", "intent"
    policy = bool(intents & POLICY_INTENTS)
    owned = re.search(r"\bmy (?:new |old )?(\w+)", reading.normalized)
    if (
        policy
        and owned
        and not hypothetical
        and not coverage
        and (kind_of(owned.group(1)) or owned.group(1) in _name_words(" ".join(reading.products)))
        and intents & POLICY_INTENTS - ISSUE_POLICIES
    ):
        return "orders", "intent"  # "the return window on my headphones": their order's dates decide
    if coverage and not named_products:
        return "policies", "intent"  # "my laptop battery barely lasts, bought it eight months ago"
    product_question = (
        (named_products and not intents & POLICY_INTENTS)
        or bool(reading.ranking and reading.ranking.group)
        or bool(intents & {"stock", "specs", "compatibility"})
        or (named and bool(intents & {"price", "product_info"}) and not policy)
        or (named and bool(RECOMMENDS.search(text)))  # "which one do you recommend, and can I return it?"
    )
    # "do you sell printers?" is ours to answer, even "no" (but not "do you have a recipe for ...")
    asks_what_we_sell = any(
        SELLS.search(part)
        and not OUT_OF_SCOPE.search(part)
        and not any(INTENT_PATTERNS[name].search(part) for name in POLICY_INTENTS)
        for part in re.split(r"[?.!]+", text)
    )
    if OUT_OF_SCOPE.search(reading.normalized) and not (
        named or policy or product_question or asks_what_we_sell
    ):
        return "out_of_scope", "intent"
    if (
        policy
        and not product_question
        and not asks_what_we_sell
        and not (named_products and intents & {"price", "product_info"})
    ):
        return "policies", "intent"
    if named:
        return "products", "named"
    if (
        product_question
        or ("price" in intents and not foreign)  # "cheap flights to denver" is not about our prices
        or ("product_info" in intents and (asks_what_we_sell or not foreign))
    ):
        return "products", "intent"
    if intents & {"small_talk", "thanks", "goodbye"} and not intents - SOCIAL_INTENTS:
        return "chitchat", "social"  # "you are robot or human?": about the assistant, not the support team
    kind, score = _policy_signal(reading.normalized)
    if kind is not None and score >= BM25_TOPIC_SCORE and mostly_ours(reading.normalized, foreign):
        return ("policies" if kind == "policy" else "products"), "documents"
    if intents & SOCIAL_INTENTS:
        return "chitchat", "social"
    return None, ""


CLAUSE_BREAK = re.compile(
    r"(?<=[?!.;])\s+(?=\S)"
    r"|,?\s+\b(?:and also|also|plus|oh and|btw|by the way|and)\s+(?=(?:how|what|whats|what's|when|where|"
    r"which|who|why|can|could|do|does|did|is|are|will|would|should|has|have|tell|i|any)\b)"
)
"""Where one request ends and the next begins: a sentence end, or "and"/"also" before a new question
("what's the status of my order and how long is your return window?")."""


def clauses(text: str) -> list[str]:
    """The separate requests of a message, in order (one item for a single request)."""
    parts = [p.strip(" ,") for p in CLAUSE_BREAK.split(str(text or "")) if p and p.strip(" ,")]
    return parts or [str(text or "")]


def read_message(text: str) -> Reading:
    """Understand one customer message (deterministically)."""
    return _read(str(text or "")[:4000])


@lru_cache(maxsize=2048)
def _read(text: str) -> Reading:
    # "noise-cancelling" is a feature of headphones, never a request to cancel anything
    normalized = re.sub(r"\bnoise[- ]?cancel+(?:l?ing|l?ation)\b", "noise anc", normalize(text))
    intents = {name for name, pattern in INTENT_PATTERNS.items() if pattern.search(normalized)}
    order_ids = tuple(dict.fromkeys(f"ORD-{a}-{b}" for a, b in ORDER_ID.findall(text)))
    emails = tuple(dict.fromkeys(e.lower() for e in EMAIL_PATTERN.findall(text)))
    complaint = bool(COMPLAINT.search(normalized))

    action = None
    for name, pattern in ACTION_PATTERNS.items():
        if pattern.search(normalized):
            asked = (
                bool(REQUEST_CUES.search(normalized))
                and not (
                    QUESTION_CUES.search(normalized)
                    and not re.search(r"\b(?:can|could|would|will) you\b", normalized)
                )
                and (bool(ACTION_TARGET.search(normalized)) or not GENERAL_CASE.search(normalized))
            )
            # "my order hasn't been cancelled" is a complaint about an earlier request, not a new one.
            if asked and not (complaint and re.search(r"\bhas(?:n'?t| not) been cancel", normalized)):
                action = name
                break
    if action and re.search(
        r"\bif (?:it|they|this|that|i|the|my)\b.{0,40}\b(?:doesn'?t|don'?t|isn'?t|aren'?t|won'?t)\b",
        normalized,
    ):
        action = None  # "can I send it back if it doesn't suit my voice?": asks what the policy allows
    if action is None and IMPLIED_RETURN.search(normalized) and OWNERSHIP.search(normalized):
        action = "refund"  # "the buds I got in June were a mistake": they want to send them back
    if "small_talk" in intents:  # "am I talking to a human?" is about the assistant, not a request
        intents.discard("contact")
    if action:
        intents.discard("cancellation_policy")
        intents.discard("returns_policy")
    if action == "refund":
        intents.discard("order_status")
    if order_ids and not (intents & (ACCOUNT_INTENTS - {"order_status"})):
        intents.add("order_status")
    event = any(  # per request: "did my headphones ship? and how long do I get to return them?"
        ORDER_EVENT.search(part) and not (HYPOTHETICAL.search(part) or GENERAL_FORM.search(part))
        for part in clauses(normalized)
    )
    if event:
        intents.add("order_status")
    if ARRIVAL_ESTIMATE.search(normalized):
        intents.add("shipping_policy")
    products, brands = _products_named(normalized)
    # "my last laptop", "my laptop screen": what they own is not what they ask about, unless it is all
    # they name ("my laptop camera is so grainy": a camera is what they need)
    owned = {w for pair in re.findall(r"\bmy (?:(\w+) )?(\w+)", normalized) for w in pair if w}
    named_groups = _groups_named(normalized)
    groups = tuple(g for g in named_groups if not owned & set(KINDS.get(g, ())))
    needs = re.search(r"\bi (?:need|want) to\b|\bneed (?:a|an|something)\b|\blooking for\b", normalized)
    if (
        not groups
        and not needs
        and not intents & (ACCOUNT_INTENTS | POLICY_INTENTS)
        and not OWNERSHIP.search(normalized)
    ):
        groups = named_groups
    product_question = intents & {"price", "stock", "specs", "compatibility"}
    if (
        (product_question or products)
        and not order_ids
        and not event
        and not re.search(
            r"\bmy (?:order|package)\b|\bstatus of (?:the|my|our)\b.{0,30}\border\b", normalized
        )
    ):
        intents.discard("order_status")
    if "order_items" in intents or "order_history" in intents or "spending" in intents:
        if not order_ids and not re.search(r"\bwhere\b|\bstatus\b|\btrack", normalized):
            intents.discard("order_status")
    if (
        "order_status" in intents
        and "shipping_policy" in intents
        and not re.search(r"polic|cost|fee", normalized)
        and not ARRIVAL_ESTIMATE.search(normalized)
    ):
        intents.discard("shipping_policy")
    if (products or groups or brands) and not intents & (DOCS_INTENTS | ACCOUNT_INTENTS):
        intents.add("product_info")

    ranking = _ranking(normalized, groups, intents)
    topical = intents - SOCIAL_INTENTS
    foreign = not topical and not action and not products and _is_foreign(text, normalized)
    reading = Reading(
        text=text,
        normalized=normalized,
        intents=frozenset(intents),
        order_ids=order_ids,
        emails=emails,
        action=action,
        complaint=complaint,
        foreign=foreign,
        products=products,
        brands=brands,
        groups=groups,
        ranking=ranking,
        follow_up=bool(FOLLOW_UP.search(normalized)),
        event=event,
    )
    topic, source = (None, "") if foreign or (emails and reading.only_email) else _own_topic(reading, intents)
    return replace(reading, topic=topic, out_of_scope=topic == "out_of_scope", extra={"topic_source": source})
