"""The readiness questions and their choices: what Stats NZ asks before a first supply, in our own words.

`ASKED` holds the questions only people can answer; `ID_QUESTION`, `DATES_QUESTION` and `SERVICE_QUESTION`
with their choices are the ones a check answers (core.checking.readiness picks the choice from the figures).
The wording lives here, apart from the code that computes the answers, so it can be read and reviewed in one
place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One answer to a question, with what it means for the organisation and what to do next."""

    id: str
    answer: str
    meaning: str
    next_step: str


@dataclass(frozen=True)
class Question:
    """A question people answer (the data cannot); `choices` empty means a short written answer."""

    id: str
    step: str  # where it sits in Stats NZ's process, in a few words
    text: str
    hint: str
    choices: tuple[Choice, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Finding:
    """A question the data answers: the answer in a sentence, the matching choice, and the figures behind it."""

    id: str
    text: str  # the question
    answer: str  # what the data says, one or two sentences of counts and percentages
    choice: Choice
    figures: dict[str, Any] = field(default_factory=dict)


# ---- The questions people answer ---------------------------------------------------------------------

ASKED: tuple[Question, ...] = (
    Question(
        "sign_up",
        "1. How people are recorded",
        "How do people come to be recorded by you?",
        "For example: everyone who comes in fills in a paper or online form, and staff type it into the "
        "spreadsheet or client system. A few sentences are enough.",
    ),
    Question(
        "id_source",
        "2. What you record about people",
        "Where do the ID numbers come from, and does anyone check them?",
        "For example: the NHI comes from the referral letter and staff look it up before entering it.",
    ),
    Question(
        "dates_source",
        "3. Dates of support",
        "Where and how are the start and end dates recorded?",
        "For example: the start date is filled in when a person is enrolled; staff type the end date when "
        "the case is closed or the person moves on.",
    ),
    Question(
        "services_recorded",
        "4. Services you provide",
        "Do you record which of your services or programmes each person takes part in?",
        "Think of every initiative you run, not only the one in this list.",
        (
            Choice(
                "no",
                "No",
                "That is fine: the IDI still gives useful insights about the people you work with. If you "
                "run more than one service, you may later want to tell them apart.",
                "Think about whether recording it would be worth the extra work, and whether it would suit "
                "the people you support.",
            ),
            Choice(
                "some",
                "Yes, for some of our services",
                "Good: those services can be compared. The others could be recorded too.",
                "Write down which services are recorded, and how.",
            ),
            Choice(
                "all",
                "Yes, for all of our services",
                "Very good: your services can be compared with each other.",
                "Write down briefly how services are recorded.",
            ),
        ),
    ),
    Question(
        "export_tool",
        "Getting the data out",
        "Where does this list come from?",
        "IDI Share reads a spreadsheet or an export file. What matters is who can produce that file each time.",
        (
            Choice(
                "spreadsheet",
                "We keep the list ourselves in a spreadsheet",
                "You can produce the file yourselves each supply period.",
                "Keep the column headings the same from one period to the next, so the saved matches fit.",
            ),
            Choice(
                "own_queries",
                "Our client system lets us write our own queries and export them",
                "You have everything you need to produce the file.",
                "Save the query, so the same export can be run each period.",
            ),
            Choice(
                "predefined_queries",
                "Our client system has ready-made reports we can export",
                "One of those reports, or a few together, may already hold what is needed; if not, the "
                "supplier may need to add one.",
                "Check whether the ready-made reports cover the ID number, names, date of birth, gender and "
                "the service dates.",
            ),
            Choice(
                "vendor",
                "Our client system comes from a supplier and we cannot export from it ourselves",
                "You will need the supplier to make the export for you, or to give you a way to make it.",
                "Ask the supplier; the government agency that funds you may be able to help.",
            ),
            Choice(
                "built_no_capability",
                "We built our own system, but no one can change it any more",
                "You will need a way to get that skill back, or someone who has it.",
                "Look into how this could be done; the government agency that funds you may be able to help.",
            ),
        ),
    ),
    Question(
        "route",
        "How the data travels",
        "Who will send the data to Stats NZ?",
        "The route decides who signs an agreement with whom.",
        (
            Choice(
                "direct",
                "We send it to Stats NZ ourselves",
                "You need a data sharing agreement with Stats NZ.",
                "Stats NZ will go through the agreement, a confidentiality agreement and the data "
                "specification with you.",
            ),
            Choice(
                "vendor",
                "Our system's supplier sends it for us",
                "You still need a data sharing agreement with Stats NZ, and you need to be sure the supplier "
                "sends exactly what you agreed.",
                "Stats NZ will go through the agreement with you; check what the supplier will send.",
            ),
            Choice(
                "intermediary",
                "It goes through another organisation (head office, a data broker, the agency that funds us)",
                "You need a data sharing agreement with Stats NZ, and may also need one with that "
                "organisation.",
                "Talk with the other organisation about an agreement between you.",
            ),
        ),
    ),
)
QUESTIONS = {question.id: question for question in ASKED}

# ---- The questions the data answers ------------------------------------------------------------------

ID_QUESTION = "Do you record an ID number, or name, date of birth and gender, for everyone?"
DATES_QUESTION = "Do you record when each person started with you and when they stopped?"
SERVICE_QUESTION = "Does the list say which service or programme each person is in?"

ID_CHOICES = {
    "agency_id": Choice(
        "agency_id",
        "An ID number (NHI, SWN or IRD) for everyone",
        "Linking is straightforward: Stats NZ links most people by their ID number.",
        "Write down where the ID numbers come from and whether staff check them.",
    ),
    "biographical": Choice(
        "biographical",
        "Name, date of birth and gender for everyone (an ID number for some)",
        "Where there is no ID number, Stats NZ links by name, date of birth and gender, so those need to be "
        "complete and correct.",
        "Fix the rows IDI Share marks, and write down how these details are collected.",
    ),
    "not_everyone": Choice(
        "not_everyone",
        "Not for everyone",
        "People with neither a valid ID number nor a name, date of birth and gender cannot be linked, so "
        "they drop out of what you learn back.",
        "Fill in the missing details in your records, starting with the rows IDI Share marks as "
        "impossible to link. If you collect neither for most people, you will need to start.",
    ),
}
DATES_CHOICES = {
    "yes": Choice(
        "yes",
        "Yes, start and end dates are recorded",
        "Good: with dates, the people you support can be compared with people you did not support, and "
        "the effect of your support can be estimated.",
        "Write down where each date is recorded and who enters it.",
    ),
    "start_only": Choice(
        "start_only",
        "Start dates are recorded; end dates only sometimes",
        "Start dates are what matter most. End dates are usually blank for people still with you, but "
        "if people who left have no end date, their time with you looks longer than it was.",
        "Check that an end date is entered when someone leaves, and write down where both are recorded.",
    ),
    "no": Choice(
        "no",
        "No, or rarely",
        "Without dates, the time each person was supported is unknown, which limits what can be learned.",
        "Think about how you could record when people start and stop.",
    ),
}
SERVICE_CHOICES = {
    "chosen": Choice(
        "chosen",
        "Yes, and it is sent",
        "Your services can be told apart in the results.",
        "Check the service names listed, and write down what each one means.",
    ),
    "found": Choice(
        "found",
        "A column seems to record it, but it is not chosen",
        "Nothing about services is sent unless you choose it. Sending it lets your services be compared.",
        'If you agreed to send it, choose the column as "Service or programme" when matching columns.',
    ),
    "none": Choice(
        "none",
        "No column records it",
        "That is fine: the IDI still gives useful insights without it.",
        "If you run more than one service, think about whether to record which one each person is in.",
    ),
}
