"""The catalogue of rubric signals: what a strong answer shows, and how to spot it in a transcript.

Scores and gap detection are deterministic on purpose: small local LLMs could not tell a weak answer from a
strong one on a 2-core machine (docs/llm.md, "What small local models were measured to do"), and a rubric that a candidate can argue with
("give me 5/5") is worthless. Each signal is a set of regular expressions matched sentence by sentence, so
every verdict can quote the sentence that earned it.

A scenario question lists the signals it wants, in priority order, and may add ``keywords`` specific to the
question. A scenario may also define a signal that is not in this catalogue by giving ``label`` and
``patterns`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Dimension(StrEnum):
    """The scored dimensions of the debrief (anchors in docs/rubric.md)."""

    PRODUCT_SENSE = "product_sense"
    ANALYTICAL_RIGOR = "analytical_rigor"
    COMMUNICATION = "communication"
    BEHAVIORAL = "behavioral"
    DELIVERY = "delivery"


@dataclass(frozen=True)
class SignalSpec:
    """One thing a strong answer shows.

    ``patterns`` are case-insensitive regexes; a sentence matching any of them is evidence. When ``support``
    is given, the evidence must also match one of those within the same or the next sentence (a failure mode
    counts only with its mitigation). ``special`` names a computed signal (see ``rubric.py``).
    """

    id: str
    label: str
    dimension: Dimension
    strong: str
    patterns: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    support_window: int = 1
    """Sentences either side of the evidence where the support may sit (a shipped result's number may come
    a few sentences after "I owned ...")."""
    special: str | None = None
    generic: tuple[str, ...] = ()
    """Wording too generic to show the signal on its own ("if the model makes mistakes"): a sentence matching
    one of these is evidence only when a pattern also matches it, never on the classifier's word alone."""
    min_hits: int = 1
    tags: tuple[str, ...] = field(default=())


_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
#: A number as typed or as Whisper writes it ("12", "1.5") or spelled out ("twelve", "forty-five", "four
#: hundred", "a few thousand"): candidates speak numbers, and Whisper often writes them as words.
_NUM = (
    rf"(?:\d+(?:[.,]\d+)?|(?:(?:{_UNITS}|a|one|a few|several|few) (?:hundred|thousand|million))"
    rf"|(?:{_TENS})(?:[- ](?:{_UNITS}))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    rf"|seventeen|eighteen|nineteen|{_UNITS}|half a)"
)
#: A share said in words: "a quarter", "half", "a third", "one in four", "two thirds".
_FRACTION = (
    rf"(?:(?:a|one|two|three) (?:quarter|third|fifth|tenth)s?|half|two thirds|one in (?:{_UNITS}|ten|\d+))"
)
#: A direction of change, as people say it ("down", "less", "cut", "went up").
_DIRECTION = (
    r"(?:less|more|fewer|down|up|cut|halve\w*|doubl\w*|drop\w*|reduc\w*|grow\w*|rais\w*|fall\w*|fell|rose|"
    r"lower\w*|increas\w*|decreas\w*|improv\w*|shrink\w*|shr[au]nk)"
)
#: How a shipped or measured change is stated with a number: "twelve percent", "dropped by about a quarter",
#: "from eight percent to three percent".
_CHANGE = (
    rf"\b{_NUM} ?(?:%|percent|x|points|users|customers|hours|days|tickets)(?![\w-])|\$ ?\d"
    rf"|\b(?:doubled|halved|tripled)\b"
    rf"|\b{_DIRECTION}\b[^.?!]{{0,30}}\b(?:by )?(?:about |around |roughly |nearly |almost )?{_FRACTION}\b"
    rf"|\bfrom {_NUM}\b[^.?!]{{0,20}}\bto {_NUM}\b"
)
#: The people a product serves, as candidates name them.
_WHO = (
    r"users?|customers?|merchants?|shoppers?|buyers?|sellers?|agents?|patients?|clinicians?|nurses?|doctors?|"
    r"people|teams?|analysts?|marketers?|designers?|reps?|cardholders?|clients?|students?|drivers?|families|"
    r"accounts?|someone|anyone|nobody|person|owners?|applicants?|callers?"
)
#: Words that say something hurts.
_PAIN = (
    r"struggl\w*|pain|problem|frustrat\w*|need|needs|want|wants|trying to|can't|cannot|waste\w*|hard|slow|"
    r"stuck|annoy\w*|confus\w*|lose|losing|worr\w*|spend\w*|hurt|hurts|harmed|embarrass\w*|pay for|wait\w*|"
    r"nervous|blocked|declined|never made|stops? trusting"
)

