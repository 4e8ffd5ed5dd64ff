"""Short, unique, readable segment names that never contradict the profile.

A name joins up to three phrases, one per feature whose effect size (see
:mod:`custseg.explain._profile`) is at least medium (|d| >= 0.5). Features a
marketer names first - age, income and spend - lead when their difference is
large (|d| >= 0.8); the rest follow by strength. Known column names get plain
words (``young``/``older``, ``high income``/``low income``, ``big
spenders``/``low spend``, ``lapsed``/``recent buyers``, ``frequent``/``rare
buyers``, ``irregular buyers``, ``large orders``...), a category level always
comes with its column (``contract: month-to-month``, ``no device
protection``), and other columns read ``high <column>``/``low <column>`` with
abbreviations spelled out (``Mnt`` -> ``spend on``, ``Avg`` -> ``average``).
When recency and monetary columns exist, RFM words replace them
(``Champions``, ``Recent, high value``, ``At risk, high value``, ``Lost, low
value``...).

Checks that keep a name honest:

* a phrase's direction agrees with the numbers shown next to it (the segment's
  mean, or its median, is above/below everyone's);
* a value word (big spenders, high value, champions...) needs a money column
  and a segment whose mean value per customer is above the population's and
  above zero - a log of returns only never gives "Big spenders";
* no contradictory pair (lost and new, frequent and rare, high and low of one
  thing) - the weaker phrase is left out;
* at most :data:`MAX_NAME` characters, each column name or level capped and
  cleaned of control and bidi characters.

Duplicate names are told apart with each segment's next strongest difference,
then with the feature on which the look-alike segments differ most - never
with bare numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from custseg.exceptions import ConfigError
from custseg.explain._common import (
    UNASSIGNED,
    clean_text,
    cut_at_word,
    fmt_number,
    fmt_share,
    readable,
    short_label,
    snake,
)
from custseg.explain._profile import SegmentProfiles

MEDIUM, LARGE, SMALL = 0.5, 0.8, 0.2
MAX_PARTS = 3
#: Longest automatic name; each column name or level inside it is capped at MAX_PART.
MAX_NAME = 50
MAX_PART = 28
UNASSIGNED_NAME = "Unassigned"
#: Words that claim a segment is worth more than the average customer.
VALUE_WORDS = ("big spenders", "high value", "champions", "vip", "premium")

# (group, pattern on the snake_case name, phrase when higher, phrase when lower, tier,
#  concept, sign): first match wins, so specific patterns come before general ones.
# A phrase claims (concept, sign) when higher and (concept, -sign) when lower.
_VOCAB = (
    ("age", r"(year_?birth|birth_?year|yob)", "young", "older", 1, "age", -1),
    ("age", r"(^|_)age(_|$)|(^|_)age_?years", "older", "young", 1, "age", 1),
    ("recency", r"(recen|days_since_last|since_last|last_(purchase|order|visit|seen|active)|"
                r"inactiv|churn_days)", "lapsed", "recent buyers", 2, "recency", 1),
    ("irregularity", r"(interpurchase|inter_purchase|between_purchases|purchase_gap).*"
                     r"(cv|var|std|sd)(_|$)", "irregular buyers", "regular buyers", 2,
     "irregularity", 1),
    ("gap", r"(interpurchase|inter_purchase|days_between|between_purchases|purchase_gap)",
     "long gaps between buys", "short gaps between buys", 2, "gap", 1),
    ("order_size", r"((avg|average|mean)_?(order|basket|ticket|transaction|trans)_?"
                   r"(value|size|amount|amt|spend)|(^|_)aov(_|$)|order_value|basket_size)",
     "large orders", "small orders", 2, "order_size", 1),
    ("trend", r"(^|_)trend", "buying more lately", "buying less lately", 2, "trend", 1),
    ("returns", r"(^|_)returns?(_|$)|return_rate", "many returns", "few returns", 2,
     "returns", 1),
    ("activity", r"(^|_)active_?(months|days|weeks)", "active in many months",
     "active in few months", 2, "activity", 1),
    ("online", r"(web|online|session|click|page_?view|digital|internet|visit)",
     "online-heavy", "offline", 2, "online", 1),
    ("frequency", r"(frequen|orders|n_purchases|num_purchases|purchase_count|transactions|"
                  r"(^|_)(trx|txn)|order_count|(^|_)visits|(^|_)(trans|txn|trx)_(ct|cnt|count))",
     "frequent", "rare buyers", 2, "frequency", 1),
    ("deals", r"(deal|discount|coupon|promo)", "deal seekers", "few deals", 2, "deals", 1),
    ("store", r"store", "store shoppers", "rarely in store", 2, "store", 1),
    ("catalog", r"catalog", "catalogue buyers", "rarely by catalogue", 2, "catalog", 1),
    ("monetary", r"(spend|monetary|revenue|sales|amount|(^|_)amt(_|$)|^mnt|^(total_)?purchases$|"
                 r"oneoff_purchases$|installments?_purchases$|customer_value|(^|_)value)",
     "big spenders", "low spend", 1, "value", 1),
    ("income", r"(income|salary|earning|wage)", "high income", "low income", 1, "income", 1),
    ("tenure", r"(tenure|signup|sign_up|joined|customer_since|since|created|first_purchase|"
               r"dt_customer|registration|months_on_book|subscription_length)",
     "long-standing", "new customers", 2, "tenure", 1),
    ("mobile", r"(mobile|(^|_)app(_|$))", "mobile-first", "rarely on mobile", 2, "mobile", 1),
    ("email", r"(email|newsletter|open_rate)", "email-engaged", "ignore e-mails", 2, "email", 1),
    ("kids", r"(kid|child|teen)", "with children", "few children", 2, "kids", 1),
    ("balance", r"(balance|(^|_)bal(_|$))", "high balance", "low balance", 2, "balance", 1),
    ("credit", r"credit_?limit", "high credit limit", "low credit limit", 2, "credit", 1),
    ("latitude", r"(^|_)lat(itude)?(_|$)", "northern", "southern", 3, "latitude", 1),
    ("longitude", r"(^|_)(lon|lng|long|longitude)(_|$)", "eastern", "western", 3,
     "longitude", 1),
)
# A money word in a column that holds a rate, a count or a change is not money.
_NOT_MONEY = re.compile(r"(freq|count|(^|_)(ct|cnt|num|n)(_|$)|share|rate|pct|prc|ratio|chng|"
                        r"change|page|score_rank)")
# Words that say nothing beyond "frequency" in a column such as PURCHASES_FREQUENCY.
_GENERIC = {"frequency", "freq", "frequent", "purchases", "purchase", "orders", "order", "total",
            "num", "number", "of", "count", "ct", "cnt", "n", "buy", "buys",
            "trans", "transaction", "transactions", "trx", "txn", "per", "year", "month",
            "week", "the", "all"}
# Abbreviations in column names, spelled out (jargon never reaches a name).
_PLAIN = {"mnt": "spend on", "num": "number of", "nb": "number of", "avg": "average",
          "amt": "amount", "ct": "count", "cnt": "count", "chng": "change", "prc": "share of",
          "pct": "share of", "perc": "share of", "bal": "balance", "trans": "transaction",
          "trx": "transactions", "txn": "transactions", "qty": "quantity",
          "freq": "frequency", "cv": "variability", "mon": "months", "dt": "date",
          "cmp": "campaign", "yr": "year", "dur": "duration", "cust": "customer",
          "acct": "account", "prod": "product", "cat": "category", "interpurchase":
          "between purchases"}
# Levels that read as a yes/no flag of their column; codes such as 1/2 are not.
# Whole names of the features custseg builds from a log (custseg.features), in words.
_PLAIN_NAMES = {"recency_days": "days since last purchase", "tenure_days": "days as customer",
                "frequency": "number of orders", "monetary": "net value",
                "avg_order_value": "order value",
                "interpurchase_mean_days": "days between purchases",
                "interpurchase_cv": "irregularity of purchases",
                "active_months": "active months", "return_rate_value": "share of value returned",
                "return_rate_count": "share of lines returned",
                "trend_90d": "recent spending trend", "main_country": "main country"}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_RFM = ("recency", "frequency", "monetary")
# Pairs of claims that cannot both hold for one segment, besides the same concept with
# opposite signs: lapsed yet new, long gaps yet frequent, lapsed yet buying more lately.
_CONFLICTS = {(("recency", 1), ("tenure", -1)), (("gap", 1), ("frequency", 1)),
              (("recency", 1), ("trend", 1)), (("irregularity", -1), ("frequency", -1))}


@dataclass
class _Phrase:
    text: str
    group: str
    effect: float
    tier: int
    claims: frozenset = frozenset()


def name_segments(profiles: SegmentProfiles, *, overrides: dict | None = None
                  ) -> dict[int, dict]:
    """Give each segment a short unique ``name`` and a one-sentence ``description``.

    Parameters
    ----------
    profiles : the result of :func:`custseg.explain.profile`.
    overrides : ``{segment: name}`` (the config's ``[names]``); these win.

    Example
    -------
    >>> import pandas as pd
    >>> from custseg.explain import profile
    >>> frame = pd.DataFrame({"age": [22, 24, 23, 25, 60, 62, 61, 63],
    ...                       "income": [20.0, 22, 21, 23, 90, 95, 92, 94]})
    >>> prof = profile(frame, [0, 0, 0, 0, 1, 1, 1, 1], features=["age", "income"])
    >>> {s: v["name"] for s, v in name_segments(prof).items()}
    {0: 'Young, low income', 1: 'Older, high income'}
    >>> name_segments(prof, overrides={"1": "Affluent seniors"})[1]["name"]
    'Affluent seniors'
    """
    fixed = _check_overrides(overrides, profiles.segment_ids)
    ids = [s for s in profiles.segment_ids if s != UNASSIGNED]
    candidates = {s: _candidates(profiles, s) for s in ids}
    parts = {s: _base(candidates[s]) for s in ids}
    taken = {v.lower() for v in fixed.values()} | {UNASSIGNED_NAME.lower()}
    names = _unique(profiles, ids, candidates, parts, taken=taken)
    out = {}
    for s in profiles.segment_ids:
        if s == UNASSIGNED:
            size, share = profiles.sizes[s], profiles.shares[s]
            desc = (f"{size:,} customers ({fmt_share(share)}) that could not be assigned to a "
                    "segment.")
            out[s] = {"name": fixed.get(s, UNASSIGNED_NAME), "description": desc}
            continue
        out[s] = {"name": fixed.get(s, names[s]), "description": _describe(profiles, s)}
    return out


def _check_overrides(overrides, ids) -> dict[int, str]:
    fixed: dict[int, str] = {}
    for key, value in (overrides or {}).items():
        try:
            seg = int(key)
        except (TypeError, ValueError):
            raise ConfigError(f"segment id {key!r} in [names] is not a number",
                              where="config [names]",
                              fix="use segment numbers as keys, e.g. 0 = \"Champions\"") from None
        if seg not in ids:
            raise ConfigError(f"segment {seg} in [names] does not exist", where="config [names]",
                              fix=f"use one of the segment ids: {', '.join(map(str, ids))}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"name for segment {seg} must be non-empty text, got {value!r}",
                              where="config [names]", fix="give a short name in quotes")
        fixed[seg] = value.strip()
    seen: dict[str, int] = {}
    for seg, name in fixed.items():
        if name.lower() in seen:
            first = seen[name.lower()]
            raise ConfigError(f"segments {first} and {seg} are both named {fixed[first]!r}",
                              where="config [names]", fix="give every segment its own name")
        seen[name.lower()] = seg
    return fixed


# ------------------------------------------------------------------ words
def plain(feature: str, limit: int = MAX_PART) -> str:
    """A column name in plain, short words: abbreviations spelled out, capped.

    >>> plain("MntWines"), plain("Avg_Utilization_Ratio"), plain("AcceptedCmp2")
    ('spend on wines', 'average utilization ratio', 'accepted campaign 2')
    >>> plain("Spending Score (1-100)"), plain("Annual Income (k$)")
    ('spending score', 'annual income')
    >>> plain("interpurchase_cv")
    'irregularity of purchases'
    >>> plain("Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon")
    'naive bayes classifier…'
    """
    if snake(feature) in _PLAIN_NAMES:
        return _PLAIN_NAMES[snake(feature)]
    words = []
    # units and ranges in brackets ("Annual Income (k$)", "Score (1-100)") are not words
    bare = re.sub(r"\s*[(\[][^)\]]*[)\]]", " ", clean_text(feature, 4 * limit)).strip()
    for token in readable(bare or feature).split():
        match = re.fullmatch(r"([a-z]+)(\d+)", token)
        if match and match.group(1) in _PLAIN:
            words += [_PLAIN[match.group(1)], match.group(2)]
        else:
            words.append(_PLAIN.get(token, token))
    text = " ".join(words) or clean_text(feature, limit) or "unnamed column"
    return cut_at_word(text, limit)


def _level_phrase(feature: str, level) -> str:
    """A category level with its column: ``no device protection``, ``contract: two year``."""
    col = plain(feature)
    lv = clean_text(level, MAX_PART) or "(blank)"
    if lv.lower() in _YES:
        return f"with {col}"
    if lv.lower() in _NO:
        return f"no {col}"
    return f"{col}: {lv}"


def _agrees(rec: dict, up: bool) -> bool:
    """Does the segment's mean (or median) lie on the side the effect size says?

    Effect sizes of skewed columns use ranks; a name must still agree with the
    numbers the profile shows.
    """
    pairs = ((rec.get("mean"), rec.get("overall_mean")),
             (rec.get("median"), rec.get("overall_median")))
    for mine, everyone in pairs:
        if mine is None or everyone is None or mine != mine or everyone != everyone:
            continue
        if (mine > everyone) if up else (mine < everyone):
            return True
    return False


def value_direction(profiles: SegmentProfiles, s: int) -> int:
    """+1 when the segment's mean value per customer is above everyone's and above
    zero, -1 when it is below everyone's, 0 when there is no money column or no
    clear side. Only +1 allows a value word (big spenders, high value, champions).

    >>> import pandas as pd
    >>> from custseg.explain import profile
    >>> returns = pd.DataFrame({"monetary": [-5.0, -6, -4, -50, -60, -40]})
    >>> prof = profile(returns, [0, 0, 0, 1, 1, 1], features=["monetary"])
    >>> value_direction(prof, 0), value_direction(prof, 1)
    (0, -1)
    """
    mine, everyone = profiles.value_means.get(s), profiles.value_overall
    if mine is None or everyone is None:
        return 0
    if mine > everyone and mine > 0:
        return 1
    if mine < everyone:
        return -1
    return 0


def _phrase_for(profiles: SegmentProfiles, rec: dict) -> _Phrase | None:
    d = float(rec["effect_size"])
    up = d > 0
    feature = rec["feature"]
    key = snake(feature)
    if rec["kind"] == "categorical":
        if not up:
            return None  # "less Paris" says little; the levels that are over-represented do
        return _Phrase(_level_phrase(feature, rec["level"]), f"cat:{feature}", d, 3)
    if not _agrees(rec, up):
        return None
    if rec["kind"] != "binary":
        for group, pattern, high, low, tier, concept, sign in _VOCAB:
            if not re.search(pattern, key):
                continue
            if rec["kind"] == "datetime" and group not in ("tenure", "recency"):
                break
            if group == "monetary":
                if _NOT_MONEY.search(key):
                    break
                return _money_phrase(profiles, rec, d, tier)
            if group == "frequency":
                return _frequency_phrase(feature, key, d, up)
            claim = frozenset({(concept, sign if up else -sign)})
            return _Phrase(high if up else low, group, d, tier, claim)
        share = re.fullmatch(r"(channel_)?share_(.+)", key)
        if share:  # log features: share of the value in a category or channel
            what = cut_at_word(share.group(2).replace("_", " "), MAX_PART)
            if what == "other":  # share_other pools the categories without a column
                what = "other channels" if share.group(1) else "other categories"
            return _Phrase(f"{'more' if up else 'less'} {what}", feature, d, 3,
                           frozenset({(f"col:{feature}", 1 if up else -1)}))
    words = plain(feature)
    claim = frozenset({(f"col:{feature}", 1 if up else -1)})
    if rec["kind"] == "datetime":  # days before the latest date: higher = earlier
        return _Phrase(f"earlier {words}" if up else f"later {words}", feature, d, 3, claim)
    if rec["kind"] == "binary":  # mean = share of customers with the flag
        if rec.get("mean") in (0.0, 1.0):
            return _Phrase(f"{'with' if up else 'no'} {words}", feature, d, 3, claim)
        return _Phrase(f"often {words}" if up else f"rarely {words}", feature, d, 3, claim)
    return _Phrase(f"high {words}" if up else f"low {words}", feature, d, 3, claim)


def _money_phrase(profiles: SegmentProfiles, rec: dict, d: float, tier: int) -> _Phrase | None:
    """'big spenders'/'low spend' only when the segment's value agrees."""
    feature, up = rec["feature"], d > 0
    value = value_direction(profiles, rec["segment"])
    if value == (1 if up else -1):
        return _Phrase("big spenders" if up else "low spend", "monetary", d, tier,
                       frozenset({("value", value)}))
    if feature in profiles.monetary:
        return None  # the value column itself, on the wrong side of zero: no honest word
    # one kind of spending up while total value is not: say what is up, in plain words
    return _Phrase(f"{'high' if up else 'low'} {plain(feature)}", "monetary", d, 3,
                   frozenset({(f"col:{feature}", 1 if up else -1)}))


def _frequency_phrase(feature: str, key: str, d: float, up: bool) -> _Phrase:
    """'frequent'/'rare buyers', or 'frequent cash advance' when the column says of what."""
    rest = [w for w in plain(feature, 4 * MAX_PART).split() if w not in _GENERIC]
    if not rest:
        return _Phrase("frequent" if up else "rare buyers", "frequency", d, 2,
                       frozenset({("frequency", 1 if up else -1)}))
    what = cut_at_word(" ".join(rest), MAX_PART)
    return _Phrase(f"{'frequent' if up else 'rare'} {what}", f"frequency:{key}", d, 3,
                   frozenset({(f"frequency:{key}", 1 if up else -1)}))


def _group(feature: str) -> str | None:
    key = snake(feature)
    return next((g for g, pattern, *_ in _VOCAB if re.search(pattern, key)), None)


def _claims(feature: str, up: bool, money: list[str]) -> frozenset:
    """What 'higher/lower <feature>' says, on the concepts other phrases use."""
    if feature in money:  # the value column itself: a claim about value
        return frozenset({("value", 1 if up else -1)})
    key = snake(feature)
    for group, pattern, _, _, _, concept, sign in _VOCAB:
        if re.search(pattern, key):
            if group == "frequency" and [w for w in plain(feature, 4 * MAX_PART).split()
                                         if w not in _GENERIC]:
                break
            if group == "monetary":
                break  # 'higher spend on wines' says nothing about total value
            return frozenset({(concept, sign if up else -sign)})
    return frozenset({(f"col:{feature}", 1 if up else -1)})


def _conflict(a: frozenset, b: frozenset) -> bool:
    for concept, sign in a:
        if (concept, -sign) in b:
            return True
        for other in b:
            if ((concept, sign), other) in _CONFLICTS or (other, (concept, sign)) in _CONFLICTS:
                return True
    return False


def _compatible(phrase: _Phrase, chosen: list[_Phrase]) -> bool:
    return all(p.group != phrase.group and p.text != phrase.text
               and not _conflict(phrase.claims, p.claims) for p in chosen)


def _candidates(profiles: SegmentProfiles, s: int) -> list[_Phrase]:
    """Phrases of a segment, best first; the first few make the name."""
    phrases: list[_Phrase] = []
    for rec in profiles.top_features(s, None):
        if abs(rec["effect_size"]) < SMALL:
            break
        ph = _phrase_for(profiles, {**rec, "segment": s})
        if ph is None or not _compatible(ph, phrases):
            continue
        phrases.append(ph)
    phrases = _rfm(profiles, s, phrases)

    def key(p: _Phrase):
        # large differences first, the marketer's own words (tiers) first among them
        band = 0 if abs(p.effect) >= LARGE else (1 if abs(p.effect) >= MEDIUM else 2)
        return band, p.tier if band == 0 else 0, -abs(p.effect)

    ordered = sorted(phrases, key=key)
    out: list[_Phrase] = []
    for p in ordered:  # the stronger of two contradicting phrases wins
        if _compatible(p, out):
            out.append(p)
    return out


def _rfm(profiles: SegmentProfiles, s: int, phrases: list[_Phrase]) -> list[_Phrase]:
    """Replace recency/frequency/monetary phrases with RFM wording where it fits.

    Needs a clear recency difference, a money column and a clear value
    difference that agrees with the segment's mean value per customer (above
    everyone's and above zero for "high value").
    """
    by = {p.group: p for p in phrases if p.group in _RFM and abs(p.effect) >= MEDIUM}
    value = by.get("monetary")
    if "recency" not in by or value is None or not value.claims & {("value", 1),
                                                                   ("value", -1)}:
        return phrases
    high = ("value", 1) in value.claims
    recent = by["recency"].effect < 0
    frequent = "frequency" in by and by["frequency"].effect > 0
    has_frequency = any(_group(f) == "frequency" for f in profiles.kinds)
    if recent:
        # Champions buy recently, often and much: with a frequency column, only when
        # the segment is clearly more frequent
        if high and (frequent or not has_frequency):
            label = "Champions"
        else:
            label = "Recent, high value" if high else "Recent, low value"
    else:
        label = "At risk, high value" if high else "Lost, low value"
    claims = {("recency", -1 if recent else 1), ("value", 1 if high else -1)}
    if label == "Champions":
        claims.add(("frequency", 1))
    strength = max(abs(p.effect) for p in by.values())
    used = {"recency", "monetary"} | ({"frequency"} if label == "Champions" else set())
    rest = [p for p in phrases if p.group not in used]
    return [_Phrase(label, "rfm", strength, 0, frozenset(claims)), *rest]


def _base(cands: list[_Phrase]) -> list[_Phrase]:
    strong = [p for p in cands if abs(p.effect) >= MEDIUM]
    return strong[:MAX_PARTS]


def _join(parts: list[_Phrase], n_base: int | None = None) -> str:
    """The name: phrases joined, first letter capital, at most MAX_NAME characters.

    When too long, the weakest base phrases go first (never the leading one,
    never one added to tell look-alike segments apart); a single phrase that is
    still too long is cut at a word.
    """
    if not parts:
        return "Close to average"
    n_base = len(parts) if n_base is None else n_base
    keep = list(parts)
    droppable = list(range(n_base - 1, 0, -1))
    while len(", ".join(p.text for p in keep)) > MAX_NAME and len(keep) > 1:
        if droppable:
            keep.remove(parts[droppable.pop(0)])
        else:
            keep.pop(1 if len(keep) > 2 else 0)
    text = cut_at_word(", ".join(p.text for p in keep), MAX_NAME)
    return text[0].upper() + text[1:]


def _unique(profiles, ids, candidates, parts, taken: set[str]) -> dict[int, str]:
    n_base = {s: len(parts[s]) for s in ids}
    names = {s: _join(parts[s], n_base[s]) for s in ids}
    for _ in range(10):
        groups: dict[str, list[int]] = {}
        for s in ids:
            groups.setdefault(names[s].lower(), []).append(s)
        clashes = [g for key, g in groups.items() if len(g) > 1 or key in taken]
        if not clashes:
            return names
        for group in clashes:
            for s in group:
                extra = [p for p in candidates[s] if p not in parts[s]
                         and _compatible(p, parts[s])]
                if extra:
                    parts[s] = [*parts[s], extra[0]]
                else:  # nothing left: the feature where this look-alike stands out most
                    parts[s] = [*parts[s], _contrast(profiles, s, group, parts[s])]
                names[s] = _join(parts[s], n_base[s])
    # identical profiles: tell them apart by size, still in words
    order = sorted(ids, key=lambda s: -profiles.sizes[s])
    used = set(taken)
    for s in order:
        base = cand = names[s]
        i = 0 if base.lower() in taken else 1  # "main group" when a user's name took it
        while cand.lower() in used:  # checked on the cut text: cutting can make twins
            suffix = f" ({_ORDINAL[i]} group)" if i < len(_ORDINAL) else f" (group {i + 1})"
            cand = cut_at_word(base, MAX_NAME - len(suffix)) + suffix
            i += 1
        used.add(cand.lower())
        names[s] = cand
    return names


_ORDINAL = ("main", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth")


def _contrast(profiles: SegmentProfiles, s: int, group: list[int], used) -> _Phrase:
    """'higher X' / 'lower X' on the feature where ``s`` differs most from its look-alikes."""
    std = profiles.standardised
    others = [o for o in group if o != s] or [o for o in std.index if o != s]
    used_groups = {p.group for p in used}
    if len(std.columns) and others:
        diff = (std.loc[s] - std.loc[others].mean()).dropna()
        for feature in diff.abs().sort_values(ascending=False).index:
            d = float(diff[feature])
            if d == 0:
                break
            group_ = _group(feature) or feature
            if group_ in used_groups or f"contrast:{feature}" in used_groups:
                continue
            text = f"{'higher' if d > 0 else 'lower'} {plain(feature)}"
            phrase = _Phrase(text, f"contrast:{feature}", d, 3,
                             _claims(feature, d > 0, profiles.monetary))
            if _compatible(phrase, list(used)):
                return phrase
    sizes = [profiles.sizes[o] for o in group]
    size = "larger" if profiles.sizes[s] >= max(sizes) else "smaller"
    return _Phrase(f"{size} group", "size", 0.0, 3)


def _describe(profiles: SegmentProfiles, s: int) -> str:
    size, share, value = profiles.sizes[s], profiles.shares[s], profiles.value_shares[s]
    head = f"{size:,} customers ({fmt_share(share)} of all"
    head += f", {fmt_share(value)} of value)" if value is not None else ")"
    bits = []
    for rec in profiles.top_features(s, None):
        if len(bits) == MAX_PARTS or abs(rec["effect_size"]) < SMALL:
            break
        up = rec["effect_size"] > 0
        word = "higher" if up else "lower"
        name = short_label(rec["feature"], 60)
        if rec["kind"] == "categorical":
            how = "more often" if up else "less often"
            bits.append(f"{how} {name} = {clean_text(rec['level'], 40)} "
                        f"({fmt_share(rec['mean'])} vs {fmt_share(rec['overall_mean'])})")
        elif rec["kind"] == "binary":
            if _agrees(rec, up):
                bits.append(f"{word} {readable(name)} ({fmt_share(rec['mean'])} vs "
                            f"{fmt_share(rec['overall_mean'])})")
        elif _agrees({"mean": rec["mean"], "overall_mean": rec["overall_mean"]}, up):
            bits.append(f"{word} {readable(name)} (mean {fmt_number(rec['mean'])} vs "
                        f"{fmt_number(rec['overall_mean'])})")
        elif _agrees({"median": rec.get("median"),
                      "overall_median": rec.get("overall_median")}, up):
            # skewed: a few extreme customers pull the mean the other way
            bits.append(f"{word} {readable(name)} (median {fmt_number(rec['median'])} vs "
                        f"{fmt_number(rec['overall_median'])})")
    if not bits:
        return head + " and close to the average customer on every feature."
    listed = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
    return f"{head}; compared with all customers: {listed}."
