"""The support measure lives in the engine (`qa.text.support`); eval scores with the same one."""

from qa.text.support import *  # noqa: F403
