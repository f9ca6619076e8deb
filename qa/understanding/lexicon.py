"""ITP vocabulary: the entities follow-ups refer back to, and the words that mark a question as on-topic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Entities a follow-up can point at ("how is it given?"), grouped so that "what about X?"
# swaps an entity for another of the same kind. Surface forms map to a canonical name.
ENTITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "medicine": {
        "ibuprofen": ("ibuprofen", "advil", "motrin", "nurofen"),
        "aspirin": ("aspirin",),
        "naproxen": ("naproxen", "aleve"),
        "diclofenac": ("diclofenac", "voltaren"),
        "NSAIDs": ("nsaid", "nsaids", "anti-inflammatory", "anti-inflammatories", "anti inflammatories"),
        "paracetamol": ("paracetamol", "acetaminophen", "tylenol", "calpol", "panadol"),
        "blood thinners": ("blood thinner", "blood thinners", "anticoagulant", "anticoagulants", "warfarin"),
        "fish oil": ("fish oil", "omega 3", "omega-3"),
        "supplements": ("supplement", "supplements", "vitamins", "herbal"),
        "alcohol": ("alcohol", "drinking", "beer", "wine"),
        "quinine": ("quinine", "tonic water"),
    },
    "treatment": {
        "prednisone": ("prednisone", "prednisolone", "pred"),
        "dexamethasone": ("dexamethasone", "dex"),
        "steroids": ("steroid", "steroids", "corticosteroid", "corticosteroids"),
        "IVIG": ("ivig", "ivigg", "immunoglobulin", "immune globulin", "intravenous immunoglobulin"),
        "anti-D": ("anti-d", "anti d", "winrho", "rhophylac"),
        "eltrombopag": ("eltrombopag", "promacta", "revolade", "alvaiz", "eltrombopag olamine"),
        "romiplostim": ("romiplostim", "nplate"),
        "avatrombopag": ("avatrombopag", "doptelet"),
        "TPO receptor agonists": ("tpo receptor agonist", "tpo receptor agonists", "tpo-ra", "tpo-ras", "tpo agonist", "tpo agonists", "tpora"),
        "rituximab": ("rituximab", "rituxan", "mabthera", "truxima"),
        "splenectomy": ("splenectomy", "spleen removal", "remove my spleen", "removing the spleen", "spleen removed", "remove the spleen"),
        "fostamatinib": ("fostamatinib", "tavalisse", "tavlesse"),
        "rilzabrutinib": ("rilzabrutinib", "wayrilz"),
        "azathioprine": ("azathioprine", "imuran"),
        "cyclosporine": ("cyclosporine", "ciclosporin", "neoral", "sandimmune"),
        "danazol": ("danazol",),
        "dapsone": ("dapsone",),
        "mycophenolate": ("mycophenolate", "mycophenolate mofetil", "cellcept", "mmf"),
        "vincristine": ("vincristine", "vinblastine", "vinca alkaloids"),
        "platelet transfusion": ("platelet transfusion", "transfusion", "transfusions"),
        "tranexamic acid": ("tranexamic acid", "txa", "cyklokapron", "lysteda"),
        "watch and wait": ("watch and wait", "watchful waiting", "observation"),
    },
    "topic": {
        "pregnancy": ("pregnancy", "pregnant", "expecting a baby"),
        "children": ("children", "child", "kids", "kid", "toddler"),
        "vaccines": ("vaccine", "vaccines", "vaccination", "vaccinations", "jab", "jabs", "mmr"),
        "surgery": ("surgery", "operation", "procedure"),
        "dental work": ("dentist", "dental", "tooth extraction", "teeth"),
        "sport": ("sport", "sports", "football", "soccer", "rugby", "swimming", "exercise", "gym", "cycling"),
        "travel": ("travel", "flying", "flight", "holiday", "vacation"),
        "heavy periods": ("periods", "period", "menstrual", "menstruation"),
        "fatigue": ("fatigue", "tired", "tiredness", "exhausted"),
        "bone marrow test": ("bone marrow test", "bone marrow biopsy", "marrow biopsy", "bone marrow aspirate"),
        "megakaryocytes": ("megakaryocyte", "megakaryocytes"),
        "spleen": ("spleen",),
        "H. pylori": ("h. pylori", "h pylori", "helicobacter"),
        "hepatitis C": ("hepatitis c", "hep c", "hcv"),
        "HIV": ("hiv",),
        "lupus": ("lupus", "sle"),
        "Evans syndrome": ("evans syndrome", "evans"),
        "petechiae": ("petechiae", "petechia", "red dots", "red spots", "pinpoint spots"),
        "bruising": ("bruise", "bruises", "bruising"),
        "nosebleeds": ("nosebleed", "nosebleeds", "nose bleed", "nose bleeds"),
        "chronic ITP": ("chronic itp", "chronic"),
    },
}

# Words that place a question inside the assistant's remit (ITP and closely related blood health).
DOMAIN_WORDS = frozenset(
    ["itp", "thrombocytopenia", "thrombocytopenic", "platelet", "platelets", "plt", "purpura", "petechiae", "petechia", "bleed", "bleeding", "bleeds", "bled", "blood", "bruise", "bruises", "bruising", "bruised", "hematology", "haematology", "hematologist", "haematologist", "marrow", "spleen", "splenectomy", "megakaryocyte", "megakaryocytes", "autoimmune", "immune", "antibody", "antibodies", "autoantibodies", "clot", "clotting", "nosebleed", "nosebleeds", "count", "counts", "cbc", "fbc", "idiopathic", "evans", "lupus", "gums", "gum", "hemorrhage", "haemorrhage", "tpo", "thrombopoietin", "anemia", "anaemia", "ttp", "hit", "coagulation"]
)


@dataclass(frozen=True)
class Mention:
    """An entity found in text."""

    name: str  # canonical name
    kind: str  # medicine | treatment | topic
    surface: str  # the words as written
    start: int


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One regex for every entity form, longest forms first, and form → (name, kind)."""
    forms: dict[str, tuple[str, str]] = {}
    for kind, names in ENTITIES.items():
        for name, variants in names.items():
            for form in variants:
                forms.setdefault(form.lower(), (name, kind))
    # Longer forms first so "tpo receptor agonists" wins over "agonists" where both start.
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I), forms


