"""Statistical confidentiality, as official statistics practise it.

Primary secret: a cell built on fewer than 3 organisations (present in it by their head office
or an establishment), or where one organisation holds more than 85 % of the estimated jobs
(central estimate), is shown as "secret". Secondary secret: when exactly one cell of an
additive breakdown (a partition of the territory: family, legal form, NAF section, headcount
band) is secret, a second one — the smallest — is hidden too, so that the first cannot be
recomputed from the total. A theme breakdown is no partition (an organisation may have
several themes), so nothing can be recomputed from it by difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

MIN_ORGANISATIONS = 3
DOMINANCE_SHARE = 0.85
SHARE_TEXT = "85\u00a0%"  # as written in French and English: the rule's threshold

COUNT = "count"
DOMINANCE = "dominance"
SECONDARY = "secondary"

RULES = {
    COUNT: _("moins de 3 organisations dans la case"),
    DOMINANCE: format_lazy(
        _("une organisation y détient plus de {share} des emplois estimés"), share=SHARE_TEXT
    ),
    SECONDARY: _(
        "secret secondaire : masquée pour qu'une autre case secrète ne puisse pas être "
        "recalculée à partir du total"
    ),
}
RULE_EXPLANATION = format_lazy(
    _(
        "Secret statistique : une case est masquée (« secret ») lorsqu'elle repose sur moins de "
        "3 organisations, ou lorsqu'une seule organisation y détient plus de {share} des "
        "emplois estimés ; quand une seule case d'une répartition est masquée, une deuxième "
        "l'est aussi pour qu'elle ne puisse pas être recalculée à partir du total."
    ),
    share=SHARE_TEXT,
)


@dataclass(frozen=True, slots=True)
class Secret:
    """The marker of a value covered by statistical confidentiality."""

    rule: str

    def __str__(self) -> str:
        return "secret"

    @property
    def reason(self) -> str:
        return str(RULES[self.rule])


def primary_secret(contributors: int, jobs_central: float, max_org_jobs: float) -> Secret | None:
    """The primary rule for one cell (None: the cell may be published)."""
    if 0 < contributors < MIN_ORGANISATIONS:
        return Secret(COUNT)
    if jobs_central > 0 and max_org_jobs > DOMINANCE_SHARE * jobs_central:
        return Secret(DOMINANCE)
    return None


def secondary_choice(cells: list[tuple[str, int, float, bool]]) -> str | None:
    """Of the cells (value, contributors, jobs, secret) of an additive breakdown, the value to
    hide as secondary secret: when exactly one is secret, the smallest published one (fewest
    organisations, then fewest jobs, then value); None otherwise."""
    if sum(1 for *_, secret in cells if secret) != 1:
        return None
    published = [(c, j, v) for v, c, j, secret in cells if not secret]
    return min(published)[2] if published else None