CATALOGUE: dict[str, SignalSpec] = {
    s.id: s
    for s in [
        SignalSpec(
            "user_problem",
            "Starts from the user problem",
            Dimension.PRODUCT_SENSE,
            "names who the user is and the pain they have before talking about the model",
            patterns=(
                rf"\b({_WHO})\b[^.?!]{{0,80}}\b({_PAIN})\b",
                r"\b(who|the people)\b[^.?!]{0,20}\b(has|have|feels?|is hurt|are hurt)\b[^.?!]{0,30}\b(problem|pain|first|this)\b",
                r"\bpain ?points?\b",
                r"\bwho (actually |really )?(gets?|is|are) (hurt|stuck|harmed|burned|affected)\b",
                r"\b(core|real|underlying|user|customer)('s)? (problem|need|pain)\b",
                r"\bjobs? to be done\b",
                r"\bproblem (we|i)('re| are| am)? (are )?solv",
                r"\b(who (is|are) the users?|start with the (user|customer|problem))\b",
            ),
        ),
        SignalSpec(
            "success_metric",
            "Names a measurable success metric",
            Dimension.PRODUCT_SENSE,
            "names one metric that would move if this worked, with a direction and ideally a target",
            patterns=(
                r"\b(north star|success metric|key metric|primary metric|guardrail metric|kpi|okr)s?\b",
                r"\b(metric|measure|measured|track|tracking)\b[^.?!]{0,60}\b(rate|retention|conversion|churn|time|tickets?|revenue|volume|loss(es)?|cost|adoption|engagement|accuracy|satisfaction|nps|csat|usage|precision|recall|completion|clicks?)\b",
                # "cut-off" is a threshold, not a cut: the hyphen guard keeps "the cut-off cost" out.
                r"\b(increase|reduce|decrease|lower|raise|cut|improve|grow|drop|move)\w*\b(?!-)[^.?!]{0,50}\b(rate|retention|conversion|churn|time|tickets?|revenue|volume|loss(es)?|cost|adoption|engagement|nps|csat|abandonment|chargebacks?)\b",
                rf"\b{_NUM} ?(%|percent|percentage points?)(?![\w-])",
                r"\b(measure|track|watch|count|check|look at)\w*\b[^.?!]{0,20}\b(the )?(share|percentage|proportion|fraction|number|rate) of\b",
                r"\b(approval|acceptance|reassignment|conversion|churn|retention|edit|error|decline|adoption) rate\b[^.?!]{0,60}\b(flat|up|down|below|above|rise|fall|drop|target|guardrail|goes|stays?)\b",
                # "Success is a balance" or "success is when the model works well" names no metric: the
                # definition must carry a quantity or a direction.
                rf"\bsuccess (looks like|means|would be|is|for me is)\b[^.?!]{{0,80}}\b({_NUM}|{_FRACTION}|{_DIRECTION})\b",
                # Direction + a share said in words: "we lose less money to fraud, say a quarter less".
                rf"\b{_DIRECTION}\b[^.?!]{{0,50}}\b(by )?(say,? |about |around |roughly |at least |some )?{_FRACTION}\b",
                # What would be counted: "what I'd count is how many pictures people keep", "watch how much
                # revenue is getting stuck", "look at one thing, the dollar value of orders held up".
                r"\b(count|measure|track|watch)\b[^.?!]{0,40}\b(how (many|much|often|long)|the (share|number|percentage|proportion|dollar value|value|amount|count))\b",
                r"\b(look at|pick|watch|track|measure)\b[^.?!]{0,20}\bone (headline )?(number|thing|metric)\b",
                r"\b(share|percentage|proportion|fraction|number|dollar value) of\b[^.?!]{0,80}\b(under|over|below|above|at least|at most|down|up|stay|drop|doesn't drop)\b",
                rf"\b(under|over|below|above|at least|at most|more than|less than),? (say,? )?({_FRACTION}|{_NUM} ?(%|percent))",
                rf"\bfrom {_NUM}\b[^.?!]{{0,20}}\bto {_NUM}\b",
                r"\b(go|goes|went|come|comes) (down|up) more than\b",
            ),
        ),
        SignalSpec(
            "user_outcome",
            "Ties the model to a user or business outcome",
            Dimension.PRODUCT_SENSE,
            "says what changes for the user or the business when the model is right or wrong",
            patterns=(
                rf"\b({_WHO})\b[^.?!]{{0,80}}\b(faster|easier|sooner|quicker|sav(e|es|ing)|trust|happier|fewer|less time|able to|outcome|experience|churn|convert|come back|abandon\w*|complain\w*|retain\w*|drop off|get (them|it|their \w+) live|instead of (days|weeks|hours|\w+ing)|giving up|waits? longer|sooner)\b",
                # The outcome before the people: "which delays the genuinely urgent patients", "a slow checkout
                # loses real shoppers".
                rf"\b(delays?|delaying|loses?|losing|frustrat\w*|helps?|saves?|annoy\w*)\b[^.?!]{{0,30}}\b({_WHO})\b",
                r"\b(in|within) (minutes|seconds|hours|a day) (instead of|rather than)\b",
                r"\b(checkout abandonment|drop off|bounced between)\b",
                r"\b(business|revenue|support tickets?|ticket volume|conversion|retention|churn|bottom line|losses|cost to serve)\b[^.?!]{0,60}\b(impact|outcome|goal|drop|increase|reduce|lift|move|improve)\w*",
                r"\b(impact|lift|outcome) (on|for) (the )?(users?|customers?|business|revenue)\b",
            ),
        ),
        SignalSpec(
            "prioritization",
            "Prioritises and scopes",
            Dimension.PRODUCT_SENSE,
            "picks one segment or feature to do first and says why the rest can wait",
            patterns=(
                r"\bprioriti[sz]\w*\b",
                r"\b(first|initially)\b[^.?!]{0,30}\b(i|we)('d| would| will)? (focus|start|target|ship|build|pick|launch)\b",
                # "I'd start by understanding the model's capabilities" is not a choice of what comes first.
                r"\b(start|begin) (with|by)\b(?! (understanding|looking|thinking|researching|figuring|learning|exploring|assessing|evaluating|the (model|data|tech)))",
                r"\b(mvp|v1|version one|first version|phase (one|1))\b",
                r"\b(most important|biggest|highest)\b[^.?!]{0,30}\b(segment|problem|need|opportunity|impact|priority)\b",
                r"\b(defer|park|leave out|out of scope|not (do|build) yet|later phase)\b",
            ),
        ),
        SignalSpec(
            "tradeoff",
            "States a trade-off and why",
            Dimension.ANALYTICAL_RIGOR,
            "names what is given up for what, and why that side wins in this context",
            patterns=(
                r"\btrade-? ?offs?\b",
                r"\b(at the (cost|expense) of|in exchange for)\b",
                r"\b(precision|recall)\b[^.?!]{0,80}\b(recall|precision)\b",
                r"\b(false positives?)\b[^.?!]{0,80}\b(false negatives?)\b|\b(false negatives?)\b[^.?!]{0,80}\b(false positives?)\b",
                r"\b(the )?(downside|price|cost) (is|of that|would be)\b",
                r"\b(we|i)('d| would| will)? (give up|sacrifice|accept|tolerate)\b",
                r"\b(rather than|instead of|versus|vs\.?)\b[^.?!]{0,80}\bbecause\b",
                r"\bbalance\w* (between|against)\b",
                r"\bweigh\w*\b[^.?!]{0,60}\bagainst\b",
                r"\b(i'd|i would|we'd|we would) rather\b|\brather (let|lose|accept|have|miss|block|approve|catch)\b[^.?!]{0,80}\bthan\b",
                r"\b(favou?r|prefer|prioriti[sz]e|choose|pick)\w*\b[^.?!]{0,40}\bover\b",
                r"\b(i'd|i would|we'd|we would) (favou?r|prefer|optimi[sz]e for)\b",
                r"\bfavou?r\w* \w+ (over|since|because|rather)\b",
                r"\b(speed|quality|cost|precision|recall|accuracy|coverage|safety|latency) over (quality|speed|cost|precision|recall|accuracy|coverage|safety|latency)\b",
                r"\bagainst (the |those )?(delays?|costs?|risks?|losses|harms?|extra|false|fewer|more)\b",
                r"\baccept (missing|losing|some|a (bit|little)|more|fewer|slower|lower|higher)\b",
                r"\b(costs?|loses?|lose) (us )?(far |much |a lot |way )?more than (it|that|we|they) (saves?|gains?|makes?|earns?|wins?|brings?)\b",
                r"\bthe catch is\b|\blean(ing)? (towards?|on)\b",
                rf"\bagainst (about |roughly |around |only |just |the |that |this )?({_NUM}|(cost|price|risk|loss|extra|waiting|delay)\w*)\b",
                r"\baccept\w* (\w+ )?(more|fewer|less|some|slower|lower|higher|missing|losing|a (bit|little))\b",
                r"\b(costs?|errors?|sides?|mistakes?|two) (\w+ )?balance\b",
                r"\b(only )?pays? off (only )?if\b|\bworth it (only )?if\b",
                r"\b(go|goes|went) (down|up) more than\b",
                r"\bgive up\b|\bto avoid\b[^.?!]{0,40}\b(refus|block|declin|miss|los)\w*",
                r"\b(keeps?|gets?|saves?|buys?|gains?|wins?)\b[^.?!;]{0,60}\bbut (we|you|it|they)( would|'d| will)? (be |lose|break|miss|pay|risk|give|eat)\w*",
            ),
        ),
        SignalSpec(
            "business_cost",
            "Prices the model's errors",
            Dimension.ANALYTICAL_RIGOR,
            "says what a false positive and a false negative each cost the business or the user",
            patterns=(
                r"\b(false positives?|false negatives?|false declines?|false alarms?|missed (fraud|cases?)|wrong(ly)? (flag|block|declin|reject)\w*|good (customers?|orders?|transactions?) (blocked|declined|flagged)|(extra|wasted|wrong) (handoffs?|reviews?)|misrout\w*)\b[^.?!]{0,100}\b(cost\w*|revenue|loses?|losing|lost|churn\w*|angry|complain\w*|tickets?|trust|refunds?|chargebacks?|dollars|money|sales?|deals?|harm|minutes|hours|time|sav(e|es|ing))\b",
                rf"\b(each|every) (of those|one)\b[^.?!]{{0,60}}\b(costs?|takes?)\b[^.?!]{{0,40}}\b({_NUM}|minutes|hours|dollars)",
                r"\b(each|every|one) (false positive|false negative|missed \w+|blocked \w+)\b[^.?!]{0,60}\bcost",
                r"\bcosts? (us|the (business|company|merchant|customer))\b",
                r"\$ ?\d",
                rf"\b{_NUM}( thousand| million)? (dollars|bucks)\b",
                r"\b(monthly|yearly|annual|per[- ]\w+) (bill|cost|spend)\b|\bcharges? (us )?(by|per)\b",
            ),
        ),
        SignalSpec(
            "experiment",
            "Proposes an experiment that isolates the model's effect",
            Dimension.ANALYTICAL_RIGOR,
            "proposes an A/B test or holdout that compares the model against the current experience",
            patterns=(
                r"\b(a/?b|ab|split|multivariate) ?tests?\b",
                r"\bexperiment\w*\b",
                r"\b(holdouts?|hold-outs?|control group|treatment group|randomi[sz]\w*)\b",
                r"\bshadow mode\b",
                # A pilot on its own is a launch, not an experiment: it must be compared with something.
                r"\b(pilot|canary|staged rollout|gradual rollout)\b[^.?!]{0,80}\b(compar\w*|against|versus|vs|control|old|current|baseline|both)\b",
                r"\brandom(ly)?\b[^.?!]{0,20}\b(chosen|picked|selected|assigned|half|group|split)\b|\b(chosen|picked|selected) (at )?random\w*\b",
                r"\b(keep|leave|hold)\w* (one |a |some |the other )?(part|share|slice|group|half|some|\d+ ?%|percent)\b[^.?!]{0,40}\b(old|current|existing|without|back)\b",
                r"\b(silently|quietly|in the background)\b|\bnext to the (current|existing|old|nurses|analysts|agents|team)\b",
                r"(%|\bpercent) of (the |our )?(traffic|users|sellers|customers|tickets|merchants|patients|accounts)\b",
                r"\b(alongside|in parallel|side[- ]by[- ]side)\b",
                r"\bat random\b|\brandom(ly)? (split|assign\w*|sample|half|group|slice)\b",
            ),
        ),
        SignalSpec(
            "failure_mode",
            "Names a failure mode and its mitigation",
            Dimension.ANALYTICAL_RIGOR,
            "names one concrete way it goes wrong and what you would do about it",
            generic=(
                r"\b(if|when|in case)\b[^.?!]{0,25}\b(makes?|made|has|get|gets|are|is) (a |some |any )?"
                r"(mistakes?|errors?|wrong|problems?|issues?)\b",
                r"\b(something|anything|things) (goes|go|went) wrong\b",
            ),
            patterns=(
                # A bare "mistake" or "error" is too generic ("if it makes mistakes we lower the threshold").
                # "if something goes wrong we'd fix it" names no failure: the vague subjects are excluded.
                r"\b(fail\w*|failure modes?|edge cases?|risks?|bias(ed)?|hallucinat\w*|(?<!something )(?<!anything )(goes|go) wrong|(gets?|got) (it |them |\w+ )?wrong|wrong ones|danger\w*|(shouldn't|should not|can't|cannot|don't) trust|badly for|poorly (for|on)|(looks?|gets?|getting) (bad|worse)|break\w*|misfire\w*|harm\w*|abuse\w*|worst case|least reliable|unreliable|can't be trusted|not be trusted|worry about most)\b",
                r"\bwrong (suggestions?|answers?|calls?|decisions?|predictions?|results?|images?|repl(y|ies)|team|patients?|orders?)\b",
                r"\b(declin|block|reject|flag)\w* (loads|lots|too many|a lot|good|honest|legitimate|real)\b",
                r"\bmiss(es|ed)? (an? )?(urgent|real|truly|fraud)\w*",
                # A concrete wrong call, said as a condition: "when one of those accounts does get flagged".
                r"\b(when|if)\b[^.?!]{0,50}\b(gets?|does get|is|are) (wrongly )?(flagged|blocked|declined|refused|rejected)\b",
                r"\b(would have|could have|might) (sent|send|blocked|block|refused|missed|told)\b",
            ),
            support=(
                r"\b(mitigat\w*|fallback|fall(s|ing)? back|guardrails?|human (review|reviewer|in the loop)|escalat\w*|override|appeals?|roll(s|ed|ing)? (it |them )?back|switch(es)? back|revert\w*|kill switch|monitor\w*|safeguards?|filter\w*|flag\w* for review|double-check|limit\w*|cap|caps|capped|capping|contain\w*|opt[- ]out|block\w* (generating|known)|allowlist|fast lane)\b",
                r"\b(a |the )?(nurse|person|human|clinician|doctor|agent|reviewer|analyst|manual)s? (check|review|approv|confirm|edit)\w*",
                r"\b(nurse|human|manual|person) (check|review)\b|\bask for a (person|human|nurse)\b",
                r"\b(never|doesn't|does not|won't) reach\w*\b|\bbefore (it|anything) (goes|reaches|happens|ships)\b",
                # A process as the safeguard: a person in the loop, a way back, a hard stop.
                r"\b(nurse|person|human|clinician|doctor|agent|reviewer|analyst|someone|senior \w+)s? (\w+ ){0,2}(checks?|reviews?|approv\w*|confirm\w*|reads?|clears?|goes through)\b",
                r"\bunless\b[^.?!]{0,40}\b(agent|person|human|nurse|reviewer|someone|analyst|clinician|doctor)\b",
                r"\bnothing (goes|reaches|is sent|gets sent)\b|\bbefore (anyone|any \w+|a customer|the customer|it decides)\b",
                r"\b(flip|go|goes|switch|fall)\w* back\b|\bone switch\b|\bpaged\b|\bsecond check\b|\brefuse\w*\b",
                r"\b(switch|turn)\w* (\w+ ){0,2}off\b|\bgoes to a (person|human|nurse|reviewer|agent|analyst)\b|\bsend more to\b",
            ),
        ),
        SignalSpec(
            "monitoring",
            "Plans monitoring in production",
            Dimension.ANALYTICAL_RIGOR,
            "says what is watched after launch (drift, error rates, complaints) and what triggers action",
            patterns=(
                r"\bmonitor\w*\b",
                r"\b(drift\w*|dashboards?|alert\w*|retrain\w*|degrad\w*|decay\w*|regression)\b",
                r"\b(review|check|look at|track|watch|report)\w*\b[^.?!]{0,60}\b((every|each) (day|week|month)|daily|weekly|monthly)\b",
                r"\b((every|each) (day|week|month)|daily|weekly|monthly)\b[^.?!]{0,60}\b(review|check|look|track|watch|sit down|go through|compare)\w*",
                r"\b(weekly|daily|monthly) (look|review|check)\b",
                r"\bafter (the )?launch\b[^.?!]{0,40}\b(watch|track|review|check)\w*",
            ),
        ),
        SignalSpec(
            "precision_recall",
            "Reasons about precision and recall",
            Dimension.ANALYTICAL_RIGOR,
            "explains precision versus recall (or the threshold) in terms of this product's errors",
            patterns=(
                r"\b(precision|recall|false positive rate|false negative rate|roc|pr curve|auc|f1)\b",
                r"\b(decision )?threshold\b",
            ),
        ),
        SignalSpec(
            "overfitting",
            "Checks for overfitting",
            Dimension.ANALYTICAL_RIGOR,
            "compares training and held-out performance and says what would reveal overfitting",
            patterns=(
                r"\b(over-?fit\w*|generali[sz]\w*|memori[sz]\w*)\b",
                r"\b(held[- ]out|holdout|validation|test) (set|data|split)\b",
                r"\bcross[- ]validat\w*\b",
                r"\bregulari[sz]\w*\b",
                r"\b(in|across) (both )?train(ing)? and test\b|\btest on (the )?(most recent|newer|later|unseen|new|latest)\b|\btrain\w* on (older|earlier|past)\b",
            ),
        ),
        SignalSpec(
            "leakage",
            "Guards against data leakage",
            Dimension.ANALYTICAL_RIGOR,
            "names a way future or label information could leak into training and how to split to prevent it",
            patterns=(
                r"\bleak\w*\b",
                r"\b(future|after the fact|post-?outcome) (data|information|features?|signals?)\b",
                r"\b(time|temporal|date)[- ]based (split|validation)\b",
                r"\bsplit\w* by (time|date|user|customer|account)\b",
                r"\b(filled in|known|recorded|set|updated|added) after\b|\bknows? the answer\b|\b(actually |already )?know at the (moment|time)\b",
            ),
        ),
        SignalSpec(
            "drift",
            "Handles drift",
            Dimension.ANALYTICAL_RIGOR,
            "explains how the data or behaviour shifts over time and how you detect and respond to it",
            patterns=(
                r"\b(drift\w*|distribution (shift|change)|data shift|concept shift|seasonal\w*|stale|retrain\w*)\b",
                r"\b(fraudsters|attackers|behaviou?r|patterns?) (change|adapt|evolve|shift)\w*\b",
                r"\b(look|looks|is|are|gets?|became|becomes) (different|changed) (from|than|since)\b|\bthe world (is |has )?chang\w*",
                r"\bnew (kinds?|types?|tricks?|products?|patterns?) (of )?\w*",
                r"\bcompar\w* (the )?distribution\b",
            ),
        ),
        SignalSpec(
            "latency",
            "Weighs serving latency",
            Dimension.ANALYTICAL_RIGOR,
            "names a latency budget and what the user experiences when it is exceeded",
            patterns=(
                r"\b(latency|milliseconds?|ms|asynchronous\w*|p9[059]|response time|real[- ]time|serving|cach(e|es|ing)|timeouts?|inference time)\b",
                r"\b(too slow|fast enough|under (a|one|two|\d+) seconds?)\b",
            ),
        ),
        SignalSpec(
            "data_quality",
            "Questions the data",
            Dimension.ANALYTICAL_RIGOR,
            "asks where labels come from, whether the data is representative and what is missing",
            patterns=(
                r"\b(labels?|labell?ing|labell?ed|ground truth|annotat\w*|tags)\b",
                r"\b(find out|learn|know)\b[^.?!]{0,30}\b(weeks |days |months )?later\b|\bmissing (a lot of|some|many|most)\b",
                r"\bmostly (from|english|one)\b|\bpoor on\b",
                r"\b(data quality|training data|representative|sample size|class imbalance|imbalanced|missing data|noisy data)\b",
            ),
        ),
        SignalSpec(
            "build_vs_buy",
            "Judges build versus buy",
            Dimension.ANALYTICAL_RIGOR,
            "decides between a pre-trained or vendor model and custom training, on cost, latency and risk",
            patterns=(
                r"\b(pre-?trained|off[- ]the[- ]shelf|third[- ]party|vendors?|fine-?tun\w*|custom (model|training)|foundation models?|build (vs\.?|versus|or) buy|hosted (model|api))\b",
            ),
        ),
        SignalSpec(
            "ethics",
            "Considers ethics and trust",
            Dimension.ANALYTICAL_RIGOR,
            "names who could be harmed or treated unfairly and a safeguard",
            patterns=(
                r"\b(ethic\w*|fair(ness)?|unfair\w*|bias(ed|es)?|privacy|consent|transparen\w*|explainab\w*|misuse|safety|deepfakes?|copyright|discriminat\w*)\b",
                # Who is harmed, in plain words: "harms people who never touched our product", "split those
                # results by age, by language", "a convincing fake photo of them".
                r"\bharms? (people|users|someone|patients|customers|\w+ who)\b|\bfake (photos?|images?|videos?|voices?)\b",
                r"\b(split|break|slice|compare)\w* (\w+ ){0,3}by (age|gender|race|ethnicity|language|region|postcode|disability)\b",
            ),
        ),
        SignalSpec(
            "stakeholder_alignment",
            "Aligns the stakeholders",
            Dimension.COMMUNICATION,
            "says how you bring the other side along: their goal, the shared goal, and the agreement",
            patterns=(
                r"\b(align\w*|stakeholders?|buy-?in|get (them|him|her|everyone) on board|common ground|shared goal|compromis\w*|negotiat\w*|agree\w*|disagree\w*)\b",
                r"\b(understand|ask|hear|listen to) (their|his|her|your|the team's) (concerns?|constraints?|goals?|side|worries)\b",
                r"\b(we both|both of (you|us|them)|the two of us|you and \w+ (to )?(sign|agree))\b",
                r"\bwhat (he|she|they|you) (really |actually )?(wanted|wants|needed|needs|cared about|cares about)\b",
                r"\b(matters?|important) (most )?to (you|them|him|her|your)\b|\bsit down with (your|their|his|her)\b",
            ),
        ),
        SignalSpec(
            "scope_timeline",
            "Negotiates scope and timeline",
            Dimension.PRODUCT_SENSE,
            "offers a concrete cut in scope or a phased plan that fits the timeline",
            patterns=(
                r"\b(scope|descope|de-scope|timeline|deadline|milestones?|phases?|phased|mvp|v1|sprints?)\b",
                r"\b(cut|drop|defer|push back|postpone)\b[^.?!]{0,40}\b(feature|scope|part|piece|launch|release|until|to)\b",
                r"\bship\w*\b[^.?!]{0,30}\b(by|in|within) (\d+|one|two|three|four|six|a) (days?|weeks?|months?|quarters?)\b",
            ),
        ),
        SignalSpec(
            "plain_language",
            "Speaks the listener's language",
            Dimension.COMMUNICATION,
            "explains the idea without jargon, or translates each technical term for this listener",
            special="plain_language",
        ),
        SignalSpec(
            "structure",
            "Structures the answer",
            Dimension.COMMUNICATION,
            "signposts the answer (the parts, then each in turn, then a summary) so the listener can follow",
            patterns=(
                r"\b(first(ly)?|second(ly)?|third(ly)?|finally|lastly|then|next)\b,?",
                r"\b(two|three|four|couple of|few) (\w+ )?(things|parts|steps|areas|reasons|points|pillars|questions|options)\b",
                r"\b(i'd|i would|we'd|let me) (start|begin) (by|with)\b|\bonce\b",
                r"\b(to summari[sz]e|in summary|to sum up|so overall|my framework|let me (structure|break)|bottom line)\b",
            ),
            min_hits=2,
        ),
        SignalSpec(
            "situation",
            "Sets the situation",
            Dimension.BEHAVIORAL,
            "sets the scene in one or two sentences: where, when, what was at stake",
            patterns=(
                r"\b(when i was|at my (last|previous|current)|in my (last|previous|current) (role|job|team)|last (year|quarter|spring|summer|fall|autumn|winter)|a few (months|years) ago|(two|three|\d+) years ago)\b",
                r"\b(our|my) (chief \w+ officer|ceo|cto|cfo|cro|coo|head of|director|boss)\b",
                r"\b(the situation|the context|our team was|i was (leading|working|the pm|responsible)|we were (about to|trying|building|launching))\b",
            ),
        ),
        SignalSpec(
            "action",
            "Says what you did",
            Dimension.BEHAVIORAL,
            "describes the specific actions you took, in the first person",
            patterns=(
                r"\bi (decided|led|built|proposed|ran|wrote|set up|convinced|pushed|organi[sz]ed|talked|met|created|designed|changed|negotiated|brought|asked|started|owned|drove|scheduled|presented|pulled|analy[sz]ed|called|reframed|suggested|escalated|took|made|spent|sat down|went)\b",
            ),
        ),
        SignalSpec(
            "result",
            "States the result",
            Dimension.BEHAVIORAL,
            "closes with what happened because of your actions",
            patterns=(
                r"\b(as a result|result(ed)? in|the result|the outcome|in the end|ultimately|which (led|meant)|that led)\b",
                # Not "we launched": that is how stories begin, not how they end.
                r"\b(we|i|it) (relaunched|reduced|increased|cut|grew|saved|hit|beat|recovered|kept|won)\b",
                rf"\b(went up|went down|fell|rose|dropped|grew|improved|increased|decreased|doubled|halved)\b[^.?!]{{0,30}}\b({_NUM})\b",
                rf"\b(with|at) [a-z ]{{0,20}}\b(at|of|to) {_NUM} ?(%|percent)",
                rf"\b{_NUM} ?(%|percent|percentage points?) (more|fewer|less|higher|lower)\b",
                rf"\b(took|brought|saved|cut|shaved|freed|approved|lost) (about |roughly |around )?({_NUM}|{_FRACTION})\b",
                r"\b(eventually|by the end)\b[^.?!]{0,40}\b(fixed|recovered|back to normal)\b",
            ),
        ),
        SignalSpec(
            "quantified_result",
            "Quantifies the result",
            Dimension.BEHAVIORAL,
            "puts a number on the outcome (a percentage, time saved, revenue, users)",
            patterns=(
                rf"\b{_NUM} ?(%|percent|percentage points?|x|times|points|hours|days|weeks|months|users|customers|merchants|tickets|dollars|k|thousand|million|accounts|deals)(?![\w-])",
                r"\$ ?\d",
                r"\b(doubled|tripled|halved)\b",
            ),
        ),
        SignalSpec(
            "personal_ownership",
            "Owns the contribution",
            Dimension.BEHAVIORAL,
            "says 'I' for what you personally did, not only 'we'",
            special="personal_ownership",
        ),
        SignalSpec(
            "learning",
            "Reflects on what was learned",
            Dimension.BEHAVIORAL,
            "says what you would do differently or what you took from it",
            patterns=(
                r"\b(i learn(ed|t)|lesson|what i took from|next time|in hindsight|looking back|would do differently|takeaway|what i took away|taught me|since then|ever since|from then on|these days i|now i always|i now|i never \w+ (a|an|the) )",
            ),
        ),
        SignalSpec(
            "motivation",
            "Explains the motivation",
            Dimension.COMMUNICATION,
            "gives a specific reason for wanting this role, tied to something you did",
            patterns=(
                r"\b(excit\w*|drawn to|why i|i want to|i('m| am) (interested|keen|looking)|passion\w*|what (draws|excites|attracts) me|i love|i enjoy|motivat\w*|pull\w* me|draws? me|brings? me)\b",
            ),
        ),
        SignalSpec(
            "impact_story",
            "Cites a shipped result",
            Dimension.PRODUCT_SENSE,
            "names something you shipped and the number it moved",
            patterns=(
                r"\b(i|we) (shipped|launched|owned|built|delivered|rolled out|led|ran)\b",
                r"\bi was (the pm|the product manager|responsible) for\b",
            ),
            support=(_CHANGE,),
            # The number often comes a few sentences after "I owned ...", at the end of the story.
            support_window=3,
        ),
    ]
}