def find_mentions(text: str) -> list[Mention]:
    """Entities mentioned in `text`, in order of appearance; of overlapping forms the longest wins."""
    return list(_mentions(text))


@lru_cache(maxsize=16_384)  # the same passage sentences are scanned for many questions
def _mentions(text: str) -> tuple[Mention, ...]:
    pattern, forms = _matcher()
    candidates: list[re.Match[str]] = []  # the longest form starting at each position
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        candidates.append(m)
        pos = m.start() + 1
    candidates.sort(key=lambda m: (m.start() - m.end(), m.start()))
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for m in candidates:
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append((m.start(), m.end()))
        name, kind = forms[m.group(0).lower()]
        found.append(Mention(name, kind, m.group(0), m.start()))
    found.sort(key=lambda m: m.start)
    return tuple(found)


def has_domain_word(text: str) -> bool:
    """Does the text use ITP/blood vocabulary or name a known entity?"""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return bool(words & DOMAIN_WORDS) or any(
        m.kind in ("treatment",) or m.name in ("megakaryocytes", "petechiae", "bruising", "nosebleeds", "spleen", "bone marrow test", "Evans syndrome")
        for m in find_mentions(text)
    )


def named_in(title: str, section: str, text: str) -> set[str]:
    """The names (medicines, treatments, topics) a passage mentions in its title, heading or text."""
    return {m.name for m in find_mentions(f"{title} {section} {text}")}
