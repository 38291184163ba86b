"""Dissolved: every query the pages need is in the selectors of the app that owns the model.
Two names stay, for the views of other parts that still import them from here: blocks.py
(`skills_for_business`) and calendar.py (`published_program_by_slug`, which now raises
NotFound, answered as 404 like the None it replaces)."""

from peerarmy.peers.selectors import skills_of_business as skills_for_business
from peerarmy.programs.selectors import get_published_program as published_program_by_slug

__all__ = ["published_program_by_slug", "skills_for_business"]
