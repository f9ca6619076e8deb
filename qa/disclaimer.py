"""The medical disclaimer, and the one function that attaches it to every reply."""

from __future__ import annotations

DISCLAIMER = (
    "This assistant gives general information from reviewed ITP sources. It is not medical "
    "advice and does not replace your doctor or hematology team. In an emergency, call your "
    "local emergency number."
)


def with_disclaimer(body: str) -> str:
    """Return the user-visible text: `body`, then the disclaimer (the only place it is added).

    A body that already ends with it is returned as it is, so it is never shown twice.
    """
    body = body.rstrip()
    if body.endswith(DISCLAIMER):
        return body
    return f"{body}\n\n{DISCLAIMER}" if body else DISCLAIMER
