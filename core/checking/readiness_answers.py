"""The answers people give to the readiness questions, kept in the supply profile under `readiness`.

Only answers that still fit a question (core.checking.readiness_questions) are read back, and an unknown
question or choice is refused before anything is saved. Apart from core.checking.readiness, which answers from
a check: reading and saving the people's answers needs only the profile.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.checking.readiness_questions import QUESTIONS
from core.errors import InputError
from core.profile import SupplyProfile, save_profile

PROFILE_KEY = "readiness"


def saved_answers(profile: SupplyProfile) -> dict[str, str]:
    """The answers kept in the profile, only those that still fit a question (a hand edit is not trusted)."""
    stored = profile.raw.get(PROFILE_KEY)
    answers = stored.get("answers") if isinstance(stored, dict) else None
    if not isinstance(answers, dict):
        return {}
    kept = {}
    for question_id, answer in answers.items():
        question = QUESTIONS.get(question_id)
        if question is None or not isinstance(answer, str):
            continue
        if not question.choices or question.choice(answer) is not None:
            kept[question_id] = answer
    return kept


def record_answers(profile: SupplyProfile, answers: dict[str, str], today: dt.date | None = None) -> None:
    """Put answers into the profile (merged with earlier ones); an unknown question or choice is refused."""
    for question_id, answer in answers.items():
        question = QUESTIONS.get(question_id)
        if question is None:
            raise InputError(
                f'There is no readiness question "{question_id}" (known: {", ".join(QUESTIONS)}).'
            )
        if question.choices and question.choice(answer) is None:
            known = ", ".join(c.id for c in question.choices)
            raise InputError(f'"{answer}" is not an answer to "{question.text}" (choose one of: {known}).')
        if not question.choices and not (isinstance(answer, str) and answer.strip()):
            raise InputError(f'Write a few words to answer "{question.text}", or leave it out.')
    merged = {**saved_answers(profile), **{k: v.strip() for k, v in answers.items()}}
    profile.raw[PROFILE_KEY] = {"answers": merged, "updated": (today or dt.date.today()).isoformat()}


def save_answers(profile: SupplyProfile, answers: dict[str, str], path: Path | None = None) -> None:
    """Record the answers and save the profile where it came from (or to `path`)."""
    record_answers(profile, answers)
    target = path or profile.path
    if target is None:
        raise InputError(
            "The supply settings have not been saved yet, so the answers cannot be saved with them."
        )
    save_profile(profile, target)
