"""Packaging for pinode-sr: everything is read from settings.ini (nbdev 2), no pkg_resources."""

from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).parent
config = ConfigParser(delimiters=["="])
config.read(here / "settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]

# settings.ini names the license nbdev-style; setuptools wants an SPDX expression (License :: classifiers are deprecated)
licenses = {"apache2": "Apache-2.0"}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable", "6 - Mature", "7 - Inactive"]
lic = licenses[cfg["license"]]
py_versions = "3.10 3.11 3.12 3.13".split()
min_python = cfg["min_python"]


def _reqs(key):
    return cfg.get(key, "").split()


setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=(here / "README.md").read_text(encoding="utf-8") if (here / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license=lic,
    author=cfg["author"],
    author_email=cfg["author_email"],
    url=cfg["git_url"],
    keywords=cfg["keywords"],
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"])],
        "Intended Audience :: " + cfg["audience"],
        "Natural Language :: " + cfg["language"],
        "Topic :: Scientific/Engineering",
    ]
    + ["Programming Language :: Python :: " + v for v in py_versions[py_versions.index(min_python) :]],
    # pinode_sr/data/ (no __init__.py) holds the Rodas5P tableau: listed as a data package, so setuptools
    # does not warn that an importable folder is missing from `packages`.
    packages=setuptools.find_packages(include=[cfg["lib_path"], cfg["lib_path"] + ".*"]) + [cfg["lib_path"] + ".data"],
    include_package_data=True,
    package_data={cfg["lib_path"] + ".data": ["*.json"]},
    install_requires=_reqs("requirements"),
    extras_require={
        "test": _reqs("test_requirements"),
        "dev": _reqs("dev_requirements"),
        "docs": _reqs("docs_requirements"),
        "bench": _reqs("bench_requirements"),
        "nwb": _reqs("nwb_requirements"),
    },
    python_requires=">=" + min_python,
    zip_safe=False,
    entry_points={"nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
