"""Graded signals: not only whether an answer shows a signal, but how well, on a ladder of concrete anchors.

A signal the rubric found (``rubric.assess``) starts at level 1, "named". It climbs when the sentences that
showed it, or their neighbours, carry the specifics an interviewer listens for (``specificity.Marker``
kinds: numbers, time windows, baselines and limits, segments, randomised comparisons, first-person actions,
results), and it is held down by the habits interviewers punish ("just retrain" caps a diagnosis at a guess,
cramming caps a scope plan, a hypothetical caps a story). The anchors of every ladder are written out in
docs/rubric.md; the texts below are the same words, used by the debrief ("what the next level needs") and by
the offline coach's follow-ups.

Deterministic: the same verdicts and markers always give the same level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicemock.specificity import Marker, Profile


@dataclass(frozen=True)
class Ladder:
    """A signal's levels. ``anchors[i]`` describes level ``i + 1``; the top level is ``len(anchors)``.

    ``steps[i]`` are the marker kinds that lift a signal from level ``i + 1`` to ``i + 2`` when one of them
    sits in or next to the signal's evidence (within ``window`` sentences). ``caps`` hold a signal at a level
    while an anti-pattern is in the answer. ``probes[i]`` is how an interviewer asks for level ``i + 2``;
    ``{quote}`` is the candidate's own words from the evidence."""

    anchors: tuple[str, ...]
    steps: tuple[tuple[str, ...], ...]
    probes: tuple[str, ...]
    caps: tuple[tuple[str, int], ...] = ()
    window: int = 1
    min_step: tuple[int, ...] = ()
    """How many markers of the step's kinds are needed (default one each)."""

    @property
    def top(self) -> int:
        return len(self.anchors)


_SPECIFIC = ("number", "time_window", "segment", "money", "named", "baseline", "limit")
_DECIDE = ("decision_rule", "limit", "ranked", "baseline")

