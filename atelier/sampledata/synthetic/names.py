"""Words of the synthetic names and addresses, and the names made of them."""

from __future__ import annotations

import random

from atelier.territories.enums import EssFamily

ASSOCIATION_HEADS = [
    "Association",
    "Les Amis de",
    "Collectif",
    "Maison des",
    "Comité",
    "Union",
    "Fédération",
    "Cercle",
    "Compagnie",
    "Atelier",
    "Club",
    "Foyer",
    "Réseau",
    "Centre social",
]
COOP_HEADS = ["SCOP", "SCIC", "Coopérative", "Coop", "CAE", "Société coopérative"]
MUTUAL_HEADS = ["Mutuelle", "Mutuelle solidaire", "Union mutualiste"]
FOUNDATION_HEADS = ["Fondation", "Fonds de dotation"]
OTHER_HEADS = ["Recyclerie", "Ressourcerie", "Épicerie solidaire", "Atelier", "Café", "Garage"]
THINGS = [
    "Jardins",
    "Ateliers",
    "Amis",
    "Habitants",
    "Voisins",
    "Lilas",
    "Tilleuls",
    "Ruches",
    "Saisons",
    "Couleurs",
    "Ponts",
    "Chemins",
    "Quais",
    "Mots",
    "Notes",
    "Toits",
    "Graines",
    "Vélos",
    "Paniers",
    "Fourneaux",
    "Savoirs",
    "Talents",
    "Liens",
    "Racines",
    "Étoiles",
]
TRADES = [
    "Bois",
    "Pierre",
    "Papier",
    "Lumière",
    "Terre",
    "Fil",
    "Pain",
    "Vélo",
    "Numérique",
    "Énergie",
    "Conseil",
    "Bâtiment",
    "Culture",
    "Paysage",
    "Cuisine",
    "Son",
    "Image",
    "Textile",
]
ADJECTIVES = [
    "solidaire",
    "partagé",
    "citoyen",
    "vivant",
    "ouvert",
    "durable",
    "commun",
    "libre",
    "local",
    "coopératif",
    "joyeux",
]
STREETS = [
    ("RUE", "DE LA REPUBLIQUE"),
    ("AV", "JEAN JAURES"),
    ("RUE", "VICTOR HUGO"),
    ("BD", "GAMBETTA"),
    ("RUE", "DES LILAS"),
    ("PL", "DE LA MAIRIE"),
    ("RUE", "PASTEUR"),
    ("AV", "DU GENERAL LECLERC"),
    ("RUE", "DU MOULIN"),
    ("IMP", "DES ROSIERS"),
    ("CHE", "DES VIGNES"),
    ("RUE", "DE LA GARE"),
    ("QUAI", "DU CANAL"),
    ("RUE", "JULES FERRY"),
    ("RUE", "DE L EGLISE"),
    ("ALL", "DES TILLEULS"),
    ("RUE", "LOUISE MICHEL"),
    ("RUE", "DU FAUBOURG"),
    ("CRS", "DE LA LIBERATION"),
    ("RUE", "SIMONE VEIL"),
]


def organisation_name(rng: random.Random, family: str, category: str, town: str) -> tuple[str, str]:
    """A plausible name (and acronym, often '') for an organisation of `family` in `town`."""
    if family == EssFamily.ASSOCIATION:
        head = rng.choice(ASSOCIATION_HEADS)
        form = rng.random()
        if form < 0.4:
            return f"{head} les {rng.choice(THINGS)} de {town}", ""
        if form < 0.7:
            return f"{head} {rng.choice(TRADES)} {rng.choice(ADJECTIVES)}", ""
        acronym = "".join(rng.choice("ABCDEFGHIJLMNOPRSTUV") for _ in range(rng.randint(3, 5)))
        return f"{head} {rng.choice(THINGS).lower()} {rng.choice(ADJECTIVES)} — {town}", acronym
    if family == EssFamily.COOPERATIVE:
        head = "SCIC" if category == "5560" else rng.choice(COOP_HEADS)
        if rng.random() < 0.5:
            return f"{head} {rng.choice(TRADES)} & Compagnie", ""
        return f"{head} {rng.choice(TRADES)} {rng.choice(ADJECTIVES)}", ""
    if family == EssFamily.MUTUAL:
        return f"{rng.choice(MUTUAL_HEADS)} {rng.choice(ADJECTIVES)} de {town}", ""
    if family == EssFamily.FOUNDATION:
        return (
            f"{rng.choice(FOUNDATION_HEADS)} {rng.choice(THINGS)} {rng.choice(ADJECTIVES)}",
            "",
        )
    return (
        f"{rng.choice(OTHER_HEADS)} du {rng.choice(['Canal', 'Marché', 'Port', 'Parc'])}"
        f" {rng.choice(TRADES).lower()}",
        "",
    )
