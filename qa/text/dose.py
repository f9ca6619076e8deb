"""The one pattern for a stated dose amount ("20 mg", "1 mcg/kg", "5 ml"), shared by every check."""

from __future__ import annotations

import re

DOSE_AMOUNT = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|micrograms?|milligrams?|mg/kg|units?/kg|ml)\b", re.I
)
"""A number with a dose unit. A reply never states one (personal dosing is the care team's)."""