LADDERS: dict[str, Ladder] = {
    "user_problem": Ladder(
        anchors=(
            "names the user and their pain",
            "makes it specific: which users, when, or why it hurts them",
            "says how often or how much it hurts them (a number, or who is hurt most)",
        ),
        steps=(("segment", "named", "number", "money", "reason", "time_window"), ("number", "money", "ranked")),
        probes=(
            "You said {quote}. Which users exactly, and what goes wrong for them today?",
            "You said {quote}. How many of them, and how much does it cost them?",
        ),
    ),
    "success_metric": Ladder(
        anchors=(
            "names a goal",
            "names a measurable metric with a direction",
            "gives a baseline or a target for it",
            "adds a guardrail with its limit",
        ),
        steps=(("number", "baseline", "limit", "comparison", "direction"), ("baseline", "number"), ("limit",)),
        min_step=(1, 1, 1),
        probes=(
            "You said {quote}. What number would tell us it worked?",
            "You said {quote}. Where is that number today, and where should it be?",
            "You said {quote}. What must not get worse while it moves, and by how much at most?",
        ),
        # Only the metric's own sentences: a cost in the next sentence is not the metric's target.
        window=0,
    ),
    "user_outcome": Ladder(
        anchors=(
            "says the user is better off",
            "says what concretely changes for the user or the business",
            "puts a size on the change",
        ),
        steps=(("segment", "time_window", "reason", "money", "number"), ("number", "money")),
        probes=(
            "You said {quote}. What can the user do afterwards that they could not before?",
            "You said {quote}. Roughly how much better: in minutes, money or people?",
        ),
    ),
    "prioritization": Ladder(
        anchors=(
            "says something must be prioritised",
            "picks what comes first and says why",
            "also says what waits and what would bring it forward",
        ),
        steps=(("reason", "ranked", "segment", "number"), ("scope_cut", "decision_rule", "time_window")),
        caps=(("cramming", 1),),
        probes=(
            "You said {quote}. What exactly comes first, and why that?",
            "You said {quote}. What waits, and what would make you bring it forward?",
        ),
        window=2,
    ),
    "scope_timeline": Ladder(
        anchors=(
            "talks about phases or the timeline",
            "makes a concrete cut: what ships and what is left out",
            "dates the cut and says what check decides the next phase",
        ),
        steps=(("scope_cut",), ("time_window", "decision_rule")),
        caps=(("cramming", 1),),
        probes=(
            "You said {quote}. So what exactly ships on the date, and what is left out?",
            "You said {quote}. By when, and what result decides the next phase?",
        ),
        window=2,
    ),
    "tradeoff": Ladder(
        anchors=(
            "names a trade-off",
            "says what is given up for what, and why that side wins here",
            "puts rough numbers on both sides, or says when the balance would flip",
        ),
        steps=(("reason", "comparison", "money", "number"), ("number", "money", "decision_rule", "limit")),
        min_step=(1, 1),
        probes=(
            "You said {quote}. What do we give up, what do we get, and why is that the right side?",
            "You said {quote}. Roughly how much of each, and what would change your mind?",
        ),
    ),
    "business_cost": Ladder(
        anchors=(
            "says mistakes cost something",
            "says what each kind of mistake costs, and who pays",
            "puts rough numbers on the costs",
        ),
        steps=(("money", "number", "reason", "comparison"), ("money", "number")),
        min_step=(1, 2),
        probes=(
            "You said {quote}. What does each kind of mistake cost, and who pays for it?",
            "You said {quote}. Ballpark: how much, per mistake or per month?",
        ),
    ),
    "experiment": Ladder(
        anchors=(
            "mentions a test or a comparison",
            "isolates the model's effect: a random holdout, randomised assignment or a silent run",
            "says how long or how big, and the decision the result feeds",
        ),
        steps=(("isolation",), ("time_window", "decision_rule", "number")),
        min_step=(1, 2),
        probes=(
            "You said {quote}. How would you know the change came from the model and not from the season?",
            "You said {quote}. For how long, on how many, and what result means we ship?",
        ),
        window=2,
    ),
    "failure_mode": Ladder(
        anchors=(
            "names a risk",
            "names a concrete failure and what catches or limits it",
            "ranks the failures, or says what triggers the fallback",
        ),
        steps=(("segment", "number", "decision_rule", "limit", "checks", "reason"), ("ranked", "decision_rule", "limit")),
        probes=(
            "You said {quote}. When exactly does it go wrong, and what catches it?",
            "You said {quote}. Which failure worries you most, and what triggers the fallback?",
        ),
    ),
    "monitoring": Ladder(
        anchors=(
            "says it will be monitored",
            "says what is watched and how often",
            "says what change triggers which action",
        ),
        steps=(("time_window", "segment", "number"), ("decision_rule", "limit")),
        probes=(
            "You said {quote}. What exactly would you watch, and how often?",
            "You said {quote}. What change would make you act, and what would you do?",
        ),
    ),
    "drift": Ladder(
        anchors=(
            "guesses at drift",
            "says how to check that the inputs or behaviour changed",
            "separates the causes: checks in order, by segment or over time, before choosing a fix",
        ),
        steps=(("checks", "comparison", "time_window", "segment"), ("segment", "ranked", "time_window", "checks")),
        min_step=(1, 2),
        caps=(("retrain_only", 1),),
        probes=(
            "You said {quote}. How would you check that before changing anything?",
            "You said {quote}. What else could explain the drop, and which check tells those causes apart?",
        ),
        window=2,
    ),
    "data_quality": Ladder(
        anchors=(
            "questions the data",
            "says what could be wrong with the labels or the data, and how to check",
            "checks it by segment or over time, and says what a bad result would change",
        ),
        steps=(("checks", "comparison", "time_window", "segment", "reason"), ("segment", "time_window", "decision_rule")),
        caps=(("retrain_only", 1),),
        probes=(
            "You said {quote}. How would you check that, concretely?",
            "You said {quote}. Where would it be worst, and what would you do if it is?",
        ),
    ),
    "leakage": Ladder(
        anchors=(
            "mentions leakage",
            "names the feature or split that could leak the answer",
            "says how to prove or rule it out (a time-based split, a feature check)",
        ),
        steps=(("reason", "comparison", "time_window", "checks"), ("checks", "comparison", "time_window")),
        min_step=(1, 2),
        probes=(
            "You said {quote}. Which input could know the answer before it happens?",
            "You said {quote}. How would you prove it, concretely?",
        ),
    ),
    "overfitting": Ladder(
        anchors=(
            "mentions overfitting",
            "says what comparison would reveal it",
            "says what result would settle it",
        ),
        steps=(("comparison", "time_window", "checks", "reason"), ("decision_rule", "number", "limit")),
        probes=(
            "You said {quote}. What comparison would show it?",
            "You said {quote}. What result would convince you it is real?",
        ),
    ),
    "precision_recall": Ladder(
        anchors=(
            "names precision or recall",
            "says which error matters more here and why",
            "ties the choice to a number: capacity, cost or a cut-off",
        ),
        steps=(("reason", "comparison", "money"), ("number", "money", "limit")),
        probes=(
            "You said {quote}. Which mistake hurts more here, and why?",
            "You said {quote}. What number sets the cut-off: capacity, cost, or something else?",
        ),
    ),
    "latency": Ladder(
        anchors=(
            "mentions speed",
            "names a latency budget or what the user feels when it is missed",
            "measures where the time goes, or says what is traded for it",
        ),
        steps=(("number", "reason", "comparison"), ("checks", "comparison", "money", "decision_rule")),
        probes=(
            "You said {quote}. How fast does it need to be, and what happens if it is slower?",
            "You said {quote}. Where does the time go, and what would you give up for speed?",
        ),
    ),
    "build_vs_buy": Ladder(
        anchors=(
            "mentions buying or building",
            "decides between them on cost, speed or risk",
            "says what would make you switch",
        ),
        steps=(("reason", "comparison", "money", "number", "time_window"), ("decision_rule", "limit")),
        probes=(
            "You said {quote}. Which would you pick, and on what grounds?",
            "You said {quote}. What would make you switch later?",
        ),
    ),
    "ethics": Ladder(
        anchors=(
            "mentions fairness, privacy or harm",
            "names who could be harmed and a safeguard",
            "says how it is checked (by group) and what would stop a launch",
        ),
        steps=(("segment", "reason", "named", "comparison"), ("decision_rule", "limit", "checks", "segment")),
        probes=(
            "You said {quote}. Who exactly could be harmed, and what protects them?",
            "You said {quote}. How would you check that, and what result would stop the launch?",
        ),
    ),
    "stakeholder_alignment": Ladder(
        anchors=(
            "talks about aligning people",
            "says what the other side wants and the goal you share",
            "lands a concrete agreement or next step: who does what, by when",
        ),
        steps=(("reason", "named", "comparison", "segment", "money"), ("time_window", "decision_rule", "number")),
        probes=(
            "You said {quote}. What do they actually want, and where do you agree?",
            "You said {quote}. What exactly would you agree with them, and by when?",
        ),
        window=2,
    ),
    "situation": Ladder(
        anchors=(
            "describes what usually happens",
            "sets one real scene: where, when, who",
            "says what was at stake, with a number",
        ),
        steps=(("story_anchor", "named"), ("number", "money", "time_window")),
        caps=(("hypothetical", 1),),
        probes=(
            "You said {quote}. Can you take me to one specific time it happened?",
            "You said {quote}. What was at stake, concretely?",
        ),
        window=2,
    ),
    "action": Ladder(
        anchors=(
            "says what the team did or would do",
            "says what you did, in the first person",
            "gives several specific things you did yourself",
        ),
        steps=(("i_action",), ("i_action",)),
        min_step=(1, 3),
        caps=(("hypothetical", 1),),
        probes=(
            "You said {quote}. What did you yourself do?",
            "You said {quote}. Walk me through exactly what you did, step by step.",
        ),
        window=3,
    ),
    "result": Ladder(
        anchors=(
            "says it worked out",
            "says what concretely changed because of it",
            "puts a number on the outcome",
        ),
        steps=(("result", "number", "time_window", "named"), ("number", "money")),
        probes=(
            "You said {quote}. What concretely changed because of what you did?",
            "You said {quote}. By how much?",
        ),
        window=2,
    ),
    "quantified_result": Ladder(
        anchors=(
            "gives a number",
            "the number measures the outcome",
            "with a comparison or a time frame",
        ),
        steps=(("result",), ("baseline", "time_window", "comparison")),
        probes=(
            "You said {quote}. What did that number measure, the outcome itself?",
            "You said {quote}. Compared with what, and over what time?",
        ),
        window=2,
    ),
    "personal_ownership": Ladder(
        anchors=(
            "says 'I', but not for what you did",
            "says what you did, in the first person",
            "owns several specific actions, or names your own call or mistake",
        ),
        steps=(("i_action",), ("i_action",)),
        min_step=(1, 3),
        caps=(("blame", 1),),
        probes=(
            "You said {quote}. Which part of that was yours?",
            "You said {quote}. Which decision was yours, and would you make it again?",
        ),
        window=10,
    ),
    "learning": Ladder(
        anchors=(
            "names a general lesson",
            "says what you learned from this case specifically",
            "says what you now do differently",
        ),
        steps=(("i_action", "named", "reason", "segment", "number"), ("learning",)),
        min_step=(1, 2),
        probes=(
            "You said {quote}. What did this case teach you that you didn't know before?",
            "You said {quote}. What do you do differently now?",
        ),
    ),
    "motivation": Ladder(
        anchors=(
            "says the role is exciting",
            "gives a specific reason for wanting it",
            "ties the reason to something you did",
        ),
        steps=(("reason", "named", "segment", "number"), ("i_action", "result")),
        probes=(
            "You said {quote}. Why this role specifically?",
            "You said {quote}. What have you done that makes you want it?",
        ),
        window=2,
    ),
    "impact_story": Ladder(
        anchors=(
            "says something shipped",
            "says what it moved, with a number",
            "says what you did to get there",
        ),
        steps=(("number", "result"), ("i_action",)),
        probes=(
            "You said {quote}. What did it move, and by how much?",
            "You said {quote}. What was your part in getting there?",
        ),
        window=3,
    ),
    "structure": Ladder(
        anchors=(
            "some order, but few signposts",
            "signposts the parts so the listener can follow",
            "leads with the answer, then takes the parts in turn",
        ),
        steps=((), ()),
        probes=(
            "Give me the short version first: what's your answer, in one sentence?",
            "Give me the short version first: what's your answer, in one sentence?",
        ),
    ),
    "plain_language": Ladder(
        anchors=(
            "several technical terms this listener will not follow",
            "one or two technical terms; the rest is plain",
            "plain words throughout, or every term translated",
        ),
        steps=((), ()),
        probes=("", ""),
    ),
}