#: Terms a non-technical listener will not follow, with a plain alternative. Personas add their own.
DEFAULT_JARGON: dict[str, str] = {
    "auc": "how well the model ranks risky cases above safe ones",
    "roc": "the curve of catches against false alarms",
    "f1": "a single score balancing catches and false alarms",
    "precision": "how many flagged cases were really bad",
    "recall": "how many of the bad cases we caught",
    "hyperparameter": "a setting we tune on the model",
    "hyperparameters": "settings we tune on the model",
    "embedding": "a numeric fingerprint of the text",
    "embeddings": "numeric fingerprints of the text",
    "transformer": "the kind of model behind modern AI assistants",
    "transformers": "the kind of model behind modern AI assistants",
    "logits": "the model's raw scores",
    "gradient": "the signal the model learns from",
    "overfitting": "memorising the past instead of learning patterns that hold up",
    "regularization": "a technique that stops the model memorising",
    "inference": "running the model on a request",
    "latency": "how long the user waits",
    "p99": "the slowest one percent of requests",
    "drift": "the world changing so the model gets worse",
    "fine-tuning": "extra training on our own examples",
    "fine-tune": "train further on our own examples",
    "rag": "looking up our own documents before answering",
    "llm": "the AI language model",
    "tokens": "pieces of words the model reads",
    "attention": "how the model weighs parts of its input",
    "backpropagation": "how the model learns from mistakes",
    "feature engineering": "choosing the inputs the model looks at",
    "confusion matrix": "a table of right and wrong calls",
    "threshold": "the cut-off score where we act",
    "false positive rate": "how often we wrongly flag good cases",
    "gradient boosting": "a family of models built from many small decision trees",
    "xgboost": "a popular decision-tree model",
    "label leakage": "the answer sneaking into the model's inputs",
    "leakage": "the answer sneaking into the model's inputs",
    "distribution shift": "the world changing under the model",
    "classifier": "the system that sorts cases",
    "fine-tuned": "trained further on our own examples",
    "confidence score": "how sure the system is",
    "base rate": "how common the problem is to begin with",
    "validation set": "examples held back to test the model",
    "out-of-distribution": "cases unlike anything the model learned from",
    "hyperparameter tuning": "adjusting the model's settings",
}


