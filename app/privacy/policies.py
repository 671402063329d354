"""The policy versions the portal ships with. Plain data, so that the migration can insert it too."""

from datetime import date

SHIPPED_VERSIONS = (
    {
        "version": "1.0",
        "effective_date": date(2018, 2, 15),
        "is_material": True,
        "template": "privacy/policies/v1.html",
        "summary_en": "First version: interview simulations.",
        "summary_fr": "Première version : simulations d'entretien.",
    },
    {
        "version": "2.0",
        "effective_date": date(2026, 11, 1),
        "is_material": True,
        "template": "privacy/policies/v2.html",
        "summary_en": (
            "Adds assessment tests: employers ask candidates to take aptitude, personality and skills tests; "
            "results are shared with them for 2 years, e-mailed to the candidate and used, anonymised, "
            "for benchmarks; test authors receive aggregated feedback."
        ),
        "summary_fr": (
            "Ajoute les tests d'évaluation : des employeurs demandent aux candidats de passer des tests "
            "d'aptitude, de personnalité et de compétences ; les résultats leur sont communiqués pendant 2 ans, "
            "envoyés par e-mail au candidat et utilisés, anonymisés, pour des repères ; les auteurs de tests "
            "reçoivent des retours agrégés."
        ),
    },
)