#: Any signal without its own ladder (a scenario's own signal): named, specific, decided.
GENERIC = Ladder(
    anchors=("names it", "makes it specific: a number, a group, a time", "ties it to a decision"),
    steps=(_SPECIFIC, _DECIDE),
    probes=("You said {quote}. Can you make that specific?", "You said {quote}. What would you decide on it?"),
)


def ladder(signal_id: str) -> Ladder:
    return LADDERS.get(signal_id, GENERIC)


@dataclass(frozen=True)
class Level:
    """A signal's graded verdict: ``level`` of ``top`` (0: not shown), the anchor reached, what the next
    level needs, and the markers that lifted it (each quoting its sentence)."""

    level: int
    top: int
    anchor: str
    next: str
    lifted_by: tuple[Marker, ...] = ()
    held_by: tuple[Marker, ...] = ()
    """Anti-pattern markers that capped the level."""


def _near(profile: Profile, evidence: Sequence[str], window: int) -> list[tuple[str, str]]:
    """The kept sentences within ``window`` of an evidence sentence."""
    kept = list(profile.kept)
    index = {s: i for i, (_pid, s) in enumerate(kept)}
    hit = sorted({index[e] for e in evidence if e in index})
    out: list[tuple[str, str]] = []
    for i in range(len(kept)):
        if any(abs(i - h) <= window for h in hit):
            out.append(kept[i])
    return out


