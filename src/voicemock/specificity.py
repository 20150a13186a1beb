"""What an answer actually commits to: numbers, windows, decision rules, segments, first-person actions, and
the habits interviewers punish (buzzwords without content, hypotheticals instead of stories, "we" with no
"I", blame, cramming instead of cutting, unranked lists, "just retrain").

Every finding is a ``Marker`` that quotes the sentence it came from, so the graded judgement
(``grading.py``) can cite it. Deterministic regular expressions, no model: the same words always give the same
markers. Sentences that only stack keywords ("chargebacks, fraud losses, north star, guardrails") are taken
out first (``is_keyword_sentence``): words without content earn nothing here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
#: A number as typed or as Whisper writes it: "12", "1.5", "$40", "twelve", "forty-five", "a few hundred",
#: "half", "a third", "one in seventy". "one" alone is excluded (it is mostly a pronoun: "the one that").
NUMBER = (
    rf"(?:[$£€]\s?\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand)?|\b\d[\d,.]*(?:\s?(?:%|k\b|ms\b|x\b))?"
    rf"|\b(?:{_TENS})(?:[- ](?:{_UNITS}))?\b|\b(?:{_TEENS})\b|\b(?:two|three|four|five|six|seven|eight|nine)\b"
    rf"|\b(?:a|one|a few|several|two|three|five) (?:hundred|thousand|million)\b"
    rf"|\b(?:half|a (?:third|quarter|fifth|tenth)|two thirds|three quarters|one in (?:\w+))\b"
    rf"|\bpercent\b|\bbasis points?\b|\bdouble[ds]?\b|\bhalved?\b)"
)
_NUMBER_RE = re.compile(NUMBER, re.IGNORECASE)


def _rx(*patterns: str, case: bool = False) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), 0 if case else re.IGNORECASE)


#: Kinds of marker and the patterns that find them. Each is matched sentence by sentence.
PATTERNS: dict[str, re.Pattern[str]] = {
    # -- specificity ------------------------------------------------------------------------------------
    "time_window": _rx(
        rf"\b(?:for|within|in|after|over|about|roughly|first|next|last|every|each|per|by)\s+(?:the\s+)?(?:first\s+|next\s+)?"
        rf"(?:{NUMBER}|a|an|one|a couple of|a few)\s+(?:\w+\s+)?(?:days?|weeks?|months?|quarters?|years?|hours?|minutes?|sprints?|fortnights?)\b",
        r"\b(?:by|before|until|on) (?:monday|tuesday|wednesday|thursday|friday|the end of (?:the )?(?:week|month|quarter|year)|"
        r"end of (?:week|month|quarter)|q[1-4]|january|february|march|april|may|june|july|august|september|october|november|december)\b",
        r"\b(?:this|next|each|every) (?:week|month|quarter|fortnight|day|morning)\b",
        r"\b(?:daily|weekly|monthly|quarterly)\b",
        rf"\b(?:{NUMBER}|a|one)[- ](?:day|week|month|quarter)s?\b",
    ),
    "decision_rule": _rx(
        r"\bif\b[^.?!;]{3,120}?,\s*(?:then\s+)?(?:we|i|that|it|the|they|you|roll|ship|go|stop|pull|keep|switch|we'll|we'd|i'd|i'll)\b",
        r"\bif\b[^.?!;]{3,120}?\b(?:we|i)(?:'ll|'d| will| would)? (?:roll|ship|go|stop|pull|keep|switch|retune|revert|widen|expand|kill|pause|scale|move)\b",
        r"\b(?:unless|as long as|only if|provided that|the moment|the day)\b[^.?!;]{3,}",
        r"\b(?:stop rule|stopping rule|decision rule|kill switch|go/no-go|we (?:go|ship) (?:to|only))\b",
        r"\b(?:agreed|written down|set|decided) (?:up front|upfront|in advance|beforehand|before (?:we|the|it|launch))\b",
        r"\bthat'?s (?:a|the) (?:clear )?(?:yes|no|win|signal|trigger)\b",
        r"\b(?:would|will|should) (?:make|change) (?:me|us|my mind)\b|\bwhat would change (?:it|my mind|that)\b",
        r"\b(?:revisit|reconsider|switch|swap|build our own|move)\w* (?:\w+ ){0,4}(?:once|when|if|as soon as)\b",
    ),
    "baseline": _rx(
        r"\b(?:today|currently|at the moment|right now|these days|at present|now)\b[^.?!;]{0,60}" + NUMBER,
        NUMBER + r"[^.?!;]{0,40}\b(?:today|currently|at the moment|right now|now)\b",
        rf"\bfrom\s+(?:about\s+|around\s+|roughly\s+)?{NUMBER}[^.?!;]{{0,40}}\bto\s+(?:about\s+|around\s+)?{NUMBER}",
        r"\b(?:baseline|starting point|where we are now)\b[^.?!;]{0,60}" + NUMBER,
    ),
    "limit": _rx(
        rf"\b(?:no more than|at most|at least|not (?:go |rise |drop |fall |more than |less than )?(?:above|below|under|over|past|beyond)|"
        rf"under|below|above|over|less than|more than|cap(?:ped)? at|ceiling of|floor of|limit of|max(?:imum)? of|min(?:imum)? of|"
        rf"can'?t (?:go|rise|drop|fall|exceed|push)|shouldn'?t (?:go|rise|drop|fall|exceed)|worse than|better than)\s+(?:about\s+|roughly\s+|around\s+)?{NUMBER}",
        r"\b(?:hard limit|guardrail|red line|line we can'?t cross|stop if|roll back if|pull (?:it|back) if)\b[^.?!;]{0,80}" + NUMBER,
    ),
    "segment": _rx(
        r"\b(?:by|per|for each|across|separately for|broken (?:out|down) by|split (?:\w+ )?by|cut (?:\w+ )?by|segment(?:ed)? by|for)\s+"
        r"(?:merchant|country|region|device|channel|category|segment|cohort|age|language|clinic|team|ticket type|customer type|account|"
        r"product|market|shift|site|hospital|user group|group|plan|tier|platform)s?\b",
        r"\b(?:new|returning|first-time|small|large|big|rural|older|younger|cross-border|international|enterprise|top|repeat)"
        r" (?:customers?|users?|merchants?|patients?|accounts?|sellers?|shoppers?|buyers?|clinics?|payments?|purchases?|orders?|applicants?)\b",
        r"\b(?:which|what kind of|what type of|whose|where)\b[^.?!;]{0,30}\b(?:customers?|patients?|users?|accounts?|tickets?|orders?|payments?)\b[^.?!;]{0,20}\b(?:are|get|fall|land|hit)\b",
    ),
    "reason": _rx(
        r"\bbecause\b", r"\bso that\b", r"\bwhich means\b", r"\bthat means\b", r"\bsince\b(?! (?:then|\d))",
        r"\botherwise\b", r"\bthe reason\b", r"\bthat'?s why\b", r"\bso (?:we|i|the|it|they|you)\b",
    ),
    "isolation": _rx(
        # What separates the model's effect from everything else happening at the same time.
        r"\b(?:random(?:ly|ised|ized)?|at random|coin flip|lottery|holdouts?|hold[- ]outs?|held (?:back|out)|control group|"
        r"treatment group|a/b test\w*|split test\w*|shadow(?: mode)?|silent(?:ly)?|quietly|in the background|side by side|"
        r"alongside|at the same time|concurrent\w*|stepped|staggered|the (?:other|two) groups?|both groups|same (?:period|weeks|time))\b",
        r"\b(?:keep|leave|hold)\w* (?:\w+ ){0,6}on (?:the )?(?:old|current|existing|previous)\b",
    ),
    "comparison": _rx(
        r"\b(?:against|versus|vs\.?|compared (?:with|to)|relative to|side by side|rather than|instead of)\b",
        r"\b(?:randomly|at random|random(?:ly)? (?:chosen|assigned|picked|split)|coin flip|lottery)\b",
        r"\b(?:same|both) (?:groups?|periods?|tickets?|transactions?|patients?|sample|set|cases)\b",
    ),
    # Which way a metric should move ("losses to go down", "cut false declines"): what makes a named goal a
    # measurable metric on the metric ladder (``levels.py``). Not a model feature: a direction alone is cheap.
    "direction": _rx(
        r"\b(?:go(?:es|ing)? (?:down|up)|come(?:s)? down|reduc\w*|lower(?:ed|ing|s)?|rais(?:e|es|ed|ing)|increas\w*|"
        r"decreas\w*|fewer|drop(?:s|ped|ping)?|fall(?:s|ing)?|rise(?:s)?|ris(?:ing)|grow(?:s|ing)?|shrink\w*|improv\w*|"
        r"cut(?:s|ting)?|minimi[sz]\w*|maximi[sz]\w*)\b",
    ),
    "money": _rx(
        r"[$£€]\s?\d",
        r"\b(?:dollars?|pounds|euros|bucks|pence|cents)\b",
        r"\b(?:revenue|margin|cost[s]?|spend|budget|savings?)\b[^.?!;]{0,30}" + NUMBER,
    ),
    "named": _rx(
        # A person or a company by name, in the middle of a sentence (a capitalised word that is not the first
        # word, not "I" and not a month or weekday): stories with names are specific.
        r"(?<=[a-z,] )(?!I\b|I'|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
        r"May|June|July|August|September|October|November|December|English|AI|ML|PM|OK|Okay|Easter|Christmas)"
        r"[A-Z][a-z]{2,}\b",
        case=True,
    ),
    # -- stories --------------------------------------------------------------------------------------------
    "i_action": _rx(
        r"\bI\s+(?:then\s+|also\s+|personally\s+|actually\s+|just\s+|first\s+|finally\s+)?(?:(?!need\b|feed\b|proceed\b|exceed\b)[a-z]+ed|took|made|wrote|ran|sat|met|went|spent|built|brought|"
        r"told|got|gave|chose|set|put|found|said|asked|called|sent|kept|led|drove|began|stopped|dug|read|pulled|cut|won|lost|"
        r"felt|knew|thought|saw|sought|bought|paid|caught|taught|held|left|let|hid|split|shut|ran|rewrote|overrode|flew|drew)\b(?! to\b)",
        r"\b[Mm]y (?:call|decision|mistake|idea|proposal|fault|part|job|responsibility)\b",
        case=True,
    ),
    "story_anchor": _rx(
        r"\b(?:at|in) (?:my (?:last|previous|current|first) (?:job|role|company|team)|a (?:\w+ )?(?:company|startup|bank|lender|retailer|"
        r"insurer|marketplace|app|platform|agency|hospital|fintech|firm|team|scale-up)|the (?:\w+ )?(?:company|startup|bank))\b",
        r"\b(?:last (?:year|quarter|spring|summer|autumn|fall|winter|month)|(?:a|two|three|four|five|\d+|a couple of|a few) "
        r"(?:years?|months?|weeks?) ago|in (?:19|20)\d\d|back in|when I was)\b",
        r"\bI was (?:the|a|leading|running|responsible|working|in charge|pm)\b",
    ),
    "result": _rx(
        rf"\b(?:went|fell|rose|dropped|grew|climbed|doubled|halved|cut|reduced|increased|decreased|improved|lifted|recovered|saved|"
        rf"shrank|came down|came back|went up|went down)\b[^.?!;]{{0,50}}{NUMBER}",
        rf"{NUMBER}[^.?!;]{{0,30}}\b(?:fewer|more|less|lower|higher|faster|slower|up|down|drop|rise|increase|decrease|reduction|lift)\b",
        r"\b(?:as a result|in the end|by the end|afterwards|since then|from then on|we shipped|it shipped|we launched|launched on)\b",
    ),
    "learning": _rx(
        r"\b(?:what I (?:learned|learnt|took|took away|'d do differently|would do differently)|I (?:learned|learnt)|lesson|"
        r"next time|in hindsight|looking back|since then I|now I (?:always|never|ask|insist|check|make|write)|these days I|"
        r"I (?:now|always) (?:ask|insist|check|make|write|bring|start)|taught me|changed how I)\b",
    ),
    # -- anti-patterns --------------------------------------------------------------------------------------
    "hypothetical": _rx(
        r"\b(?:usually|typically|generally|normally|in general|as a rule|tends? to|more often than not)\b",
        r"\b(?:this|that|it) (?:comes up|happens) (?:quite |fairly |pretty )?(?:a lot|often|all the time|regularly|fairly often)\b",
        r"\b(?:the way I (?:handle|approach|deal with|tackle)|my approach (?:is|would be)|what I (?:do|try to do|always do|tend to do) is|"
        r"I(?:'d| would) (?:typically|usually|always|generally))\b",
        r"\b(?:whenever|every time)\b[^.?!;]{0,40}\b(?:I|we)\b",
        r"\b(?:I|we)(?:'d| would) (?:sit down|bring|propose|push|make sure|try|start|then|get|set up)\b",
    ),
    "we_statement": _rx(r"\bwe\b(?!'d like)"),
    "i_statement": _rx(r"(?<![A-Za-z'])I(?![A-Za-z])", case=True),
    "blame": _rx(
        r"\b(?:their|his|her|the (?:data science|engineering|ds|ml|product|ops|sales|other) team'?s?) (?:fault|mistake|problem|responsibility)\b",
        r"\b(?:they|he|she|the (?:\w+ )?team|data science|engineering|nobody|no one)\b[^.?!;]{0,20}\b(?:hadn'?t|didn'?t|never|failed to|forgot to|should have|dropped the ball)\b"
        r"(?:[^.?!;]{0,30}\b(?:test|check|tell|flag|warn|catch|notice|validate|do|report))",
        r"\bnot (?:really )?my (?:fault|call|decision|area|responsibility)\b|\bwasn'?t (?:really )?(?:my|on me)\b",
        r"\bmy (?:part|role) was (?:mainly|mostly|just|only) (?:coordinating|keeping|to coordinate|to keep|communicat)",
    ),
    "buzzword": _rx(
        r"\b(?:leverag\w*|synerg\w*|holistic\w*|north star|kpis?|okrs?|best practices?|best-in-class|world-class|cutting[- ]edge|"
        r"state[- ]of[- ]the[- ]art|game[- ]chang\w*|move the needle|paradigm|ecosystem|empower\w*|data[- ]driven|data[- ]informed|"
        r"customer[- ]centric|user[- ]centric|value[- ]add|actionable insights?|deep[- ]dive|circle back|bandwidth|"
        r"stakeholder (?:alignment|management|buy-in|map\w*)|alignment sessions?|align(?:ed|ing)? (?:on|with) (?:stakeholders|the team|everyone|all)|"
        r"drive (?:impact|value|outcomes|alignment)|business impact|measurable impact|key metrics|success metrics framework|metrics framework|"
        r"guardrail metrics?|north-star|robust\w*|seamless\w*|scalab\w*|end[- ]to[- ]end|tiger team|working group|cadence|governance|"
        r"roadmap|quick wins?|low[- ]hanging fruit|mvp|rice|jobs[- ]to[- ]be[- ]done|jtbd|personas?|agile|iterat\w*|"
        r"phased (?:approach|rollout|roadmap)|framework|frameworks|strategic\w*|proactive\w*|storytelling|managing up|"
        r"influenc\w* without authority|bring(?:ing)? (?:people|them|everyone) (?:along|on the journey)|on the journey|"
        r"trusted partner|ownership mindset|bias for action|growth mindset|learnings?|takeaways?|double[- ]click|"
        r"mlops|feature stores?|ai[- ]powered|ai[- ]first|next[- ]gen\w*|innovative|innovation|transformational|transformative|"
        r"world[- ]class|visibility|transparen\w*|sla|slas|feedback loops?|operating model|center of excellence|single source of truth|"
        r"thought leadership|value proposition|unlock\w* (?:value|growth|impact)|at scale|operationali[sz]\w*|cross[- ]functional\w*|"
        r"customer obsess\w*|impactful|high[- ]impact|mission[- ]critical|deliverables?|action items?|touch base|kpi tree|metrics? tree|"
        r"(?:near )?real[- ]time dashboards?|dashboards?|best[- ]of[- ]breed|paradigm shift|disrupt\w*|harness\w*|delight\w*|"
        r"north[- ]star metric|key learnings?|lessons learned|win[- ]win|buy[- ]in|align\w* (?:stakeholders|everyone|the org\w*)|"
        r"stakeholders? (?:across|in) \w+)\b",
    ),
    "ml_jargon": _rx(
        r"\b(?:auc|auroc|pr[- ]auc|roc|f1|precision|recall|fpr|tpr|ppv|specificity|sensitivity|calibrat\w*|logits?|embeddings?|"
        r"transformers?|fine[- ]tun\w*|hyperparameters?|overfitting|regulari[sz]ation|inference|latency|p99|p95|drift|concept drift|"
        r"data drift|covariate shift|distribution shift|psi|kl divergence|shap|feature importance|leakage|confusion matrix|classifier|"
        r"threshold|operating point|base rate|prevalence|class imbalance|imbalanced|validation set|holdout|out[- ]of[- ]distribution|ood|"
        r"gradient|xgboost|distillation|quantization|quantisation|rag|llm|tokens?|cuped|rct|p[- ]values?|statistical(?:ly)? significan\w*|"
        r"confidence intervals?|power analysis|powered|heterogeneous (?:treatment )?effects?|bootstrap\w*|cross[- ]validation|"
        r"false positive rate|false negative rate|false positives?|false negatives?|true positives?|latent space|nsfw|jailbreak\w*|"
        r"memori[sz]ation|containment|intent f1|aht|fcr|csat|gmv|ctr|a/b test\w*|a/b|ab test\w*|treatment group|control group|"
        r"canary|shadow mode|model card|feature engineering|retrain\w*|objective function|loss function|ensemble|backtest\w*)\b",
    ),
    "vague": _rx(
        r"\b(?:a lot|lots of|significant(?:ly)?|meaningful(?:ly)?|substantial(?:ly)?|various|things like|and so on|etc|"
        r"or something|something like that|some sort of|stuff|kind of thing|and all that|whatever|at the end of the day|"
        r"it depends|depending on|as needed|where (?:it makes sense|appropriate)|the right (?:\w+ )?(?:metrics?|balance|thing|approach)|"
        r"make sure (?:that )?(?:we|everyone|it)|ensure (?:that )?|over time|going forward|moving forward|ultimately|"
        r"(?:really|very|super|quite|pretty) (?:important|key|critical|good|great|complicated)|success(?:ful)? launch|"
        r"positive results?|great (?:customer )?experience|everyone (?:is |was )?happy|bought in|on board|"
        r"proper(?:ly)?|rigorous(?:ly)?|thorough(?:ly)?|comprehensive\w*|clear(?:ly)? (?:defined|agreed)|well[- ]defined|"
        r"appropriate(?:ly)?|relevant|reasonable|acceptable|manageable|healthy|good balance|clear (?:baselines?|targets?|goals?|metrics?)|"
        r"(?:key|important|core) (?:metrics?|kpis?|things?|areas?|aspects?|factors?|considerations?)|all the (?:\w+ )?(?:things|stuff)|"
        r"in the (?:near|long) term|longer[- ]term|as (?:soon as|much as) possible|continuous(?:ly)? (?:improv\w*|monitor\w*|iterat\w*))\b",
    ),
    "self_praise": _rx(
        r"\bI(?:'m| am) (?:very |really |quite |super |extremely |always )?(?:comfortable|confident|good at|great at|strong (?:at|in|on)|"
        r"passionate|hands-on|experienced|a (?:strong|natural|quick|fast)|keen|detail[- ]oriented|data[- ]driven|results[- ]oriented)\b",
        r"\bI (?:pick (?:things|it) up (?:quickly|fast)|can hold my own|(?:always )?deliver|thrive|excel|bring (?:a lot|deep|strong))\b",
        r"\bI(?:'ve| have) (?:got )?(?:a (?:good|great|strong) (?:balance|track record|understanding|grasp)|deep (?:expertise|experience|knowledge))\b",
        r"\bI (?:really |fully |deeply )?understand (?:how|the|it|\w+ing) [^.?!;]{0,30}\b(?:end to end|inside out|deeply|well)\b",
        r"\b(?:proven|strong) track record\b|\bI(?:'m| am) known for\b",
    ),
    "hedge": _rx(
        r"\b(?:i think|i guess|maybe|probably|perhaps|possibly|i'?m not (?:sure|certain)|i feel like|i suppose|kind of|sort of|"
        r"might|hopefully|or something|something along those lines|i mean|you know|to be honest|honestly|basically|well,|anyway)\b",
    ),
    "retrain_only": _rx(
        r"\b(?:just|simply|so we|then we|we'?d|i'?d|we should|we need to|need to) (?:retrain|re-train|refresh the model|update the model)\b",
        r"\bretrain\w* (?:it |the model )?(?:on|with) (?:fresh|recent|new|the latest|more recent)\b",
        r"\b(?:it'?s|that'?s|probably|classic|clearly|must be) (?:just )?(?:data |concept )?drift\b",
    ),
    "cramming": _rx(
        r"\b(?:overtime|weekends?|work(?:ing)? late|crunch|all hands on deck|double down|push (?:hard|the team)|extra (?:engineers|people|headcount|contractors)|"
        r"bring in (?:contractors|more (?:people|engineers))|in parallel|parallel(?:ise|ize) everything|compress\w*|"
        r"(?:cut|skip|shorten)\w* (?:the )?(?:labell?ing|testing|evaluation|qa)|fast[- ]track|stretch goal|move faster|aggressive (?:timeline|plan))\b",
    ),
    "scope_cut": _rx(
        r"\b(?:leave out|left out|leaving out|not in (?:the )?(?:first|v1|version one)|out of scope|won'?t (?:do|build|ship|include|cover)|"
        r"wait(?:s)? (?:for|until) (?:the )?(?:next|phase|later|v2|version two)|later phase|phase two|second phase|v2|version two|"
        r"only (?:the|for|in|on|cover|handle|ship|do)|just the (?:top|most|first|\w+ (?:most|biggest))|"
        r"(?:first|initial) version (?:does|covers|handles|is|only|will|would|includes)|draft[- ]only|start (?:with|narrow|small)|"
        r"(?:drop|cut|defer|park|postpone)\w* (?:the |that |it |this |those )?(?:\w+ )?(?:until|for now|to later|to the next|from the first)|"
        r"instead of (?:building|doing|a custom|all|every)|we (?:won'?t|don'?t) (?:need|try|do))\b",
    ),
    "ranked": _rx(
        r"\b(?:the (?:biggest|most important|first|main|top|worst|single biggest|riskiest)|most (?:important|likely|dangerous|serious)|"
        r"in (?:that|this) order|ranked|rank (?:them|these)|first,? because|above all|before anything else|top of (?:my|the) list|"
        r"launch[- ]block\w*|blockers?|must[- ]fix|can wait|less (?:urgent|important|serious)|lower priority|"
        r"priority (?:one|1)|number one|first thing|the one (?:I|we)(?:'d| would) (?:worry|start|fix|check))\b",
    ),
    "signpost": _rx(
        r"^(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|finally|lastly|one|two|three|on|so,? (?:first|the short))\b",
        r"\b(?:(?:two|three|four) (?:things|parts|steps|checks|reasons|options|points|questions|causes|risks|numbers|measures)|"
        r"the short (?:answer|version)|in short|bottom line|to sum up|in summary|so overall|my answer is|my recommendation|"
        r"here'?s what|what happened, what|here is (?:my|what))\b",
    ),
    "deflect": _rx(
        r"\b(?:(?:a |that'?s a |what a )?(?:really |very )?(?:great|good|fair|tough|interesting|important) (?:question|challenge|one)|"
        r"where (?:do I|to) (?:begin|start)|I (?:can'?t|cannot|couldn'?t) (?:really )?think of|"
        r"I(?:'ve| have) been (?:\w+ )?(?:lucky|fortunate)|(?:hard|tough|difficult) to say|it (?:really )?depends|"
        r"I(?:'d| would) (?:want|need|like) to (?:learn|understand|hear|know|find out) (?:\w+ )?more|"
        r"come back to you|take (?:it|this) (?:away|back)|not my place|"
        r"set up (?:some time|a session|a meeting|a call|a working group)|(?:get|bring|put) (?:everyone|the right people|them all|all the \w+) in (?:a|the|one) room|"
        r"let (?:them|the specialists|the experts|the data scientists|our director|leadership) (?:decide|make the call|tell us)|"
        r"I(?:'d| would) escalate|I (?:totally|completely|really|fully) (?:understand|hear|get)(?: you| it| that| where)?|"
        r"I (?:really )?appreciate you|I'?m on your side|(?:my|our) top priority|I(?:'d| would) lean on)\b",
    ),
    "list": _rx(
        # Three or more items in a row: "fraud, false declines, review load and latency".
        r"(?:\b[\w'/-]+(?: [\w'/-]+){0,3}, ){2,}(?:and |or )?[\w'/-]+(?: [\w'/-]+){0,3}",
    ),
    "checks": _rx(
        r"\b(?:check|look at|compare|pull|split|read|confirm|rule out|see whether|see if|find out|test whether|measure)\b"
        r"[^.?!;]{0,80}\b(?:whether|if|by|against|for|before|how many|which|where|when)\b",
    ),
}

#: Kinds that show substance; a keyword sentence (see ``is_keyword_sentence``) earns none of them.
SUBSTANCE = (
    "isolation",
    "time_window",
    "decision_rule",
    "baseline",
    "limit",
    "segment",
    "comparison",
    "money",
    "named",
    "i_action",
    "story_anchor",
    "result",
    "learning",
    "checks",
    "ranked",
    "scope_cut",
)
#: Kinds interviewers punish.
ANTI = (
    "hypothetical",
    "blame",
    "buzzword",
    "vague",
    "hedge",
    "retrain_only",
    "cramming",
    "self_praise",
    "unranked_list",
    "deflect",
)

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'%$£€.-]*")
#: Small words that carry no content of their own (for the keyword-sentence test).
_STOP = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "so", "of", "to", "in", "on", "for", "with", "at", "by",
        "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
        "these", "those", "there", "here", "i", "we", "you", "he", "she", "they", "me", "us", "him", "her",
        "them", "my", "our", "your", "his", "their", "what", "which", "who", "whom", "how", "when", "where",
        "why", "not", "no", "do", "does", "did", "done", "have", "has", "had", "will", "would", "can",
        "could", "should", "may", "might", "must", "also", "just", "then", "than", "very", "really",
        "about", "into", "over", "under", "up", "down", "out", "off", "again", "more", "most", "some",
        "any", "all", "each", "every", "other", "such", "only", "own", "same", "too", "s", "t", "don",
        "isn", "aren", "wasn", "weren", "i'd", "i'm", "i've", "we'd", "we're", "we've", "it's", "that's",
        "let's"
    ]
)


_OWN_REASON = re.compile(r"\b(?:because|if|unless|so that|which means|otherwise)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alts = [re.escape(t).replace(r"\ ", r"[\s-]+") + r"(?:s|es)?" for t in cleaned]
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


def is_keyword_sentence(sentence: str, vocabulary: Sequence[str] = ()) -> bool:
    """A sentence that is mostly labels, keywords or buzzwords with nothing said about them.

    ``vocabulary`` is what the candidate could copy: the question's keywords and signal labels. A sentence
    counts as a keyword sentence when at least half of its content words belong to the vocabulary or are
    buzzwords, or when it is a bare list (four or more short items, and no number, no "I", "we" or "you",
    no "because" or "if")."""
    content = [w.lower() for w in words(sentence) if w.lower() not in _STOP]
    if not content:
        return True
    stripped = sentence
    pattern = _term_pattern(tuple(vocabulary))
    # ML terms are not stripped: to a data scientist "I'd check recall at the operating point" says something.
    for p in (pattern, PATTERNS["buzzword"]):
        if p is not None:
            stripped = p.sub(" ", stripped)
    left = [w for w in words(stripped) if w.lower() not in _STOP]
    if len(left) * 2 <= len(content) and len(content) >= 2:
        # A number or a reason of the candidate's own (not one of the copied words, such as "basis points")
        # is substance: "I'd track fraud losses in basis points, aiming to cut them by a fifth" commits.
        return not (_NUMBER_RE.search(stripped) or _OWN_REASON.search(stripped))
    # A bare list: four or more short items ("precision, recall, AUC, calibration and drift"), with no number,
    # no person acting and no reason: it names things and says nothing about them.
    items = [i for i in re.split(r",|\band\b|\bor\b", sentence) if i.strip()]
    if len(items) < 4 or _NUMBER_RE.search(sentence):
        return False
    if re.search(r"(?<![A-Za-z'])(?:I|we|you)(?![A-Za-z])|\bbecause\b|\bif\b", sentence, re.IGNORECASE):
        return False
    short = [i for i in items if len([w for w in words(i) if w.lower() not in _STOP]) <= 3]
    return len(short) * 4 >= len(items) * 3


@dataclass(frozen=True)
class Marker:
    """One finding in an answer: its kind, the words that matched, and the sentence they sit in."""

    kind: str
    term: str
    sentence: str
    prompt_id: str


@dataclass(frozen=True)
class Profile:
    """Everything ``specificity`` found in the answers to one question."""

    words: int
    sentences: int
    markers: tuple[Marker, ...]
    kept: tuple[tuple[str, str], ...]
    """(prompt id, sentence) judged, in order: keyword sentences are not among them."""
    dropped: tuple[tuple[str, str], ...] = ()
    """(prompt id, sentence) taken out as keyword lists."""
    counts: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str) -> int:
        return self.counts[kind]

    def sentences_with(self, kind: str) -> list[Marker]:
        """One marker per sentence of this kind, in order."""
        seen: set[str] = set()
        out: list[Marker] = []
        for m in self.markers:
            if m.kind == kind and m.sentence not in seen:
                seen.add(m.sentence)
                out.append(m)
        return out

    def per100(self, kind: str) -> float:
        return 100.0 * self.counts[kind] / max(self.words, 1)


def profile(answers: Iterable[tuple[str, str]], vocabulary: Sequence[str] = ()) -> Profile:
    """Find the markers in every sentence of ``answers`` ((prompt id, text) pairs), after taking out
    keyword sentences."""
    markers: list[Marker] = []
    kept: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    n_words = 0
    for prompt_id, text in answers:
        for sentence in sentences(text):
            if is_keyword_sentence(sentence, vocabulary):
                dropped.append((prompt_id, sentence))
                continue
            kept.append((prompt_id, sentence))
            n_words += len(words(sentence))
            for kind, pattern in PATTERNS.items():
                for m in pattern.finditer(sentence):
                    markers.append(Marker(kind, m.group(0), sentence, prompt_id))
            for m in _NUMBER_RE.finditer(sentence):
                markers.append(Marker("number", m.group(0), sentence, prompt_id))
    if not any(m.kind == "ranked" for m in markers):
        # A list with nothing ranked in the whole answer: everything matters equally, so nothing does.
        markers += [Marker("unranked_list", m.term, m.sentence, m.prompt_id) for m in markers if m.kind == "list"]
    counts = Counter(m.kind for m in markers)
    return Profile(n_words, len(kept), tuple(markers), tuple(kept), tuple(dropped), counts)
