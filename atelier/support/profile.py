"""A project holder's answers to the orientation questionnaire: what every rule reads (page,
`POST /api/v1/orientation`, batch evaluation) and what a case keeps of the holder's project.
No personal data: no name, no contact, nothing that identifies the holder."""

from dataclasses import dataclass, field
from datetime import date

from .enums import LegalForm, Need, Project, Situation, Stage


@dataclass(frozen=True)
class Profile:
    stage: Stage
    project: Project
    commune: str  # INSEE code of the commune or municipal arrondissement (75119 = Paris 19e)
    legal_form: LegalForm = LegalForm.UNDECIDED
    amount: int | None = None  # euros needed; None when not said
    situations: frozenset[Situation] = field(default_factory=frozenset)
    sector: str = ""  # NAF rév. 2 section letter (I = hébergement et restauration), "" unknown
    needs: frozenset[Need] = field(default_factory=frozenset)
    headcount_band: str = ""  # INSEE band of an existing structure, "" when none
    on: date | None = None  # the day the rules are applied on (today when None)
