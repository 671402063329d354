"""Accessibility: axe-core (WCAG 2.2 A and AA rules) in a real browser, on every main page of tests/e2e/pages.py,
in English and French, signed in as each role. Any serious or critical violation fails, with the page, the rule
and the elements concerned.
"""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import AXE_SCRIPT, MEMBERS, Page, pages_of, require_tool, seed_site

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

#: Colour contrast is checked on the English pages only. The French page is the same template with the same
#: classes and style sheet, so the colours are the same. The rule costs more than all the others together
#: (12 of 28 s of axe over the walk).
CONTRAST_RULE = "color-contrast"
CONTRAST_CHECKED_IN = "en"

# Runs in the page once axe is injected: the violations, with what a reader of the failure needs.
RUN_AXE = """async ([tags, skipped]) => {
  const rules = Object.fromEntries(skipped.map((rule) => [rule, {enabled: false}]));
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
  return results.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    nodes: rule.nodes.map((node) => ({target: node.target.join(" "), summary: node.failureSummary})),
  }));
}"""


@pytest.fixture(autouse=True)
def _axe_installed():
    require_tool(AXE_SCRIPT)


def sign_in(page, base: str, email: str, ids: dict) -> list[str]:
    """Sign in through the form; the second step's page, when there is one, is checked on the way."""
    page.goto(f"{base}/en/login")
    page.locator("input[name=identifier]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    problems = []
    if page.url.endswith("/login/two-step"):
        problems = [problem for target in pages_of("second_step", ids) for problem in check_page(page, base, target)]
        page.locator("input[name=code]").fill(ids["recovery_code"])
        page.locator("main form [type=submit]").first.click()
    page.wait_for_url(f"{base}/*/dashboard")
    return problems


def check_page(page, base: str, target: Page) -> list[str]:
    """Open the page, run axe in it: a problem per serious or critical rule broken (or when the page is not shown)."""
    response = page.goto(base + target.path)
    if response is None or response.status != 200 or page.url != base + target.path:
        status = response.status if response else "no response"
        return [f"{target.label}: answered {status} at {page.url} instead of showing the page"]
    problems = []
    skipped = [] if target.lang == CONTRAST_CHECKED_IN else [CONTRAST_RULE]
    for rule in page.evaluate(RUN_AXE, [WCAG_TAGS, skipped]):
        if rule["impact"] not in FAILING_IMPACTS:
            continue
        nodes = "\n".join(f"      {node['target']}: {node['summary']}".replace("\n", " ") for node in rule["nodes"])
        problems.append(f"{target.label} [{target.lang}]: {rule['id']} ({rule['impact']}) {rule['help']}\n{nodes}")
    return problems


def test_no_serious_accessibility_violation_on_any_main_page_in_either_language_for_any_role(
    live_server, new_page, make_user
):
    ids = seed_site(live_server.app, make_user)
    problems, checked = [], 0
    for role, (email, _) in MEMBERS.items():
        page = new_page(bypass_csp=True)  # axe is injected as an inline script, which the portal's CSP refuses
        # Into every page the context opens: compiled once, not for each of the ~25 pages (a minute saved).
        page.context.add_init_script(path=str(AXE_SCRIPT))
        if email:
            problems += sign_in(page, live_server.url, email, ids)
        for target in pages_of(role, ids):
            problems += check_page(page, live_server.url, target)
            checked += 1
    assert checked >= 100, "the page table lost its pages"
    assert not problems, f"{len(problems)} accessibility problems on {checked} pages:\n" + "\n".join(problems)
