"""The five seed referentials, by their short number."""
from __future__ import annotations


SEEDS = {
    "000": "000_e6b0dbb14e4d7cfa.txt",  # RNCP, TIIMS 2025 (4 activities, CE1…)
    "001": "001_3a5490b78cda70d2.txt",  # RNCP, TIIMS OpenClassrooms (3 blocs, CE.1…)
    "002": "002_afd6684c357bb455.txt",  # REAC, TSSI / T2SI 2013
    "003": "003_b745eb94bf0e9fd2.txt",  # REAC + RE, TAI 2023
    "004": "004_0fedc1ee0aa597b2.txt",  # RNCP, IGS blocs without codes
}
