"""The vocabularies profiles share with matching: sectors, company types, interview types, modes, levels."""

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class Sector(LabelledEnum):
    CONSULTING = "consulting"
    BANKING_FINANCE = "banking_finance"
    TECHNOLOGY = "technology"
    INDUSTRY = "industry"
    ENERGY = "energy"
    HEALTHCARE = "healthcare"
    CONSUMER_GOODS = "consumer_goods"
    LUXURY = "luxury"
    MEDIA = "media"
    LEGAL = "legal"
    PUBLIC_SECTOR = "public_sector"
    NON_PROFIT = "non_profit"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.CONSULTING: _l("Consulting"),
            cls.BANKING_FINANCE: _l("Banking and finance"),
            cls.TECHNOLOGY: _l("Technology"),
            cls.INDUSTRY: _l("Industry and engineering"),
            cls.ENERGY: _l("Energy and environment"),
            cls.HEALTHCARE: _l("Health and life sciences"),
            cls.CONSUMER_GOODS: _l("Retail and consumer goods"),
            cls.LUXURY: _l("Luxury and fashion"),
            cls.MEDIA: _l("Media and communication"),
            cls.LEGAL: _l("Law"),
            cls.PUBLIC_SECTOR: _l("Public administration"),
            cls.NON_PROFIT: _l("Charities and social economy"),
        }


class CompanyType(LabelledEnum):
    STARTUP = "startup"
    SME = "sme"
    LARGE_COMPANY = "large_company"
    CONSULTING_FIRM = "consulting_firm"
    BANK_FINANCE = "bank_finance"
    PUBLIC_SECTOR = "public_sector"
    NON_PROFIT = "non_profit"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.STARTUP: _l("Start-up"),
            cls.SME: _l("Small or medium-sized company"),
            cls.LARGE_COMPANY: _l("Large company"),
            cls.CONSULTING_FIRM: _l("Consulting firm"),
            cls.BANK_FINANCE: _l("Bank or financial institution"),
            cls.PUBLIC_SECTOR: _l("Public sector"),
            cls.NON_PROFIT: _l("Non-profit organisation"),
        }


class InterviewType(LabelledEnum):
    CASE = "case"
    BEHAVIOURAL = "behavioural"
    TECHNICAL = "technical"
    GROUP = "group"
    PRESENTATION = "presentation"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.CASE: _l("Case interview"),
            cls.BEHAVIOURAL: _l("Behavioural / fit interview"),
            cls.TECHNICAL: _l("Technical interview"),
            cls.GROUP: _l("Group interview"),
            cls.PRESENTATION: _l("Presentation"),
        }


class Mode(LabelledEnum):
    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"

    @classmethod
    def labels(cls) -> dict:
        return {cls.PHONE: _l("By phone"), cls.VIDEO: _l("By video"), cls.IN_PERSON: _l("Face to face")}


class LanguageLevel(LabelledEnum):
    A2 = "a2"
    B1 = "b1"
    B2 = "b2"
    C1 = "c1"
    C2 = "c2"
    NATIVE = "native"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.A2: _l("Basic (A2)"),
            cls.B1: _l("Intermediate (B1)"),
            cls.B2: _l("Upper intermediate (B2)"),
            cls.C1: _l("Advanced (C1)"),
            cls.C2: _l("Proficient (C2)"),
            cls.NATIVE: _l("Native speaker"),
        }


class Visibility(LabelledEnum):
    CONNECTIONS = "connections"
    PRIVATE = "private"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.CONNECTIONS: _l("Interviewers and employers I work with"),
            cls.PRIVATE: _l("Only me"),
        }


class Section(LabelledEnum):
    """The parts of a candidate profile, each with its own visibility."""

    ABOUT = "about"
    EDUCATION = "education"
    EXPERIENCE = "experience"
    SKILLS = "skills"
    LANGUAGES = "languages"
    TARGETS = "targets"
    PHOTO = "photo"
    CV = "cv"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.ABOUT: _l("Headline"),
            cls.EDUCATION: _l("Education"),
            cls.EXPERIENCE: _l("Experience"),
            cls.SKILLS: _l("Skills"),
            cls.LANGUAGES: _l("Languages"),
            cls.TARGETS: _l("Goals: sectors, companies and roles"),
            cls.PHOTO: _l("Photo"),
            cls.CV: _l("CV"),
        }


#: Languages a member can say they speak (ISO 639-1); their names come from Babel in the page's language.
SPOKEN_LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "nl", "ar", "zh", "ja", "ru", "pl", "tr", "hi", "ko", "sv")


def language_name(code: str, locale) -> str:
    from babel import Locale

    return Locale.parse(str(locale)).languages.get(code, code).capitalize()
