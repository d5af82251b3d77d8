"""Service packages: a published version as plain files, to share, import and adopt.

core.py        the package in memory: files, service.json, manifest, install as a draft
container.py   the package as a zip: written deterministically, read as an untrusted upload
"""

from designer.services.packages.container import (
    LIMITS,
    Limits,
    PackageRefused,
    from_zip,
    to_zip,
)
from designer.services.packages.core import (
    Package,
    checksum,
    groups_of,
    install_draft,
    map_groups,
    map_settings_groups,
    of_version,
)

__all__ = [
    "LIMITS",
    "Limits",
    "Package",
    "PackageRefused",
    "checksum",
    "from_zip",
    "groups_of",
    "install_draft",
    "map_groups",
    "map_settings_groups",
    "of_version",
    "to_zip",
]
