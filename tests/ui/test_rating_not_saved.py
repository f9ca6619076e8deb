"""A rating the server cannot store is not shown as saved, in real Chromium."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.ui.test_browser import ask, open_chat

pytestmark = pytest.mark.browser


def test_a_thumb_that_could_not_be_saved_is_not_shown_as_saved(make_page, server_factory, built_settings,
                                                                embedder, tmp_path) -> None:
    from qa.assistant import Assistant

    data = tmp_path / "data"
    shutil.copytree(built_settings.data_dir / "index", data / "index")
    (data / "feedback.sqlite3").mkdir()  # nothing can be written where the feedback goes
    settings = built_settings.model_copy(update={"data_dir": data})
    server = server_factory(engine=Assistant(settings, embedder=embedder), data_dir=data)

    page, _log = make_page()
    open_chat(page, f"{server.url}/")
    ask(page, "Is ITP contagious?")
    page.locator("#itp-chat button[aria-label='Like']").last.click()
    note = page.locator("#itp-rating-note")
    deadline = time.monotonic() + 15
    while "could not be saved" not in (note.inner_text() if note.count() else ""):
        if time.monotonic() > deadline:
            pytest.fail("no note that the rating was not saved")
        time.sleep(0.2)
    assert page.locator("#itp-chat button[aria-label='Liked']").count() == 0  # not shown as saved
    assert page.locator("#itp-chat button[aria-label='Like']").count() >= 1  # and can be tried again