def get(signal_id: str) -> SignalSpec | None:
    """Return the catalogue entry for ``signal_id``, or None for scenario-defined signals."""
    return CATALOGUE.get(signal_id)


#: Domain words a candidate uses, by kind, so advice can start from their own answer ("You mentioned fraud
#: losses: ..."). Longer phrases first: the first match in this order wins within a kind.
DOMAIN_TERMS: dict[str, tuple[str, ...]] = {
    "metric": (
        "fraud losses",
        "fraud loss",
        "approval rate",
        "decline rate",
        "chargebacks",
        "handle time",
        "reassignment rate",
        "resolution time",
        "first response",
        "ticket volume",
        "acceptance rate",
        "edit rate",
        "conversion",
        "churn",
        "retention",
        "bookings",
        "revenue",
        "adoption",
        "sign-ups",
        "waiting times",
        "wait times",
        "response time",
        "checkout abandonment",
        "losses",
        "tickets",
        "queue",
        "deals",
        "sales",
        "orders",
    ),
    "who": (
        "cardholders",
        "cardholder",
        "good customers",
        "honest customers",
        "customers",
        "customer",
        "merchants",
        "shoppers",
        "sellers",
        "small sellers",
        "buyers",
        "patients",
        "nurses",
        "clinicians",
        "doctors",
        "agents",
        "analysts",
        "reps",
        "accounts",
        "users",
        "designers",
        "marketers",
        "leadership",
        "data scientist",
        "engineers",
    ),
    "error": (
        "false declines",
        "false decline",
        "false positives",
        "false positive",
        "false alarms",
        "blocked orders",
        "missed fraud",
        "wrong team",
        "wrong suggestions",
        "mistakes",
        "errors",
        "fraud",
        "risk",
    ),
}

