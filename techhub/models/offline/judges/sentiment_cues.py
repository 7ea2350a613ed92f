"""What the offline sentiment judge reads in a customer message: cues, sentence by sentence, by kind.

Cues are described by *kind* (churn, a problem that continues, a consequence, sarcasm, ...), each a
family of sentence-level patterns over normalised text (:mod:`.sentiment_text`), not a list of
labelled phrases. Some kinds only mean something once the agent has answered: "my order still hasn't
arrived" in the opening message is why the customer writes; after an answer it is the problem
continuing. Praise with nothing else ("wonderful.") is read here too; whether it is sincere depends
on what the agent did before it (:mod:`.sentiment_acts`), which the conversation judge knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from techhub.models.offline.judges.sentiment_text import normalize, sentences

Polarity = Literal["positive", "negative"]
When = Literal["always", "after_answer"]


@dataclass(frozen=True)
class CueKind:
    """One kind of sentiment signal: its patterns, and how the reasoning names it.

    A kind without a pattern is read from the conversation, not from one sentence (see
    :mod:`.sentiment`): pushback after a failure, a complaint after politeness.
    """

    name: str
    polarity: Polarity
    says: str
    pattern: re.Pattern[str] | None
    when: When = "always"
    weak: bool = False  # a weak cue (worry) is cancelled by any positive cue of the same message


def _kind(
    name: str, polarity: Polarity, says: str, *alternatives: str, when: When = "always", weak: bool = False
) -> CueKind:
    return CueKind(name, polarity, says, re.compile("|".join(f"(?:{a})" for a in alternatives)), when, weak)


# --- negative kinds -------------------------------------------------------------------------------
# Patterns run on normalised text: lower case, apostrophes removed ("doesnt", "im", "ill").

ANGER = _kind(
    "anger or a demand",
    "negative",
    "shows anger or makes a demand",
    r"\b(?:ridiculous|unacceptable|outrageous|absurd|insane|shocking|unbelievable|furious|livid|angry|"
    r"infuriating|disgraceful|disgusting|appalling|scandalous|unreal|shocked|appalled|stunned|horrified|"
    r"gobsmacked|flabbergasted)\b",
    r"\bwhat the (?:heck|hell|fuck|f|actual)\b",
    r"\b(?:wtf|wth|ffs|smh)\b",
    r"\bare you (?:kidding|serious|joking|for real)\b",
    r"\b(?:cant|cannot|can not|couldnt) believe\b(?=.*\b(?:not|dont|didnt|no|never|cant|wont|isnt|still)\b)",
    r"\byou(?:ve)? (?:must|have got to|gotta|got to|have to) be (?:kidding|joking)\b",
    r"\bare you (?:actually |really )?(?:joking|kidding)\b",
    r"\bhow (?:is|can) (?:this|that|it) (?:be )?(?:acceptable|ok|okay|fair|right|legal|allowed|possible)\b",
    r"\b(?:los(?:ing|t)|running out of|out of|testing) (?:my |all )?patience\b",
    r"\b(?:file|filing|lodge|lodging|make|making|raise|raising|submit|submitting) (?:a |an )?(?:formal |"
    r"official )?complaint\b",
    r"\b(?:will|is going to|gonna|are going to) (?:be )?hear(?:ing)? (?:about|from)\b",
    r"\bseriously\s*[?!]",
    r"^\W*seriously\b",
    r"\bfor real\s*\?",
    r"\b(?:i want|i demand|give me|i need) (?:a |my |a full )?(?:refund|money back)\b",
    r"\bmoney back\b",
    r"\b(?:get me|talk to|speak (?:to|with)|want|need|put me through to|transfer me to) "
    r"(?:a |an |your |the |some )?(?:manager|supervisor|human|real person|actual person|person|agent|"
    r"someone real|someone else|somebody else|a real human|an actual human|someone who)\b",
    r"\b(?:want|need|demand|do|fix|send|give|get|cancel|refund|sort)\b.{0,30}\bright now\b(?!.{0,5}\?)",
    r"\bright now\s*!",
    r"\bimmediately\b(?=.*!)",
    r"\bfed up\b",
    r"\bsick (?:and tired )?of\b",
    r"\bhad enough\b",
    r"\bscam(?:med|mers)?\b",
    r"\brip ?off\b",
    r"\bugh+\b",
    r"\bargh+\b",
    r"\b(?:this is|thats|its|what) (?:a |such a |an absolute )?joke\b",
    r"\bbeyond (?:frustrating|annoying|ridiculous|a joke)\b",
    r"\bnot listening\b",
    r"\blisten to me\b",
    r"\byou (?:dont|didnt|arent|are not|never|wont|do not) (?:even )?"
    r"(?:listen|listening|read|reading|understand|answer|help)",
    r"\byou keep (?:saying|repeating|telling|ignoring)\b",
    r"\bhow (?:hard|difficult) (?:can it be|is it)\b",
    r"\b(?:dispute|disputing|contest|reverse|reversing) (?:the |this |my )?(?:charge|payment|transaction)\b",
    r"\bcharge ?back\b",
    r"\b(?:leave|leaving|write|writing|post|posting|give|giving) (?:a |an |you a |you an )?(?:bad |negative |"
    r"honest |one star |1 star |1-star |terrible )?(?:review|rating)\b",
    r"\b(?:one|1)[ -]star\b",
    # Threats in general words: reviews on every site, telling the card company or the bank.
    r"\b(?:write|writing|post|posting|leave|leaving|put|putting)\b.{0,40}\breview (?:sites?|pages?)\b",
    r"\b(?:post|posting|tweet|tweeting|write|writing|blast|blasting|share|sharing)\b.{0,15}\babout "
    r"(?:this|you|it|techhub|your \w+)\b.{0,30}\b(?:reviews?|trustpilot|yelp|social media|twitter|reddit|"
    r"facebook|tiktok|online|everywhere)\b",
    r"\b(?:disput(?:e|ing)|contest(?:ing)?) (?:this|it|that|the|my)\b",
    # Escalation in general words: "escalate this", "someone senior", "whoever is in charge".
    r"\bescalate (?:this|it|that|my|the)\b",
    r"\b(?:someone|somebody|anyone|whoever is) (?:more )?(?:senior|higher up|in charge|with authority)\b",
    r"\bnext (?:call|stop|step|move)\b.{0,25}\b(?:my|the) (?:bank|credit card|card (?:company|issuer|"
    r"provider))\b",
    r"\b(?:call|calling|contact|contacting|phone|phoning|ring|report (?:this|you|it) to)\b.{0,10}"
    r"\b(?:my|the) (?:bank|credit card company|card (?:company|issuer|provider))\b.{0,20}"
    r"\b(?:dispute|reverse|report|block|stop|get my money)\b",
    r"\b(?:report|reporting) (?:you|this|techhub|your company)\b",
    r"\b(?:better business bureau|bbb|consumer protection|my lawyer|a lawyer|small claims|legal action)\b",
    r"\b(?:tell|telling|warn|warning) (?:everyone|all my friends|people|others)\b",
)

DISSATISFACTION = _kind(
    "dissatisfaction",
    "negative",
    "says they are dissatisfied",
    r"\b(?:useless|terrible|awful|horrible|horrendous|worst|pathetic|hopeless|worthless|shameful|"
    r"unhelpful|unhappy|dissatisfied|incompetent|misleading|rude|lame|meh|robbery|lied|liar|lying|typical|"
    r"shady|dodgy|sketchy|scammy|unprofessional|brutal|sloppy|shoddy|clueless|pointless|sneaky|rigid|"
    r"inflexible|"
    r"unfair|petty|stingy|greedy)\b",
    r"\bshould (?:just|already|have been|have|not have|be able to)\b",
    r"\bshouldnt (?:have to|need to|be)\b",
    r"\bim not (?:going to |gonna )?(?:putting|doing|paying|buying|waiting|spending|calling)\b",
    r"\b(?:kind of|pretty|really|quite|a bit|very|way too) (?:basic|poor|bad|weak|lame|sad|silly|steep|harsh|"
    r"stiff|rough|pricey|expensive)\b",
    # Being sent elsewhere, said as a complaint: "and you point me at an email address".
    r"\byou (?:just |only |simply )?(?:point|send|refer|redirect|direct|fob) (?:me|us) (?:off )?(?:to|at|"
    r"towards)\b",
    # The answer missed the point: "that's the whole problem", "you skipped that part".
    r"\b(?:thats|that is|this is|which is) (?:the |my )(?:whole|entire|real|main|actual) (?:problem|issue|"
    r"point)\b",
    r"\byou (?:\w+ )?(?:skipped|ignored|missed|left out|forgot|dodged|sidestepped|avoided) (?:that|this|"
    r"the|my|it|part)\b",
    r"\b(?:bought|paid|ordered|want|wanted|need|needed)\b.{0,40},? not (?:to|for|so)\b",
    r"\bjust saying\b",
    r"\b(?:most|other|every other|all the other) (?:places|stores|shops|retailers|sites|companies)\b",
    r"\bdisappoint(?:ed|ing|ment)\b",
    r"\bfrustrat(?:ed|ing|ion)\b",
    r"\bannoy(?:ed|ing)\b",
    r"\birritat(?:ed|ing)\b",
    r"\bupset\b",
    r"\blet down\b",
    r"\bnot impressed\b",
    r"\ba lie\b",
    r"\bwaste of (?:time|money|my time)\b",
    r"\bwasted (?:my|an|a whole|so much) ",
    r"\b(?:not|never|isnt|wasnt|arent|werent) (?:very |really |that |so |at all |particularly |exactly |"
    r"even )?"
    r"(?:helpful|useful|happy|satisfied|good|great|clear|acceptable|ok|okay|fine|good enough|cool|nice|"
    r"what i (?:asked|needed|wanted|expected))\b",
    r"\bno help\b",
    r"\b(?:bad|poor|lousy|crappy|crap|shoddy|sloppy|abysmal) "
    r"(?:service|support|experience|answer|bot|chatbot|help|job|customer service)\b",
    r"\b(?:nobody|no one|noone) (?:has )?(?:ever )?(?:answered|replied|responded|helped|called|cares)\b",
    r"\bdoesnt (?:answer|address|help with) (?:my|the) question\b",
    r"\bthat (?:wasnt|isnt|is not|was not) (?:my|the) question\b",
    r"\bi (?:didnt|did not) ask (?:for|about) (?:that|this)\b",
    r"\b(?:i |we )?(?:didnt|did not|never) ask(?:ed)? (?:for|about) (?:it|that|this|any of (?:that|this))?\b",
    r"\bthis (?:chat|bot|chatbot|assistant|service|store|company) (?:is|sucks)\b.{0,20}"
    r"\b(?:useless|terrible|awful|bad|sucks|joke|broken)?",
    r"\bsucks?\b",
    r"\bnot (?:acceptable|ok|okay|good enough|fair|right)\b",
    r"\b(?:thats|that is|this is|its|it is|what a|such a)\b(?: \w+){0,3}? (?:bad|poor|lousy|weak|sad|silly|"
    r"stupid|"
    r"dumb|shame|pity|mess|nonsense|rubbish|garbage|inconvenient|unfair|hassle|nightmare|pain)\b",
    r"\b(?:getting|gets|is) (?:old|tiresome|tiring|exhausting)\b",
    r"\b(?:a|an|such a|total|complete|absolute|real|bit of a|what a|been a)\s+(?:\w+\s+)?(?:mess|nightmare|"
    r"disaster|joke|hassle|shambles|fiasco|letdown|let down|farce|headache|ripoff|rip off|circus)\b",
    r"\b(?:letdown|bummer|gutted|shame|pity)\b",
    r"\boh (?:dear|no|man)\b",
    r"\b(?:thats|that is|its|this is) (?:a )?(?:big |real |bit of a |serious )?(?:problem|issue)\b",
    r"\bnot (?:great|ideal|the best|good at all)\b",
    r"\btoo (?:slow|long|expensive|pricey|complicated|late|much hassle|difficult)\b",
    r"\b(?:tired|weary) of\b",
    r"\b(?:have|having|had) to (?:deal|put up) with (?:this|that|it|all this)\b",
    r"\bregret(?:ting|ted)? (?:ever )?(?:ordering|buying|choosing|shopping|using|this|it|the|my)\b",
    r"\bwhy (?:wasnt|werent|didnt|was nobody|did nobody|did no one) (?:i |we |anyone |you |nobody )?"
    r"(?:\w+ )?(?:told|informed|warned|notified|say|tell|mention|warn)\b",
    r"\byou(?:re| are)? (?:just |only |simply )?(?:repeating|copying|pasting|reading|quoting|parroting)\b",
    # Expectations unmet, praise withheld: "I expected more", "could be better", "can't say I'm impressed".
    r"\bi (?:expected|expect|was expecting|hoped for|was hoping for) (?:a lot |much |far "
    r"|way )?(?:more|better)\b",
    r"\b(?:could|should) (?:be|have been) (?:\w+ )?(?:a lot |much |way |far )?better\b",
    r"\b(?:thought|hoped|assumed|figured|expected)\b.{0,30}\b(?:more (?:useful|helpful|capable)|better "
    r"than this|able to (?:help|do))\b",
    r"\b(?:better|more \w+) than (?:this|that)\W*$",
    r"\b(?:dont|cant|do not|cannot|fail to) see how\b",
    r"\b(?:doesnt|does not|didnt|did not) (?:really |actually )?(?:tell|show|give) me (?:anything"
    r"|much|what)\b",
    r"(?:^\W*|\byou (?:can|could|should|need to|have to|gotta|got to) )do better\b",
    r"\b(?:cant|cannot|wouldnt|couldnt) (?:say|call) (?:im|i am|it|that|this"
    r"|myself) (?:\w+ )?(?:impressed|happy|"
    r"pleased|satisfied|thrilled|great|helpful|good)\b",
    r"\bnot (?:much|any|a lot of|of (?:any|much)) (?:use|help)\b",
    r"\bnot (?:really |exactly |quite )?(?:an|the) answer\b",
    r"\b(?:a lot of|lots of|so many|many) words (?:for|to say) (?:no|nothing)\b",
    r"\b(?:another|just a|typical|stupid|dumb|useless) (?:bot|chatbot|robot|script|machine)\b",
    r"\bi (?:asked|had) (?:you )?(?:a |one )?(?:simple|straightforward|easy|basic|clear"
    r"|yes or no) question\b",
    r"\bthis is how you treat\b",
    r"\b(?:loyal|long ?time|regular) customer\b.{0,60}\b(?:and|but|yet)\b",
    r"\bcustomer (?:for|since) (?:\d+|a|many|several|two|three|five|ten) (?:years?|decades?)\b.{0,40}"
    r"\b(?:and|but|yet)\b",
    r"\b(?:canned|scripted|copy ?paste|copy and paste|generic|automated|boilerplate) "
    r"(?:answer|reply|response|message|text)\b",
)

CONFUSION = _kind(
    "confusion",
    "negative",
    "says they are confused",
    r"\bconfus(?:ed|ing)\b",
    r"^\W*(?:how|what|huh|sorry what|wait what)\W*\?+\W*$",
    r"\b(?:dont|do not|didnt|still dont) (?:understand|get it|get what|follow)\b",
    r"\b(?:makes|made) no sense\b",
    r"\bdoesnt make (?:any )?sense\b",
    r"\bwhat do you mean\b",
    r"\bim lost\b",
    r"\bunclear\b",
    r"\b(?:said|says|say) (?:two )?(?:different|opposite) things\b",
    r"\bwhich (?:one )?is it\b",
    r"\bcontradict",
    r"\bwhat does that (?:even )?mean\b",
    r"\bhuh\s*\?",
)

IMPLIED = _kind(
    "implied negativity",
    "negative",
    "gives up or brushes the agent off",
    r"\bwhatever\b",
    r"\bfigure it out (?:myself|on my own|by myself)\b",
    r"\bforget (?:it|about it)\b",
    r"\bnever ?mind\b",
    r"\bnvm\b",
    r"\bdont bother\b",
    r"\bi give up\b",
    r"\bdoesnt matter (?:anymore|now)\b",
    r"\blive with it\b",
    r"\bif you say so\b",
    r"^\W*(?:figures|typical|pass|whatever you say)\W*$",
    r"^\W*(?:of course|naturally|classic|go figure)\W*\.\W*$",
    r"\b(?:isnt|not) going anywhere\b",
    r"\bgoing (?:nowhere|in circles)\b",
    r"^\W*(?:fine|sure|ok|right|great)\s*(?:then)?\W*\.\.+\W*$",
    r"^\W*fine\W*$",
    r"\b(?:ill|i will|i guess ill|guess ill) (?:just )?(?:call|email|ask|try|look|search|google|find|deal|"
    r"sort)\b"
    r".{0,40}\b(?:instead|myself|elsewhere|someone else|on my own|somewhere else)\b",
    r"\bi guess (?:thats|that is) it\b",
    r"\bi suppose\W*$",
    r"\b(?:ill|i will) (?:just )?\w+ (?:\w+ )?i suppose\b",
    r"\bso (?:thats|that is|its|the answer is) (?:a )?no\b",
    r"\b(?:i )?guess (?:ill|i will|i(?:ll)? (?:have to|just|need to)|i can|im|thats|that is|not|so)\b",
    r"\bbelieve it when i see it\b",
    r"\bi doubt (?:it|that)\b",
    r"\byeah,? sure\b",
    r"\bso (?:thats|that is) it\b",
    r"\bthats it\?",
    r"\bdont (?:bother|worry) about it\b(?!.*thank)",
    r"\b(?:no|not) (?:point|use) (?:asking|talking|trying)\b",
    r"\bwhy (?:do|did) i (?:even )?bother\b",
    r"\bnot worth (?:it|the hassle)\b",
    r"\bill pass\b",
    r"\b(?:ill|i will|i guess ill|guess ill) (?:just |have to )?figure (?:it|this|that|something) out\b",
    r"\bwait and see\b",
    r"^\W*(?:wow|hm+|huh)\W+(?:ok|okay|alright|right|fine|cool)\W*$",
    r"\b(?:ill|i will|i guess ill|guess ill) just cancel\b",
    r"\blesson learned\b",
    r"^\W*(?:\*?sighs?\*?|smh|ugh+)\W*$",
    r"^\W*(?:im|i am) (?:so |just )?(?:done|over it|out)\W*$",
    r"\bim (?:so )?done with\b",
    r"\bsurely (?:you|there|someone|somebody)\b",
    r"\bi (?:guess|suppose)\W*$",
    # Resigned acceptance: "not like I have a choice", "I suppose that's that", "it is what it is".
    r"\b(?:not like i (?:have|had)|i (?:dont|didnt|do not) (?:have|get)|i have no|i had no|leaves me no|"
    r"left with no) (?:a |any |much |other |another |real )?(?:choice|option|alternative|say)s?\b",
    r"\bthats that\b",
    r"\bit is what it is\b",
    r"\bso be it\b",
)

CHURN = _kind(
    "churn",
    "negative",
    "says they will take their business elsewhere",
    r"\b(?:buy|buying|order|ordering|ordered|get|getting|got|shop|shopping|purchase|purchasing|go|going|went|"
    r"take|taking|spend|spending|bought|look|looking|try|trying)\b.{0,25}"
    r"\b(?:elsewhere|somewhere else|(?:another|other|a different|different) (?:store|shop|retailer|site|"
    r"website|"
    r"seller|place|company)|a competitor|"
    r"the competition|competitors?)\b",
    r"\b(?:from|at|on|to|with|over to)\s+(?:amazon|best ?buy|walmart|target|newegg|ebay|costco|currys|argos|"
    r"mediamarkt|media markt|b ?h photo|micro ?center|john lewis|aliexpress|temu|the apple store)\b",
    r"\bnever (?:shop|order|buy|use|come back|coming back|shopping|ordering|buying|using|again)\b",
    r"\b(?:last|final) (?:time i|order|purchase) (?:i |from|with|here|ever)\b",
    r"\b(?:lost|losing|lose) (?:a |me as a |another |your )?(?:customer|client)\b",
    r"\btake (?:my|our) (?:business|money|custom)\b",
    r"\b(?:gets?|getting|will get|can have|has|have|earns?) (?:my|our) (?:money|business|custom)\b",
    r"\b(?:wont|will not|never|not) (?:be )?(?:coming|come) back\b",
    r"\b(?:wont|will not|never|not going to|dont think ill) (?:be (?:back|returning|ordering|shopping|"
    r"buying)|"
    r"shop|order|buy|recommend|use you|come back)\b",
    r"\bdone with (?:you|techhub|this (?:store|shop|company|place))\b",
    r"\bnext time i(?:ll| will)? (?:buy|order|shop|go|get)\b",
    r"\b(?:look|looking|shop|shopping|check) around\b",
    r"\b(?:switch|switching|moving|move) (?:to|over to) (?:another|a different)\b",
    r"\b(?:last|final) (?:time|thing|order|purchase|item)\b.{0,12}\b(?:i (?:order|buy|get|shop)|from|with|"
    r"here|ever)\b",
    r"\b(?:look|looking|switch|switching|go|going|try|trying|consider|considering|move|moving|use|using)\b"
    r".{0,20}\b(?:other|another|different|new) (?:suppliers?|vendors?|sellers?|stores?|shops?|retailers?|"
    r"companies|company|options|places?|sites?|websites?)\b",
    r"\b(?:ill|i will|im going to|gonna|ill just) (?:get|buy|order|grab) (?:it|one|them) "
    r"(?:there|from them)\b",
    r"\b(?:order|buy|get|shop|purchase|ordering|buying|getting|shopping)\b.{0,25}\b(?:from|at|with) "
    r"(?:someone|somebody|a store|a shop|a place|people|somewhere|a company|a retailer) "
    r"(?:else|who|that|which)\b",
)

CONTINUING = _kind(
    "a problem that continues",
    "negative",
    "says the problem continues",
    # Persistence: the same problem, again, after what the agent said or did.
    r"\bstill (?:\w+ )?(?:not|no|nothing|doesnt|dont|didnt|hasnt|havent|isnt|arent|wont|cant|cannot|"
    r"processing|pending|waiting|broken|stuck|missing|dead|empty|the same|only|charging me|being charged|"
    r"in transit|nowhere|late|showing|shows|says|flickers|jams|crashes|drops)\b",
    r"\b(?:happened|happening|broke|broken|failed|failing|stopped|crashed|same) again\b",
    r"\bagain\b.{0,30}\b(?:not|no|nothing|broken|failed|same|error)\b",
    r"\b(?:keeps|kept) (?:on )?\w+ing\b",
    r"\b(?:same|identical) (?:issue|problem|error|thing|result|message|answer|reply|response|screen|story)\b",
    r"\bno (?:change|difference|luck|improvement|progress|update|updates|news|reply|response|answer)\b",
    r"\bnothing (?:has )?(?:changed|happened|works|worked|helps|helped|arrived|came|showed up)\b",
    r"\balready (?:\w+ )?(?:tried|did|done|do|checked|restarted|rebooted|reset|updated|followed|contacted|"
    r"called|"
    r"emailed|sent|told|gave|cleared|cleaned|unplugged|plugged|reinstalled|installed|uninstalled|asked|said|"
    r"waited|"
    r"looked|replaced|charged|recharged|paired|unpaired|changed|turned|switched|swapped|tested|logged|"
    r"reseated|"
    r"removed|re-?entered|typed|explained|mentioned|went through|spoke|talked|wrote|filled)\b",
    r"(?:^\W*|\bi |\bwe |\balready )(?:did|tried|done) (?:that|this|it|all (?:that|of that|of those|those)|"
    r"everything|both|what you (?:said|suggested))\b",
    r"\b(?:tried|did) (?:that|it|this) (?:already|twice|\w+ times|before)\b",
    r"\b(?:ive|i have|i|weve|we) (?:already |also |even )?tried\b",
    r"\b(?:said|says|showed|shows|was|told me) (?:that|the same|this)\b.{0,25}\b(?:too|before|already|"
    r"last)\b",
    r"\bas i (?:said|told you|mentioned|explained|wrote)\b",
    r"\bi (?:already )?told you\b",
    r"\byou (?:already |just )?(?:said|told me) (?:that|this|the same)\b",
    r"\byou promised\b",
    r"\byou (?:said|told me|claimed)\b.{0,60}!",
    r"\b(?:the )?(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)|umpteenth|hundredth) time\b",
    r"\b(?:as|like|same as) (?:before|last time)\b",
    r"\b(?:twice|three times|several times|many times|multiple times) (?:already|now)\b",
    # Waiting and things that never came.
    r"\bnever (?:received|got|arrived|came|heard|showed up|turned up|happened|came through|went through)\b",
    r"\b(?:is|are|was|were) missing\b",
    r"\b(?:shows|says|see|saw|got|get|received|have|there is|theres) (?:no|nothing)\b",
    r"\b(?:havent|hasnt|didnt|never|not) (?:had|got|gotten|received|seen|heard)\b.{0,15}\b(?:email|"
    r"confirmation|"
    r"refund|money|reply|response|answer|call|update|package|parcel|order|tracking|notification|message|"
    r"anything|word)\b",
    r"\bno (?:refund|email|confirmation|package|parcel|tracking|money|credit|delivery|call|text|notification|"
    r"replacement|sign of)\b",
    r"\bnothing (?:here|there|in my (?:account|inbox|mailbox))\b",
    r"\b(?:its|it has|its been|weve been|ive been) (?:been )?(?:waiting )?(?:\w+ )?"
    r"(?:days|weeks|months|ages|forever)\b",
    r"\b(?:still )?waiting (?:for|on)\b",
    r"\bhow (?:much )?longer\b",
    r"\b(?:i|ive|we|weve) (?:have )?(?:been |already )?wait(?:ed|ing)\b",
    r"\b(?:that|it|this|which) (?:was|is) (?:\w+ )?(?:\w+ )?(?:days|weeks|months|a week|a month|ages) ago\b",
    # The customer contradicts what the agent said or claimed.
    r"\bbut (?:it|the (?:site|app|tracking|page|account|website|status|order)) (?:says|shows|said|showed)\b",
    r"\b(?:thats|that is|this is|its|it is) (?:wrong|incorrect|false|untrue|not (?:true|right|correct|"
    r"the case|what i|"
    r"my|mine|there|here))\b",
    r"^\W*(?:nothing|nada|zilch|no luck|no dice|still nothing)\W*$",
    r"\bthats not (?:true|right|correct|what)\b",
    r"\b(?:thats|that is|its|it is|this is|those are|these are) (?:a |an |the )?\w+(?: \w+){0,2},? not "
    r"(?:a |an |the )?\w+",
    r"\bi (?:asked|said|wanted|meant|need|needed)\b.{0,40}\bnot\b",
    r"^\W*(?:but |and )?i (?:asked|was asking|wanted to know) (?:you )?(?:about|for|if|whether|how|what|when|"
    r"which|why|where)\b(?!.*\?)",
    r"\byou (?:told|gave|showed|sent|answered|said)\b.{0,50},? (?:but )?not\b",
    r"\b(?:nothing|not a word|not one word) (?:in )?(?:there|here|in (?:that|this|it))\b.{0,10}\babout\b",
    r"\byou said\b.{0,60}\b(?:but|not|never|didnt|hasnt|isnt|no)\b",
    r"\b(?:i was|we were|i got|i have been|ive been) told\b.{0,40}\b(?:different|otherwise|opposite|"
    r"something else|the same)\b",
    r"\b(?:no|nope),? (?:it|its|that|you|i) (?:isnt|wasnt|didnt|hasnt|doesnt|did not|has not|is not|dont)\b",
    r"\b(?:well |way |long |far )?(?:over|more than|past|beyond|longer than) (?:the )?(?:\d+|a|two|three|"
    r"four|five|six|seven|eight|nine|ten) (?:business |working )?(?:days|weeks|months|week|month)\b",
    r"\b(?:\d+|a|two|three|four|five|six|seven|eight|nine|ten) (?:business |working )?(?:days?|weeks?|"
    r"hours?) (?:late|overdue|behind)\b",
    r"\b(?:is|are|was|its|thats|it is|already) (?:\w+ )?(?:late|overdue)\b",
    r"\byou (?:said|told me|claimed|promised|confirmed|assured me)\b.{0,80}\b(?:and|but|yet|however|still|"
    r"now|today|instead)\b",
    when="after_answer",
)

# A statement that something did not happen or does not work, read only after the agent answered
# (the opening message states the problem the customer writes about). Yes/no questions ("doesn't it
# come with a case?") are questions, not reports.
FAILURE_STATEMENT = re.compile(
    r"\b(?:doesnt|dont|didnt|wont|isnt|arent|wasnt|werent|hasnt|havent|hadnt|cant|cannot|couldnt|not|never|"
    r"still not|no longer)\s+(?:even\s+|really\s+|actually\s+|yet\s+|been\s+|being\s+|be\s+)*"
    r"(?:work|works|working|worked|help|helped|helps|helping|fix|fixed|solve|solved|resolve|resolved|arrive|"
    r"arrived|come|came|show up|showing up|shown up|showed up|receive|received|get|got|gotten|load|loading|"
    r"loads|connect|"
    r"connecting|pair|pairing|charge|charging|turn on|start|starting|boot|update|updated|change|changed|"
    r"cancel|"
    r"cancelled|canceled|refund|refunded|reversed|credited|processed|ship|shipped|deliver|delivered|appear|"
    r"appeared|go through|went through|match|matches|apply|applied|fit|fits|respond|responded|reply|replied|"
    r"hear|heard|find|found|see|there|here|true|right|correct|possible|enough|sent|posted|moving|moved|"
    r"budging|going|gone|back|returned|accepted|recognised|recognized|registered|sync|syncing|print|printing|"
    r"turning on|powering on|power on|open|opening|download|downloading|install|installing|let me|allow|"
    r"happen|happened|in my account|on my card|on my statement|in my inbox|comes|arrives|goes through|loads|"
    r"opens|"
    r"starts|sends|gets|turns on|shows up)\b",
)
# "I never open things before I'm sure" is a habit, not a failure: with "I" as subject only not
# receiving, hearing, finding or seeing something reports a problem.
_FIRST_PERSON_NEGATION = re.compile(
    r"\bi (?:do not|dont|didnt|did not|never|cant|cannot|couldnt|havent|have not|wont|will not|am not|"
    r"im not)\s+"
    r"(?!(?:even |yet |really |actually )*(?:receive|received|get|got|gotten|hear|heard|find|found|see|"
    r"seen)\b)"
)
_COMPLAINT_QUESTION = re.compile(
    r"\b(?:why|how come)\b.{0,40}\b(?:still|again|yet|so (?:hard|long|slow|difficult))\b"
    r"|\b(?:why|how come)\b(?=.{0,40}" + FAILURE_STATEMENT.pattern + ")"
)

# A product failing, reported after the agent answered ("mine broke at 13 months").
_BROKEN = re.compile(
    r"\b(?:broke|broken|died|dead|stopped working|cracked|faulty|defective|damaged|smashed|dented|fell apart|"
    r"errors?|crash(?:es|ed)?|bug|glitch(?:es|y)?|freezes|frozen)\b"
)
# "I ordered it nine days ago" after "orders ship within 2 days": the wait is already too long.
_OVERDUE = re.compile(
    r"\b(?:processing|pending|waiting|stuck|sitting|in transit|been|out|on hold|had it|"
    r"had them)\b.{0,15}\bfor (?:\d+|a|an|two|three|"
    r"four|five|six|seven|eight|nine|ten|several|many|a few|over a|over an) (?:minutes|hours|days|weeks|"
    r"months|"
    r"hour|day|week|month)\b|"
    r"\b(?:trying|tried|waiting|waited|been at it)\b.{0,20}\bsince\b|"
    r"\b(?:its|it is|today is) (?:already )?(?:the )?\d{1,2}(?:st|nd|rd|th)\b|"
    r"\b(?:ordered|bought|paid|placed|sent|returned|emailed|called|waited|asked|reported|posted)\b.{0,30}"
    r"\b(?:\w+ )?(?:days|weeks|months) ago\b|\bsince (?:last )?(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|week|month)\b"
)
_STILL = re.compile(
    r"\bstill\b(?! (?:available|in stock|under warranty|valid|eligible|open|good|works|working fine|on sale|"
    r"the best|love|like|want|need to know|wondering|deciding|thinking|interested|happy|have a question|"
    r"a good|"
    r"worth|fine|ok|great|perfect|thank|in time|possible|covered|active|\w+able\b|\w+ible\b))(?= \w)"
)
_PAST_WORRY = re.compile(
    r"\b(?:was|were|got|had been) (?:\w+ )?(?:worried|afraid|scared|nervous|panicking|concerned|"
    r"freaking out)\b"
    r"|\bi (?:thought|feared|was afraid)\b"
)

EXASPERATION = _kind(
    "exasperation at the agent's limits",
    "negative",
    "asks, exasperated, what the agent can do at all",
    r"\bwhat(?:s| is) the point (?:of|in) (?:you|this|asking|talking|having)\b",
    r"\bwhat (?:good|use) (?:are|is) (?:you|this)\b",
    r"\bwhat are you (?:even |actually )?(?:for|good for)\b",
    r"\bwhy (?:do you|does this (?:bot|chat|thing)) (?:even )?exist\b",
    r"\b(?:can|do) you (?:even |actually )?(?:do|help with|know) anything\b",
    r"\bis there anything (?:at all )?(?:you|that you) (?:can|actually can|are able to)\b",
    r"\byou(?:re| are)?\b.{0,30}\b(?:can|able|allowed)\b.{0,30}\b(?:anything|at all)\b.*\?",
    r"\b(?:anything|at all)\b.{0,30}\byou(?:re| are)?\b.{0,10}\b(?:can|able|allowed)\b.*\?",
    r"\bwhat (?:exactly |else |the heck |on earth )?(?:can|do) you (?:even |actually )?(?:do|help with|"
    r"know)\b"
    r"(?=.*(?:\?|then|even|actually|exactly))",
    r"\bdo you (?:even|actually) (?:know|understand|read|work|care|do)\b",
    r"\byou (?:dont|do not|didnt) (?:actually |even |really )?(?:know|answer|say)\b",
    r"^\W*so (?:you|i|it|theres|there is) (?:\w+ )?(?:dont|cant|cannot|wont|didnt|do not|can not|arent|"
    r"have no|"
    r"has no)\b",
    r"\bevery (?:single )?(?:time|thing i ask|question)\b",
    r"\b(?:all|everything) you (?:ever )?(?:say|do) is\b",
    r"\bhow (?:can|could|do) you not\b",
    r"\byes or (?:a )?no\b",
    r"^\W*(?:then|so) why\b",
    r"\byou(?:re| are)?\b.{0,40}\b(?:cant|cannot|can not|dont|arent able to|are unable to)\b[^.!]{0,30}\?",
    r"\b(?:so )?you (?:cant|cannot|can not|wont) (?:do|help(?: me)?(?: with)?) (?:anything|a thing|"
    r"nothing)\b",
    r"\bwhy (?:cant|cannot|wont|dont|couldnt) you (?:just )?\w+",
    r"\b(?:is there|can i (?:just )?(?:talk|speak) to|let me (?:talk|speak) to) "
    r"(?:anyone|someone|somebody|a human|a person|a real|an actual|a manager)\b",
    r"\bam i (?:talking|speaking|chatting) to a (?:bot|robot|machine|wall)\b",
    r"\b(?:are you|is this) (?:even |just )?(?:a |an )?(?:real|actual)? ?(?:bot|robot|machine)\b.*\?",
    r"\b(?:so )?what (?:am i|are we) (?:supposed|meant) to do\b",
    r"\b(?:so )?what (?:now|then)\s*\?",
    r"\bnow what\b",
    r"\bthen what\b",
    r"\bhow (?:else )?(?:am i|do i) supposed to\b",
    r"\b(?:can|could) you not (?:just )?\w+",
    r"\bcant you (?:just |even )?\w+",
    r"^\W*so (?:\w+ )?(?:you|nobody|no one|noone|theres nobody|there is nobody) (?:\w+ )?(?:cant"
    r"|cannot|can not|"
    r"dont|wont|is able|can actually|can really|can)\b.{0,30}\b(?:help|tell|do|anything|nothing)\b",
    r"\bwhat am i (?:even )?(?:paying|paying you) for\b",
    r"\bwhy (?:is|does) (?:this|it|everything) (?:have to be |need to be )?(?:so )?(?:complicated"
    r"|difficult|hard|"
    r"confusing|slow)\b",
    when="after_answer",
)

CONSEQUENCE = _kind(
    "a consequence",
    "negative",
    "describes what the failure cost them",
    r"\btoo late\b",
    r"\b(?:might|may|wont|will not|not going to|isnt going to)\b (?:not )?(?:even )?(?:make it|"
    r"arrive in time|"
    r"get here in time|be here in time)\b",
    r"\b(?:not|wont|never|didnt|doesnt|isnt|wasnt|cant)\b.{0,40}\bin time\b",
    r"\b(?:wont|will not|didnt|did not|not going to|never|cant|cannot) (?:arrive|get here|make it|be here|"
    r"come|"
    r"reach me|be delivered|ship)\b.{0,30}\b(?:in time|before|by|until after)\b",
    r"\b(?:missed|miss|missing|lost|losing) (?:the |my |our |a |it |his |her |their )?"
    r"(?:deadline|flight|trip|birthday|event|date|window|sale|deal|offer|discount|appointment|meeting|party|"
    r"chance|opportunity|exam|presentation|wedding|holiday|trial|return period|cutoff|cut off)\b",
    r"\b(?:deadline|window|sale|offer|promotion|promo|deal|discount|return period|return window|warranty|"
    r"trial|code|voucher|coupon|birthday|party|trip|flight|event|wedding|holiday|christmas|exam)\b"
    r"(?: \w+){0,2} (?:has |had |is |was |already |now )*(?:passed|closed|expired|ended|over|gone|"
    r"finished)\b",
    r"\b(?:was|is|were) (?:yesterday|last (?:week|night|weekend)|this morning)\b",
    r"\b(?:my|the|our) (?:\d+ days?|thirty days|return window|window|warranty|deadline|grace period|"
    r"return period)\b.{0,20}\b(?:will be |would be |are |is |have |has )?(?:over|gone|closed|expired|"
    r"passed|up|done)\b",
    r"\bby the time\b.{0,60}\b(?:over|gone|closed|expired|too late|passed|late|useless|pointless)\b",
    r"\b(?:was|were|is) (?:meant|supposed|planned) to (?:be|arrive|come|go|have)\b",
    r"\bi needed (?:it|them|this|that) (?:for|by|before|on)\b",
    r"\bno longer (?:need|want|matters|any use|useful|relevant)\b",
    r"\b(?:pointless|useless) now\b",
    r"\b(?:so |and )?now i (?:have|had|need|got|must|ll have) to\b",
    r"\bnow ill have to\b",
    r"^\W*so (?:now )?i (?:have|need|must|got) to\b(?!.*\?)",
    r"\b(?:id|i would|ill|i will|im going to|i|im) (?:\w+ )?(?:lose|losing|lost|be out|out)\b.{0,15}\$\s?\d",
    r"\bill have to (?:pay|buy|wait|cancel|return|rebook|order|get another|replace)\b",
    r"\b(?:had|have|having) to (?:buy|order|get|pay for) (?:another|a new|it again|a replacement|"
    r"one elsewhere|"
    r"twice|a second)\b",
    r"\bruin(?:ed|s)?\b",
    r"\bcost me\b",
    r"\b(?:spent|wasted|lost|been at this for|been on (?:this|here) for)\b.{0,20}\b(?:minutes|hours|an hour|"
    r"all day|"
    r"ages|half a day|the whole)\b",
    r"\b(?:stuck|stranded|left) with\b",
    r"\bim stuck\b",
    r"\b(?:lost|lose|losing|missed|miss|missing out on) (?:the |my |our |a |it |his |her |their )?(?:\w+ )?"
    r"(?:return|refund|chance|price|deal|sale|window|deadline|money)\b",
    r"\b(?:closed|shut|ended|expired|passed)\b.{0,20}\bago\b",
    r"\b(?:is|are|was|were|already|now) (?:closed|shut)\b",
    r"\b(?:out of pocket|lost money)\b",
    r"\b(?:im|i am|were|we are|i was) (?:now )?out (?:\$?\d[\d,.]*|a lot of money|hundreds|my money)\b",
    r"\b(?:taking|takes|took|take) (?:forever|ages|an eternity|so long|way too long)\b",
    r"\bfor nothing\b",
    r"\b(?:wasted|waste) (?:a|my|the|another) (?:day|morning|afternoon|week|trip|journey|drive)\b",
    r"\b(?:kids?|son|daughter|wife|husband|partner|mom|mum|dad|friend|client|boss)\b.{0,30}"
    r"\b(?:disappointed|crying|upset|without|no gift|no present)\b",
    when="after_answer",
)

SARCASM = _kind(
    "sarcasm",
    "negative",
    "praises the agent sarcastically",
    r"\bthanks? (?:a lot |so much )?for (?:nothing|absolutely nothing|wasting|ruining|making me|"
    r"the runaround|"
    r"the hassle|the trouble)\b",
    r"\byeah,? right\b",
    r"\bbig help\b",
    r"\bgee,? thanks\b",
    r"\bcool story\b",
    r"\bgood to know (?:how|that|what) (?:you|your|techhub|this store)\b",
    r"\b(?:great|good|nice|fantastic|brilliant) job\b(?=.{0,30}(?:not|nothing|\.\.\.|lol))",
    r"\bwell done\b(?=.*(?:\.\.\.|not|nothing))",
    r"\bso (?:helpful|useful)\b(?=.*(?:\.\.\.|lol|not))",
    r"\b(?:real|really|very|so|super) (?:helpful|useful)\b(?=.*\.\.\.)",
    r"\blol\b(?=.*(?:not|no|never|cant|useless))",
    r"/s\b",
    r"\bwhat a (?:great|wonderful|fantastic|brilliant|lovely|helpful|amazing) "
    r"(?:service|help|experience|answer|assistant|bot|chatbot|store|company)\b(?!.*!)",
    r"\b(?:clap|slow clap|bravo)\b",
    r"\bso much for\b",
    # Mock thanks for what nobody wanted: "thanks for the warranty lecture", "for the essay".
    r"\bthanks? (?:you )?(?:so much |a lot )?for (?:the|that|this|your) (?:\w+ )?(?:lecture|essay"
    r"|novel|sermon|"
    r"wall of text|speech|history lesson|copy ?paste|brochure|sales pitch)\b",
    r"^\W*(?:great|fantastic|wonderful|perfect|brilliant|lovely|awesome|terrific|super|cool|nice)\W+"
    r"(?:another|more|so now|now i|yet another)\b",
)

# Praise that is ironic only when the agent failed or the problem is still open: "oh great" after a
# refusal is sarcasm, "oh great, that's a load off" after an answer is relief.
IRONY = re.compile(
    r"\bjust (?:great|perfect|wonderful|brilliant|fantastic|lovely)\b"
    r"|\boh,? (?:great|perfect|wonderful|fantastic|brilliant|lovely|joy|good grief|sure|really)\b"
    r"|\bjust what i (?:needed|wanted) (?:today|right now|this week|this morning)\b"
    r"|\b(?:great|perfect|wonderful|brilliant|fantastic|lovely|excellent) timing\b"
    r"|\bthanks? a bunch\b|\bhow (?:helpful|useful|convenient|nice|lovely|wonderful)\b(?!.*\?)"
)

# Asking how to close an account is a request; saying so after an answer is leaving.
LEAVING = _kind(
    "churn",
    "negative",
    "says they will close their account",
    r"\b(?:close|closing|delete|deleting|cancel|cancelling|canceling|deactivate|terminate|remove|end)\b"
    r"(?: \w+){0,2} (?:my|the|this) (?:account|membership|subscription|profile)\b",
    when="after_answer",
)

COMPETITOR = _kind(
    "churn",
    "negative",
    "points to a competitor",
    r"\b(?:amazon|best ?buy|walmart|target\.com|newegg|ebay|costco|currys|argos|mediamarkt|media markt|"
    r"b ?h photo|micro ?center|john lewis|aliexpress|temu)\b",
    # Any other shop offering it, after the agent's answer: "another store has the same monitor for $479".
    r"\b(?:another|other|a different|the other) (?:store|shop|retailer|site|website|seller)s? (?:\w+ )?"
    r"(?:has|have|had|sells?|offers?|is selling|charges?|lists?|is cheaper|are cheaper)\b(?![^?]*\?)",
    when="after_answer",
)

DEADLINE = _kind(
    "a deadline at stake",
    "negative",
    "names a date the answer does not meet",
    r"\b(?:trip|flight|birthday|party|wedding|holiday|vacation|exam|event|meeting|presentation|christmas|"
    r"move|"
    r"deadline|interview|conference)\b (?:is|was|starts|started|leaves|left|begins|began|ends) (?:on |this |"
    r"next |"
    r"in )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|yesterday|"
    r"weekend|morning|\d+)",
    r"\bi (?:leave|fly|travel|move|need (?:it|them|this)) (?:on|by|before|tomorrow|today|this|next)\b",
    r"\bi (?:leave|fly|fly out|travel|move|head out|set off)\b.{0,20}\b(?:tomorrow|tonight|today|"
    r"this (?:morning|evening|weekend)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    r"\b(?:is|are) due (?:on |this |next |by )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"tomorrow|today|tonight|\d+)",
    when="after_answer",
    weak=True,
)

# "Thanks anyway" closes a conversation that did not help; with "makes sense" or "fair enough" in the
# same message it is only politeness.
RESIGNED_THANKS = _kind(
    "implied negativity",
    "negative",
    "thanks the agent for trying, without having been helped",
    r"\bthanks?(?:\W+you)?\W+(?:anyway|anyways|for trying|i guess|all the same)\b",
    weak=True,
)

WORRY = _kind(
    "worry",
    "negative",
    "sounds worried",
    r"\b(?:worried|worrying|nervous|anxious|scared|afraid|panic(?:king)?|stressed|concerned)\b",
    weak=True,
)

NEGATIVE_KINDS = (
    ANGER,
    DISSATISFACTION,
    CONFUSION,
    IMPLIED,
    CHURN,
    CONTINUING,
    EXASPERATION,
    CONSEQUENCE,
    SARCASM,
    LEAVING,
    COMPETITOR,
    DEADLINE,
    RESIGNED_THANKS,
    WORRY,
)

# A report inferred from the wording ("the reset email never comes", "mine broke at 13 months") rather
# than said outright ("still", "already tried"): a positive cue later in the message ("... didn't hear
# the doorbell. thanks") makes it background.
INFERRED_PROBLEM = CueKind(
    "a problem that continues",
    "negative",
    "reports that something did not happen or does not work",
    None,
    when="after_answer",
    weak=True,
)

# Capitals and runs of "!" / "?" say how strongly the customer feels, not what: "IT SHIPPED!!! THANK
# YOU!!" is joy, "WHERE IS MY ORDER??" anger. Shouting counts as anger only when nothing in the whole
# message is positive (see :mod:`.sentiment_turns`).
SHOUTING = CueKind("shouting", "negative", "shouts in anger", None)

# Read from the conversation rather than from one sentence (see :mod:`.sentiment`).
PUSHBACK = CueKind("pushback", "negative", "pushes back on the agent's reply instead of accepting it", None)
POLITE_COMPLAINT = CueKind(
    "a complaint after politeness", "negative", "turns from politeness to a complaint", None
)

# --- positive kinds -------------------------------------------------------------------------------

GRATITUDE = _kind(
    "gratitude",
    "positive",
    "thanks the agent",
    r"\bthank(?:s|you| you| u|ing)?\b(?!\W+(?:you\W+)?(?:anyway|anyways|for trying|i guess|all the same|"
    r"for nothing))",
    r"\b(?:thx|ty|tysm|tyvm|cheers|kudos)\b",
    r"\bappreciated?\b",
    r"\bgrateful\b",
    r"\bhelpful\b",
    r"\bthat helps?\b",
    r"\bhelps\b(?! (?:me|you|us|with)\b)",
    r"\bhelps? a lot\b",
    r"\blifesaver\b",
    r"\b(?:gracias|merci|danke|grazie|obrigad[oa]|dank je|arigato|spasibo|dziekuje|tack)\b",
)

RESOLUTION = _kind(
    "resolution",
    "positive",
    "says the problem is solved",
    r"\b(?:its|that|thats|it is|everything is|all) (?:\w+ )?(?:fixed|working|clear|resolved|sorted|solved|"
    r"fine now|good now|ok now|back)\b",
    r"\bworks? (?:now|again|perfectly|great|fine|like a charm)\b",
    r"\bit works\b",
    r"\bworking (?:now|again)\b",
    r"\b(?:fixed|solved|sorted) it\b",
    r"\bthat did (?:it|the trick)\b",
    r"\bdid the trick\b",
    r"\bgot it\b",
    r"\bfound it\b",
    r"^\W*(?:(?:ah|oh|ok|yes|yep|yeah)\W+)?i (?:can )?see it\b",
    r"\bi see it now\b",
    r"\b(?:it )?(?:arrived|came|showed up|turned up)\b"
    r"(?=.{0,20}(?:thank|great|finally|today|now|yesterday))",
    r"\bmakes (?:total |perfect )?sense\b",
    r"\bclear now\b",
    r"\ball (?:set|good|sorted)\b",
    r"\bthat answers\b",
    r"\banswers my question\b",
    r"\bgood to know\b",
    r"\bsounds good\b",
    r"\bthats (?:all|everything) i (?:needed|wanted)\b",
    r"\bexactly what i (?:needed|wanted|was looking for)\b",
    r"\b(?:shows|says) (?:shipped|delivered|refunded|cancelled) now\b",
    r"\bthere it is\b",
    r"\bproblem solved\b",
    r"\bissue (?:is )?(?:resolved|fixed|solved)\b",
)

SATISFACTION = _kind(
    "satisfaction",
    "positive",
    "says they are satisfied",
    r"\b(?:great|perfect(?:o)?|awesome|excellent|wonderful|fantastic|amazing|brilliant|lovely|cool|nice|"
    r"superb|super|terrific|splendid|fabulous|neat|sweet|outstanding|impressive|stellar)\b",
    r"\b(?:good|glad|happy|pleased|delighted) (?:to hear|news|stuff|job)\b",
    r"\bgood one\b",
    r"\b(?:im|i am|so|very) (?:happy|pleased|glad|satisfied|impressed|delighted)\b",
    r"\bhave a (?:good|great|nice|lovely|wonderful) (?:day|one|evening|weekend)\b",
    r"\blove (?:it|that|this)\b",
    r"\byoure (?:the best|a star|a legend|awesome|great)\b",
    r"\bwell done\b",
    r"\bgreat job\b",
    r"\byay\b",
    r"\bwoo+\b",
    r"^\W*(?:yes|yess+|woo+hoo|hooray)\W*(?:finally|!|$)",
    r"\bnot bad\b",
    r"\bcouldnt be happier\b",
    r"(?<!not )(?<!isnt )(?<!wasnt )\bworth (?:it|the money|every penny|the price)\b",
    r"\b(?:battery|price|prices|deal|screen|sound|quality|specs?|performance|speed|hours|life|value|display|"
    r"range|weight)\b.{0,12}\b(?:is|are|looks?|sounds?) (?:\w+ )?(?:insane|crazy|ridiculous|sick|unreal|"
    r"nuts|wild|mental|bonkers)\b",
)

RELIEF = _kind(
    "relief",
    "positive",
    "is relieved",
    r"\b(?:worked up|worried|stressed|panicked|panicking|fussing|freaking out) (?:over |about |for )?"
    r"(?:nothing|no reason)\b",
    r"\b(?:phew|whew|relief|relieved|thank (?:god|goodness|heavens)|thankfully|oh good|good to hear|"
    r"glad to hear|good news|(?:weight|load) off|what a relief|that settles it|panic over)\b",
)

ACCEPTANCE = _kind(
    "acceptance",
    "positive",
    "accepts the answer",
    r"\bno (?:problem|worries|worry|biggie|big deal|rush)\b",
    r"\bfair enough\b",
    r"\bunderstood\b",
    r"\b(?:these things|stuff|it|that) happens?\b",
    r"\bcant be helped\b",
    r"\boh well\b",
    r"\bthats (?:fine|ok|good|great|alright)\b",
    r"\b(?:but|still|anyway),? (?:thats |its |that is |it is )?"
    r"(?:fine|ok|okay|alright|understandable|fair)\b",
    r"\bokay then\b(?=.*(?:thank|!))",
    r"^\W*will do\b",
    r"\bsounds like a plan\b",
    r"\bthat works\b",
    r"\b(?:is|are|sounds|seems) (?:fine|ok|good|alright)\b",
    r"\bworks for (?:me|us)\b",
    r"\b(?:worth a (?:try|shot)|had to (?:ask|try)|no harm (?:in )?(?:asking|trying))\b",
    r"\bthanks for (?:letting me know|the info|checking|clarifying|explaining|the quick)\b",
)

# The customer moves on with a plan of their own ("I'll call them", "I'm good"): content, unless a
# negative cue says otherwise ("I'll take my business elsewhere").
PLAN = _kind(
    "a plan to move on",
    "positive",
    "says what they will do next",
    r"\b(?:ill|i will|we will) (?:just |probably |definitely |go ahead and |then )?(?!have to|"
    r"look around)\w+",
    r"\bim (?:good|fine|all set)\b",
)

# The customer decides to buy what the agent found: "sold.", "adding it to my cart", "I'll take two".
DECISION = _kind(
    "a decision to buy",
    "positive",
    "decides to buy what the agent found",
    r"^\W*sold\W*$",
    r"\b(?:ill|i will|im going to|im gonna|gonna|going to|lets) (?:just )?(?:take|buy|order|get|grab|go with|"
    r"go for) (?:it|one|two|them|that|this|the|a pair)\b",
    r"\b(?:ordering|buying|grabbing|getting) (?:it|one|two|them|that|this|a pair|the)\b",
    r"\badd(?:ing|ed)? (?:it|them|one|two|that|this|\w+) to (?:my |the )?(?:cart|basket|order)\b",
    r"\b\w+ it is\b",
    r"\bshut up and take my money\b",
)

# Slang praise of what was found: "40 hours is insane", "that price is crazy", "sick specs".
SLANG_PRAISE = re.compile(
    r"\b(?:battery|price|prices|deal|screen|sound|quality|specs?|performance|speed|hours|life|value|display|"
    r"range|weight|it|that)\b.{0,12}\b(?:is|are|looks?|sounds?) (?:\w+ )?(?:insane|crazy|ridiculous|sick|"
    r"unreal|nuts|wild|mental|bonkers)\b"
    r"|\b(?:insane|crazy|ridiculous|sick|unreal|nuts) (?:battery|price|deal|value|specs?|sound|quality|"
    r"performance)\b"
)

POSITIVE_KINDS = (GRATITUDE, RESOLUTION, SATISFACTION, RELIEF, ACCEPTANCE, PLAN, DECISION)

# Negations that are not complaints, removed before the negative kinds read a sentence.
BENIGN_NEGATIONS = re.compile(
    r"\b(?:no|not an?) (?:problem|worries|worry|rush|hurry|need|thanks|big deal|biggie|stress|bother|"
    r"issue)\b|"
    r"\bnot bad\b|"
    r"\b(?:didnt|did not|never|dont|do not) (?:know|realize|realise|notice|think so)\b|"
    r"\bcant (?:wait|complain|thank you enough)\b|\bcouldnt be (?:happier|better)\b|\bdont worry\b|"
    r"\b(?:dont|do not) (?:need|have) (?:anything|any other|any more|any further|more|other)\b|"
    r"\b(?:nothing|no) (?:else|more|further)\b|^\W*(?:no|nope|nah)\W+(?:thats|that is|its) (?:all|it)\b|"
    r"\bthats all\b|\b(?:no|nope|nah),? (?:thanks|thank you|im good|all good|im fine)\b"
    r"|\bnot at all\b(?=.*thank)|"
    r"\b(?:worked up|worried|stressed|panicked|panicking|fussing|freaking out) (?:over |about |for )?"
    r"(?:nothing|no reason)\b|"
    r"\b(?:while|whilst|as long as|before|if|since) (?:\w+ ){0,3}still\b|"
    r"\bnot (?:urgent|a big deal|in a (?:hurry|rush)|needed|necessary|required|an issue|too late|late|"
    r"a dealbreaker|"
    r"that important|important|bothered|fussed|too bad|so bad|that bad)\b"
)

POSITIVE_EMOJI = frozenset("👍🙏😊🙂😀😃😄😁🎉❤♥💯✅🥳😍🤩👌💪🙌😌")
NEGATIVE_EMOJI = frozenset("😡😠🤬😤👎😞😢😭🙄😒😩😫💢🤦😑😐🤡")
POSITIVE_EMOTICONS = (":)", ":-)", ":D", "<3")
NEGATIVE_EMOTICONS = (":(", ":-(", ">:(", ":/")
ACRONYMS = frozenset(
    "ORD USB HDMI SSD HDD RAM CPU GPU LED OLED LCD USA FAQ API ASAP AUX SMS IOS USD EUR GBP TV PC UPS DHL "
    "USPS FEDEX ID PIN OK XL XXL UK EU NFC SIM BT US AM PM ET".split()
)
_SHOUT_WORD = re.compile(r"\b[A-Z]{3,}\b")


@dataclass(frozen=True)
class Signal:
    """One cue found in one sentence of a customer message."""

    kind: CueKind
    evidence: tuple[str, ...]
    sentence: int
    offset: int = 0  # where in the (normalised) sentence the last match starts

    @property
    def position(self) -> tuple[int, int]:
        return (self.sentence, self.offset)

    @property
    def polarity(self) -> Polarity:
        return self.kind.polarity


def _shouting(text: str) -> list[str]:
    """Capitalised words that are not acronyms or ids, and runs of ``!`` / ``?``: shouting."""
    words = [w for w in _SHOUT_WORD.findall(text) if w not in ACRONYMS and not w.startswith("ORD")]
    marks = re.findall(r"!{2,}|\?{2,}|\?!|!\?", text)
    letters = [c for c in text if c.isalpha()]
    mostly_caps = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7
    loud = mostly_caps or len(words) >= 2 or any(f"{w}!" in text for w in words)
    return (words if loud else []) + marks


def _failure_statement(text: str) -> re.Match[str] | None:
    found = FAILURE_STATEMENT.search(text)
    if found and _FIRST_PERSON_NEGATION.search(text[: found.end()], max(0, found.start() - 3)):
        return None
    return found


def read_sentence(sentence: str, index: int, *, answered: bool) -> list[Signal]:
    """Every cue in one sentence of a customer message.

    ``answered``: the agent has given a real answer before this message, so kinds that only mean
    something after an answer (a problem that continues, a consequence) are read too.
    """
    text = normalize(sentence)
    blank = lambda m: " " * len(m.group(0))  # noqa: E731 - offsets stay aligned
    cleared = SLANG_PRAISE.sub(blank, BENIGN_NEGATIONS.sub(blank, text))
    # "I was worried I'd have to order it again": a feared consequence, not one that happened.
    feared = bool(_PAST_WORRY.search(text))
    signals = []
    for kind in (*NEGATIVE_KINDS, *POSITIVE_KINDS):
        if kind.when == "after_answer" and not answered:
            continue
        if feared and kind in (CONSEQUENCE, DEADLINE, CONTINUING):
            continue
        if not answered and kind in (GRATITUDE, ACCEPTANCE, PLAN):  # "thanks in advance" is politeness
            continue
        source = cleared if kind.polarity == "negative" else text
        matches = list(kind.pattern.finditer(source))
        if matches:
            found = tuple(dict.fromkeys(m.group(0).strip() for m in matches))
            signals.append(Signal(kind, found, index, matches[-1].start()))
    if answered and not feared and not any(s.kind is CONTINUING for s in signals):
        # A report that something did not happen; a question ("it doesn't come with a mouse, right?")
        # asks rather than reports, unless it is a complaint ("why hasn't it shipped?"). A bare "still"
        # is the problem continuing unless the sentence is good news ("great, still in time").
        # These are inferred, not said: a positive cue in the same sentence ("couldn't find it on the site,
        # thanks!") makes them background rather than a complaint.
        question = sentence.rstrip().endswith("?")
        pleased = any(s.polarity == "positive" for s in signals)
        report = (
            None
            if pleased
            else (
                _COMPLAINT_QUESTION.search(cleared)
                or (None if question else _failure_statement(cleared) or _OVERDUE.search(cleared))
                or (None if question else _BROKEN.search(cleared))
                or _STILL.search(cleared)
            )
        )
        if report:
            signals.append(Signal(INFERRED_PROBLEM, (report.group(0),), index, report.start()))
    bad = [c for c in sentence if c in NEGATIVE_EMOJI] + [e for e in NEGATIVE_EMOTICONS if e in sentence]
    if bad:
        signals.append(Signal(DISSATISFACTION, tuple(bad), index))
    good = [c for c in sentence if c in POSITIVE_EMOJI] + [e for e in POSITIVE_EMOTICONS if e in sentence]
    if good:
        signals.append(Signal(SATISFACTION, tuple(good), index))
    slang = SLANG_PRAISE.search(text)
    if slang and not any(s.kind is SATISFACTION for s in signals):  # "insane deal", "40 hours is crazy"
        signals.append(Signal(SATISFACTION, (slang.group(0).strip(),), index, slang.start()))
    shouted = _shouting(sentence)
    # "THANK YOU!!" and "it works now!!" are enthusiasm; shouting is anger only without a positive cue
    # (in this sentence here; in the whole message, see sentiment_turns).
    if shouted and not any(s.polarity == "positive" for s in signals):
        signals.append(Signal(SHOUTING, tuple(shouted), index))
    return signals


def read_sentences(text: str, *, answered: bool) -> list[list[Signal]]:
    """The cues of each sentence of a message, in order."""
    return [read_sentence(s, i, answered=answered) for i, s in enumerate(sentences(text))]


# --- praise with nothing else: sincere after an answer, sarcasm after a failure --------------------

_PRAISE = re.compile(
    r"\b(?:great|wonderful|perfect|fantastic|brilliant|lovely|amazing|awesome|excellent|super|superb|nice|"
    r"marvelous|marvellous|terrific|splendid|fabulous|helpful|useful|good job|great job|well done|bravo|"
    r"impressive|outstanding|stellar|incredible|top notch|first class|world class|five stars?|5 stars?|"
    r"informative|enlightening|insightful|reassuring|thorough|handy|comforting|convenient|efficient|detailed|"
    r"clear|exactly what i (?:asked|needed|wanted)(?: for)?|just what i (?:needed|wanted|asked for))\b|"
    r"\b10/10\b"
)
_PRAISE_FILLER = re.compile(
    r"\b(?:great|wonderful|perfect|fantastic|brilliant|lovely|amazing|awesome|excellent|super|superb|nice|"
    r"marvelous|marvellous|terrific|splendid|fabulous|helpful|useful|good|job|well|done|bravo|impressive|"
    r"outstanding|stellar|thanks?|thank|you|a|lot|so|much|very|really|real|just|oh|wow|how|what|that|thats|"
    r"this|is|was|its|sure|indeed|truly|totally|yeah|yes|again|bunch|ever|most|service|help|as|always|"
    r"the|for|ok|okay|cool|man|mate|dude|lol|news|answer|then|hmm|ah|uh|ha|haha|veryy|sooo|usual|always|"
    r"cheers|ta|thx|ty|appreciate|appreciated|it|top|notch|first|class|world|five|stars?|10|incredible|"
    r"policy|"
    r"support|store|shop|system|bot|chat|experience|response|advice|info|customer|work|stuff|here|there|"
    r"informative|enlightening|insightful|reassuring|thorough|handy|comforting|convenient|efficient|detailed|"
    r"clear|exactly|i|asked|needed|wanted|timing)\b"
)
_SINCERE_MARKS = re.compile(
    r"\b(?:no problem|no worries|letting me know|for the info|for checking|understood|fair enough|ill wait|"
    r"ill try|ill do|good to know|makes sense)\b"
)
_SARCASTIC_TONE = re.compile(
    r"\.\.|\b(?:oh|wow|just|so|very|really|real|how|what a|a lot|a bunch|sooo|lol|as usual|as always"
    r"|as ever)\b"
)


def is_bare_praise(text: str) -> bool:
    """The text only praises or thanks (no content of its own), with an evaluative word."""
    normalized = normalize(text)
    if not _PRAISE.search(normalized):
        return False
    return not re.sub(r"[^a-z0-9]+", " ", _PRAISE_FILLER.sub(" ", normalized)).strip()


def sarcastic_praise(text: str, *, flat_counts: bool) -> str | None:
    """The message's closing praise, when it reads as sarcasm rather than thanks; else None.

    The last sentence must be bare praise ("perfect.", "very useful, thanks a lot") and no sentence may
    accept the answer ("no problem", "good to know"). It is sarcastic when said with an intensifier or
    an ellipsis, or, if ``flat_counts`` (right after the agent failed), said flatly, without "!".
    """
    praise = text if is_bare_praise(text) else sentences(text)[-1]
    if not is_bare_praise(praise) or _SINCERE_MARKS.search(normalize(text)):
        return None
    flat = not praise.rstrip().endswith("!") or "..." in praise
    marked = bool(_SARCASTIC_TONE.search(normalize(praise)))
    return praise.strip() if marked or (flat and flat_counts) else None
