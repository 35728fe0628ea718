"""How many synthetic patients this machine can hold: checked before `phm edw generate` does any work."""

from __future__ import annotations

import shutil
from pathlib import Path

from phm.errors import PhmError

# Above this the generated ids approach the EDW's integer keys (about 100 event rows per patient, and
# observation_id is a serial int), and no test or benchmark of this project goes near it.
MAX_PATIENTS = 10_000_000
# phm_edw on disk per generated patient, tables and indexes: 41.3 MB for 3,000 patients (measured with
# `phm edw generate --patients 3000`, PostgreSQL 18), rounded up.
EDW_BYTES_PER_PATIENT = 14_000
# COPY writes the WAL as well as the table, and the first build copies the EDW into staging: room for two EDWs.
DISK_MARGIN = 2.0


def max_patients(data_dir: Path | None) -> tuple[int, str]:
    """The largest population to generate, and why: the hard limit, or the free disk of the data directory."""
    if data_dir is None:
        return MAX_PATIENTS, "the generator's limit"
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    by_disk = int(free / (EDW_BYTES_PER_PATIENT * DISK_MARGIN))
    if by_disk < MAX_PATIENTS:
        return by_disk, f"{free / 1e9:.1f} GB free under {existing}, about {EDW_BYTES_PER_PATIENT * DISK_MARGIN / 1e3:.0f} kB per patient"
    return MAX_PATIENTS, "the generator's limit"


def check_patients(patients: int) -> None:
    """Refuse, in one line and before anything is touched, a population the machine cannot hold."""
    from phm import db

    data_dir = None if db.external_connection() is not None else db.EmbeddedServer().data_dir
    limit, why = max_patients(data_dir)
    if patients > limit:
        raise PhmError(f"--patients {patients:,} is more than this machine can hold: at most {limit:,} ({why}).")