def grade_signal(signal_id: str, shown: bool, evidence: Sequence[str], profile: Profile) -> Level:
    """The level of one signal the rubric judged ``shown`` (or not) with ``evidence`` sentences."""
    lad = ladder(signal_id)
    if not shown:
        return Level(0, lad.top, "not shown", lad.anchors[0])
    near = {s for _pid, s in _near(profile, evidence, lad.window)}
    level = 1
    lifted: list[Marker] = []
    for i, kinds in enumerate(lad.steps):
        need = lad.min_step[i] if i < len(lad.min_step) else 1
        found = [m for m in profile.markers if m.kind in kinds and m.sentence in near and m not in lifted]
        if len(found) < need:
            break
        level += 1
        lifted += found[:need]
    held: list[Marker] = []
    for kind, cap in lad.caps:
        present = [m for m in profile.markers if m.kind == kind]
        if present and level > cap and _cap_applies(kind, profile):
            level = cap
            held = present[:2]
    level = min(level, lad.top)
    nxt = lad.anchors[level] if level < lad.top else ""
    return Level(level, lad.top, lad.anchors[level - 1], nxt, tuple(lifted), tuple(held))


def plain_level(level: int) -> Level:
    """Plain language's level, from the jargon density (``jargon.JargonUse.level``; 0 when jargon dominates
    or the answer did not address the question)."""
    lad = LADDERS["plain_language"]
    if level <= 0:
        return Level(0, lad.top, "jargon dominates for this listener", lad.anchors[0])
    nxt = lad.anchors[level] if level < lad.top else ""
    return Level(level, lad.top, lad.anchors[level - 1], nxt)


