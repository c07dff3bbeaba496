"""A new legislative area and question set as the question set generator builds it."""

from typing import Any

AREA = "DENT"
QUESTION_SET = "DENT-REG"


def new_area_draft(*, german: bool = True) -> dict[str, Any]:
    """A draft of a new area with one set: a section, a yes/no question with help, a date
    question and a document request; English everywhere, German if ``german``."""

    def texts(en: str, de: str) -> dict[str, str]:
        return {"en": en, "de": de} if german else {"en": en}

    return {
        "area": {"code": AREA, "names": texts("Dental hygienists", "Dentalhygieniker")},
        "base_version": None,
        "question_set": {
            "code": QUESTION_SET, "area": AREA, "version": 1,
            "names": texts("Registration of dental hygienists",
                           "Registrierung von Dentalhygienikern"),
            "sections": [{"code": "DENT-S1", "texts": texts("Registration", "Registrierung")}],
            "questions": [
                {"code": "DENT-Q1", "section": "DENT-S1", "answer_type": "yes_no",
                 "texts": texts("Is the person registered with {authority}?",
                                "Ist die Person bei {authority} registriert?"),
                 "help": texts("Registration in the national register.",
                               "Eintragung im nationalen Register."),
                 "answers": [{"code": "DENT-Q1-Y", "texts": texts("Yes", "Ja")},
                             {"code": "DENT-Q1-N", "texts": texts("No", "Nein")}]},
                {"code": "DENT-Q2", "section": "DENT-S1", "answer_type": "date",
                 "texts": texts("Since when is the person registered?",
                                "Seit wann ist die Person registriert?")},
                {"code": "DENT-Q3", "section": "DENT-S1", "answer_type": "document",
                 "texts": texts("Please attach the registration certificate.",
                                "Bitte fügen Sie die Registrierungsbescheinigung bei.")},
            ],
        },
    }
