"""The engine's own .npz caches (adapter, triage model, triage vectors): how a damaged one fails."""

from __future__ import annotations

import zipfile

# np.load on a missing or unreadable file raises OSError; on an emptied file EOFError; on one cut
# short zipfile.BadZipFile; a file of the wrong layout ValueError or KeyError. Each cache treats all
# of them the same way: warn, and rebuild or do without it.
READ_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