def structure_level(shown: bool, profile: Profile) -> Level:
    """Structure's level: signposts counted over the whole answer; the top level also needs the first
    sentence to carry one ("Three things, and the first is the one that matters: ...")."""
    lad = LADDERS["structure"]
    if not shown:
        return Level(0, lad.top, "not shown", lad.anchors[0])
    posts = profile.sentences_with("signpost")
    level = 1
    if len(posts) >= 2:
        level = 2
        first = profile.kept[0][1] if profile.kept else ""
        if any(m.sentence == first for m in posts):
            level = 3
    nxt = lad.anchors[level] if level < lad.top else ""
    return Level(level, lad.top, lad.anchors[level - 1], nxt, tuple(posts[:3]))


def _cap_applies(kind: str, profile: Profile) -> bool:
    """A hypothetical caps a story only when it outweighs the first-person past; blame and "just retrain"
    always cap; cramming caps when the answer cuts nothing."""
    if kind == "hypothetical":
        return profile.count("hypothetical") > profile.count("i_action") + profile.count("story_anchor")
    if kind == "cramming":
        return profile.count("scope_cut") == 0
    return True


def probe(signal_id: str, level: Level) -> str | None:
    """The question an interviewer asks to reach the next level, with ``{quote}`` still to fill; None at
    the top or for an unshown signal (the scenario's authored follow-up asks for it)."""
    lad = ladder(signal_id)
    if level.level == 0 or level.level >= lad.top:
        return None
    text = lad.probes[min(level.level - 1, len(lad.probes) - 1)]
    return text or None
