"""The vocabulary that links a CV, a job description and the scenarios: AI words, themes, content words.

Fixed word lists, so tailoring is deterministic and explainable: a job description "emphasises
experimentation" because its requirement lines use the experimentation words below, and a scenario
"exercises experimentation" because its questions and rubric do. Nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words that make a CV line about AI or machine learning. "Model" alone is ambiguous (a business model, a
#: pricing model), so it counts only when it is not one of those.
_AI = re.compile(
    r"\b(ai|a\.i\.|ml|machine[- ]learning|deep learning|neural|llms?|large language models?|gpt[\w.-]*|genai|"
    r"gen ai|generative|chatbots?|copilots?|assistants? powered|nlp|natural[- ]language|computer vision|"
    r"speech recognition|ocr|recommend(?:er|ation|ations)|personali[sz]ation|predictive|predictions?|"
    r"classifiers?|classification|ranking|forecasting|embeddings?|rag|retrieval|semantic search|"
    r"fine[- ]tun\w*|transformers?|data scien\w+|anomaly detection|propensity|churn[- ]prediction|"
    r"sentiment|scoring|risk scores?|diffusion|prompt\w*|agents?ic|agents? (?:that|for)|inference|"
    r"training data|labell?ing|precision|recall|auc|f1|models?)\b",
    re.IGNORECASE,
)
_NOT_AI = re.compile(
    r"\b(business|pricing|operating|revenue|data|financial|subscription|freemium|service|delivery|staffing|"
    r"hub[- ]and[- ]spoke|engagement|maturity|role|3d|mental|domain) models?\b|\brole model\b",
    re.IGNORECASE,
)


def is_ai(text: str) -> bool:
    """True when ``text`` is about AI or machine learning."""
    cleaned = _NOT_AI.sub(" ", text)
    return bool(_AI.search(cleaned))


@dataclass(frozen=True)
class Theme:
    """A topic a job description can emphasise and a scenario can exercise."""

    id: str
    label: str
    pattern: re.Pattern[str]


def _theme(id: str, label: str, words: str) -> Theme:
    return Theme(id, label, re.compile(rf"\b({words})", re.IGNORECASE))


THEMES: tuple[Theme, ...] = (
    _theme(
        "experimentation",
        "experimentation",
        r"a/b|ab test|experiment|split test|hypothes[ie]s|test(?:ing)? and learn|causal|holdout|control group",
    ),
    _theme(
        "metrics",
        "metrics and measurement",
        r"metrics?|kpis?|okrs?|measur|analytics|data[- ]driven|dashboards?|north star|success criteria|"
        r"instrument|sql|quantitative",
    ),
    _theme(
        "ml",
        "machine-learning depth",
        r"machine[- ]learning|ml\b|models?\b|model evaluation|evaluation|precision|recall|training data|"
        r"data scien|features? engineering|false positives?|false negatives?|drift|offline metrics|"
        r"classifiers?|ranking|recommend",
    ),
    _theme(
        "genai",
        "generative AI and LLMs",
        r"llms?\b|large language|generat\w*|genai|gen ai|gpt|prompt|rag\b|retrieval[- ]augmented|agents?\b|"
        r"copilot|chatbot|assistant|diffusion|text-to-image|images?\b|foundation models?|fine[- ]tun|hallucinat",
    ),
    _theme(
        "stakeholders",
        "stakeholders and communication",
        r"stakeholders?|executives?|leadership team|c-suite|influenc|communicat|storytell|present|"
        r"non-technical|cross[- ]functional|partner with|alignment|align\w*|sales|go-to-market|gtm|board\b|regulators?",
    ),
    _theme(
        "delivery",
        "roadmap, scope and delivery",
        r"roadmaps?|prioriti[sz]|scope|scoping|deliver|timelines?|deadlines?|ship\w*|launch\w*|execution|"
        r"trade-?offs?|mvp|iterat|backlog|agile|vendors?|build vs\.? buy|build or buy",
    ),
    _theme(
        "leadership",
        "leadership and ownership",
        r"lead\w*|mentor\w*|manag\w* (?:a )?team|people manag|hir(?:e|ing)|coach\w*|ownership|own\b|"
        r"ambiguity|conflict|disagree|influence without authority|accountab",
    ),
    _theme(
        "responsible",
        "responsible AI, risk and safety",
        r"responsible ai|safety|safe\b|fairness|bias|privacy|risks?|complian|regulat|governance|ethic|"
        r"trust|guardrails?|red[- ]team|harm|misuse|explainab",
    ),
    _theme(
        "user",
        "users and product sense",
        r"users?\b|user research|customer (?:needs|problems|research|discovery)|discovery|product sense|"
        r"personas?|jobs to be done|pain points?|user experience|ux\b|onboarding|adoption|retention|churn",
    ),
    _theme(
        "fraud",
        "fraud, payments and risk",
        r"fraud|payments?|chargebacks?|fintech|banking|card|transactions?|trust and safety|anti-money|aml\b|kyc",
    ),
    _theme(
        "health",
        "healthcare",
        r"health\w*|clinic\w*|patients?|medical|hospital|triage|physician|nurs\w+|hipaa|care teams?",
    ),
    _theme(
        "support",
        "customer support",
        r"support tickets?|customer support|customer service|contact cent|help ?desk|tickets?|agents' time|"
        r"handling time|deflection|zendesk",
    ),
)

THEME_BY_ID = {t.id: t for t in THEMES}


def theme_hits(text: str) -> dict[str, int]:
    """How many times each theme's words occur in ``text`` (themes with none are left out)."""
    hits: dict[str, int] = {}
    for theme in THEMES:
        n = len(theme.pattern.findall(text))
        if n:
            hits[theme.id] = n
    return hits


_WORD = re.compile(r"[a-z][a-z0-9+#/-]*[a-z0-9+#]|[a-z]")
_STOP = frozenset(
    """a an the and or but if so of to in on at for with by from as is are was were be been being it its this
    that these those there here what which who whom whose when where why how do does did would could should
    will can may might must you your yours i me my we our us they them their he she his her not no about into
    over under than then also very more most some any each every one two per via across within using used
    use new including include includes etc years year experience experienced ability able strong work worked
    working team teams role company""".split()  # noqa: SIM905 (readable as prose)
)


def stem(word: str) -> str:
    """A crude, deterministic stem so "launched", "launches" and "launch" meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ers", "ies", "ed", "es", "er", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> frozenset[str]:
    """The stemmed content words of ``text``, for relevance between a fact and a question."""
    return frozenset(stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2)
