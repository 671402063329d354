"""The privacy dashboard links only to pages the member can open (each "correct this" link follows the role
check of the page it points to), and names as recipients of the profile who the code lets see it."""

import re

import pytest

from app.auth.models import Role
from tests.conftest import shown
from tests.privacy.conftest import sign_in as _sign_in  # noqa: F401 (the fixture)

HREF = re.compile(r'href="(/(?:en|fr)/[^"#]*)"')


def _links(page: str) -> set[str]:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return {link.replace("&amp;", "&") for link in HREF.findall(main)}


@pytest.mark.promise("right-rectification")
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    "roles",
    [
        (Role.CANDIDATE,),
        (Role.INTERVIEWER,),
        (Role.INTERVIEWER, Role.CANDIDATE),
        (Role.SPONSOR_ADMIN,),
        (Role.CLIENT,),
        (Role.TEST_AUTHOR,),
    ],
    ids=lambda roles: "+".join(roles),
)
def test_every_dashboard_link_opens_for_the_member(sign_in, roles, lang):
    member = sign_in(f"{'-'.join(roles)}@example.com", roles=roles)
    page = member.get(f"/{lang}/privacy/dashboard")
    assert page.status_code == 200
    links = _links(page.text)
    assert f"/{lang}/privacy/requests/new" in links  # the page's own links are there
    refused = {link: member.get(link).status_code for link in links}
    assert {link: status for link, status in refused.items() if status >= 400} == {}
    corrections = "/profile" in " ".join(links), "/interviewer-profile" in " ".join(links)
    assert corrections == (Role.CANDIDATE in roles, Role.INTERVIEWER in roles)


@pytest.mark.promise("recipients-interviewers")
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Interviewers you invite for an interview request, and the one who accepts it (the sections you share)"),
        (
            "fr",
            "Les interviewers que vous invitez pour une demande d'entretien, et celui qui l'accepte "
            "(les rubriques que vous partagez)",
        ),
    ],
)
def test_profile_recipients_name_the_invited_interviewers_too(sign_in, lang, expected):
    """An invited interviewer may see the profile before accepting (simulations.services.interviewer_ground,
    tests/simulations/test_flow.py::test_access_rules): the dashboard says so."""
    member = sign_in("candidate@example.com")
    page = shown(member.get(f"/{lang}/privacy/dashboard"))
    card = page.split('id="data-candidate_profile"')[1].split("</article>")[0]
    assert expected in card
    assert "who accepted your interview requests" not in page