#: Which kind of term each signal's advice starts from, and an example to finish the sentence with when the
#: question has no authored ``strong`` line. ``{term}`` is the candidate's own word.
ADVICE: dict[str, tuple[str, str]] = {
    "user_problem": ("who", "say what goes wrong for {term} today and what it costs them, before the model"),
    "success_metric": (
        "metric",
        "say what level of {term} would count as success and by when, for example a 10% improvement "
        "within a quarter, with a guardrail so nothing else gets worse",
    ),
    "user_outcome": (
        "who",
        "say what {term} can do after launch that they could not before, in one sentence",
    ),
    "business_cost": (
        "error",
        "put a rough price on {term} and on the opposite mistake, so the two can be compared",
    ),
    "tradeoff": ("error", "say how much more of one mistake you would accept to avoid {term}, and why"),
    "experiment": (
        "metric",
        "say how you would isolate the model's effect on {term}, for example a random holdout kept on the "
        "current experience for a few weeks",
    ),
    "monitoring": (
        "metric",
        "say how often you would check {term} after launch and what change would make you act",
    ),
    "failure_mode": (
        "who",
        "name one concrete way this could go wrong for {term} after launch, and what would catch it",
    ),
    "stakeholder_alignment": ("who", "say what {term} want, the goal you share, and what you agreed"),
    "quantified_result": ("metric", "put a number on how {term} changed, even a rough one"),
    "result": ("metric", "close with what changed because of what you did, for example in {term}"),
}
