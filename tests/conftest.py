"""pytest set-up shared by all tests: one torch thread per process, and the notebook flags option."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch

torch.set_num_threads(1)  # two cores, small networks: threads only add contention


def pytest_addoption(parser):
    parser.addoption("--nb-flags", default="", help="space-separated nbdev test flags to run, e.g. 'slow'")


def pytest_configure(config):
    # Reference and run caches go to a scratch folder, never the user's ~/.cache (papermill kernels inherit this).
    import tempfile

    os.environ.setdefault("PINODE_SR_CACHE", tempfile.mkdtemp(prefix="pinode-sr-test-cache-"))
