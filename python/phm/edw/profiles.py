"""Population presets for the synthetic EDW.

`ambulatory`: an adult primary-care panel (18+), US-like age, sex and race mix.
`medicare`: a Medicare Advantage membership as in spec 03 (65+: 65-69 45%, 70-74 35%,
75-79 15%, 80-84 3%, 85+ 2%; female 56%), with mostly Medicare and MA coverage.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    age_bands: tuple[tuple[int, int, float], ...]  # (min age, max age, share)
    female_share: float
    payer_mix: tuple[tuple[str, float], ...]  # payer_type share for the primary coverage of <65s
    senior_payer_mix: tuple[tuple[str, float], ...]  # the same for 65+
    uninsured_share: float


AMBULATORY = Profile(
    name="ambulatory",
    age_bands=((18, 34, 0.22), (35, 49, 0.23), (50, 64, 0.27), (65, 74, 0.16), (75, 94, 0.12)),
    female_share=0.54,
    payer_mix=(("Commercial", 0.74), ("Medicaid", 0.24), ("Medicare", 0.02)),
    senior_payer_mix=(("Medicare", 0.52), ("Medicare Advantage", 0.44), ("Commercial", 0.04)),
    uninsured_share=0.03,
)

MEDICARE = Profile(
    name="medicare",
    age_bands=((65, 69, 0.45), (70, 74, 0.35), (75, 79, 0.15), (80, 84, 0.03), (85, 94, 0.02)),
    female_share=0.56,
    payer_mix=(("Medicare Advantage", 1.0),),
    senior_payer_mix=(("Medicare Advantage", 0.88), ("Medicare", 0.12)),
    uninsured_share=0.0,
)

PROFILES = {p.name: p for p in (AMBULATORY, MEDICARE)}
