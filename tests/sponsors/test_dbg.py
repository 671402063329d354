from tests.sponsors.test_import import *
import re
def test_dbg(app, school, make_user):
    member_id = make_user("enrolled@example.com")
    enrol(app, school.public_id, member_id)
    content = HEADER + (
        "good@example.com,Good,Row,,,\n"
        "not-an-email,Bad,Email,,,\n"
        "dup@example.com,First,Copy,,,\n"
        "DUP@example.com,Second,Copy,,,\n"
        "enrolled@example.com,Already,There,,,\n"
        "cohort@example.com,Unknown,Cohort,Nowhere,,\n"
        "formula@example.com,=HYPERLINK(\"x\"),Evil,,,\n"
        "lang@example.com,Bad,Language,,,de\n"
        ",No,Address,,,\n"
        "short@example.com,Too,Few\n"
    )
    t = shown(upload(school, content))
    print(re.findall(r"<p>[^<]*must be[^<]*", t), re.findall(r"<tr><td>(\d+)</td>", t), re.findall(r'class="error">([^<]*)', t))
