"""The directory as both sides see it: controlled lists of competences and authority entries.

Rules this module owns:

- A competence (a profession of the Professional Qualifications area, a service activity of
  the Services area) belongs to exactly one legislative area and has a label in every
  catalogue language (``LANGUAGES``): a reader in any language can name it and find the
  authorities competent for it, whatever language their own texts are in.
- An authority's official name is kept as written, in its own language, and never
  translated; its designation and description are given in as many languages as it provides.
- An authority's competences are grouped by area; an area it has no competence in may still be
  one it works in (``areas``).
"""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from sync_protocol.frozen import Frozen
from sync_protocol.languages import LANGUAGES

CompetenceCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,63}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]

# The 27 EU member states and the three EEA EFTA states (Greece is GR, as in IMI).
EEA_STATES: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
)  # fmt: skip

# ``european``: the Commission, above the member states' own levels.
Level = Literal["national", "regional", "local", "european"]
LEVELS: tuple[str, ...] = ("national", "regional", "local", "european")


class Competence(Frozen):
    """One entry of a controlled list, labelled in every catalogue language."""

    code: CompetenceCode
    area: AreaCode
    labels: dict[str, Label]

    @model_validator(mode="after")
    def _every_language(self) -> "Competence":
        missing = [lang for lang in LANGUAGES if not self.labels.get(lang)]
        if missing:
            raise ValueError(f"competence {self.code}: no label in {', '.join(missing)}")
        return self


class CompetenceList(Frozen):
    """The shipped controlled lists (``sync_server/seed/competences.json``)."""

    format: Literal[1]
    competences: tuple[Competence, ...] = Field(min_length=1)
