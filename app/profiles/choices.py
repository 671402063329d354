"""The vocabularies profiles share with matching: sectors, company types, interview types, modes, levels."""

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class Sector(LabelledEnum):
    CONSULTING = "consulting", _l("Consulting")
    BANKING_FINANCE = "banking_finance", _l("Banking and finance")
    TECHNOLOGY = "technology", _l("Technology")
    INDUSTRY = "industry", _l("Industry and engineering")
    ENERGY = "energy", _l("Energy and environment")
    HEALTHCARE = "healthcare", _l("Health and life sciences")
    CONSUMER_GOODS = "consumer_goods", _l("Retail and consumer goods")
    LUXURY = "luxury", _l("Luxury and fashion")
    MEDIA = "media", _l("Media and communication")
    LEGAL = "legal", _l("Law")
    PUBLIC_SECTOR = "public_sector", _l("Public administration")
    NON_PROFIT = "non_profit", _l("Charities and social economy")


class CompanyType(LabelledEnum):
    STARTUP = "startup", _l("Start-up")
    SME = "sme", _l("Small or medium-sized company")
    LARGE_COMPANY = "large_company", _l("Large company")
    CONSULTING_FIRM = "consulting_firm", _l("Consulting firm")
    BANK_FINANCE = "bank_finance", _l("Bank or financial institution")
    PUBLIC_SECTOR = "public_sector", _l("Public sector")
    NON_PROFIT = "non_profit", _l("Non-profit organisation")


class InterviewType(LabelledEnum):
    CASE = "case", _l("Case interview")
    BEHAVIOURAL = "behavioural", _l("Behavioural / fit interview")
    TECHNICAL = "technical", _l("Technical interview")
    GROUP = "group", _l("Group interview")
    PRESENTATION = "presentation", _l("Presentation")


class Mode(LabelledEnum):
    PHONE = "phone", _l("By phone")
    VIDEO = "video", _l("By video")
    IN_PERSON = "in_person", _l("Face to face")


class LanguageLevel(LabelledEnum):
    A2 = "a2", _l("Basic (A2)")
    B1 = "b1", _l("Intermediate (B1)")
    B2 = "b2", _l("Upper intermediate (B2)")
    C1 = "c1", _l("Advanced (C1)")
    C2 = "c2", _l("Proficient (C2)")
    NATIVE = "native", _l("Native speaker")


class Visibility(LabelledEnum):
    CONNECTIONS = "connections", _l("Interviewers and employers I work with")
    PRIVATE = "private", _l("Only me")


class Section(LabelledEnum):
    """The parts of a candidate profile, each with its own visibility."""

    ABOUT = "about", _l("Headline")
    EDUCATION = "education", _l("Education")
    EXPERIENCE = "experience", _l("Experience")
    SKILLS = "skills", _l("Skills")
    LANGUAGES = "languages", _l("Languages")
    TARGETS = "targets", _l("Goals: sectors, companies and roles")
    PHOTO = "photo", _l("Photo")
    CV = "cv", _l("CV")


#: Languages a member can say they speak (ISO 639-1); their names come from Babel in the page's language.
SPOKEN_LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "nl", "ar", "zh", "ja", "ru", "pl", "tr", "hi", "ko", "sv")


def language_name(code: str, locale) -> str:
    from babel import Locale

    return Locale.parse(str(locale)).languages.get(code, code).capitalize()
