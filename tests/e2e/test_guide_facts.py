"""Every fact of the career guide reaches the user through its command."""

from __future__ import annotations

import pytest

from tests.conftest import Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(4001, "Ann", "ann")
CHAT = SimChat.private(ANN)

FACTS = {
    "/about": [
        "translates patient records",
        "universal code for insurance billing",
        "very diligent",
        "without a degree",
    ],
    "/skills": [
        "Attention to detail",
        "Strong computer skills",
        "Organization skills",
        "electronic records",
    ],
    "/salary": [
        "$50,250",
        "as of May 2024",
        "U.S. Bureau of Labor Statistics",
        "umbrella profession",
        "state to state",
        "hospital systems or private clinics",
        "medical records and health information technicians",
    ],
    "/outlook": [
        "older age groups",
        "heart disease, diabetes",
        "chronic conditions",
        "BLS data in 2024",
        "AI doesn’t completely take on these duties",
    ],
    "/timeline": [
        "18 months to 4.5 years",
        "18 months to two years",
        "community colleges",
        "online",
        "self-paced",
        "high school diploma",
        "bachelor’s degree",
    ],
    "/steps 1": [
        "high school diploma",
        "associate degrees",
        "no formal degree",
        "18 months to two years",
    ],
    "/steps 2": [
        "Certified Coding Associate (CCA)",
        "AHIMA",
        "Certified Billing and Coding Specialist (CBCS)",
        "National Healthcareer Association",
        "job search",
    ],
    "/steps 3": ["records clerk", "health office assistant", "foot in the door", "entry-level"],
    "/steps 4": [
        "Certified Professional Coder (CPC)",
        "Certified Outpatient Coder (COC)",
        "Certified Risk Adjustment Coder (CRC)",
        "Certified Inpatient Coder (CIC)",
        "one to two years",
        "graduate degree",
    ],
    "/certs": ["CCA", "CBCS", "CPC", "COC", "CRC", "CIC", "Preliminary", "Advanced"],
    "/cost": [
        "$3,000",
        "community college or a trade school",
        "as of 2025",
        "U.S. Career Institute",
        "associate degree",
        "much more",
    ],
    "/workplaces": [
        "doctors’ offices, physician practices, surgery centers, and hospitals",
        "high demand",
    ],
    "/faq": [
        "How much does it cost to become a medical coder?",
        "around $3,000",
        "How much do medical coders make a year?",
        "$50,250",
        "Is it hard to get a job as a medical coder?",
        "healthcare administration jobs",
    ],
    "/sources": [
        "https://www.bls.gov/ooh/healthcare/medical-records-and-health-information-"
        "technicians.htm#tab-1",
        "U.S. Career Institute",
        "Career Karma",
    ],
}


@pytest.mark.parametrize("command", list(FACTS))
async def test_command_carries_every_fact_of_its_section(coach: Coach, command: str) -> None:
    reply = await coach.say(CHAT, ANN, command)
    for fact in FACTS[command]:
        assert fact in reply.plain_text, f"{command} lacks {fact!r}"


@pytest.mark.parametrize(
    ("code", "issuer"),
    [
        ("CCA", "AHIMA"),
        ("CBCS", "National Healthcareer Association"),
        ("CPC", "advanced"),
        ("COC", "advanced"),
        ("CRC", "advanced"),
        ("CIC", "advanced"),
    ],
)
async def test_each_certification_has_its_own_page(coach: Coach, code: str, issuer: str) -> None:
    reply = await coach.say(CHAT, ANN, f"/certs {code}")
    assert code in reply.plain_text and issuer in reply.plain_text
