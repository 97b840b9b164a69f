"""Real photographs of people shipped by the registries, for the movement tests: fetched
at test time into build/test-media/ (never committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "test-media"
BASKETBALL = "./usr/share/doc/opencv-doc/examples/data/basketball1.png"


def camera() -> Path:
    """scikit-image's `camera` (CC0): a man seen from the side."""
    from skimage import data, io

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "camera.png"
    if not path.exists():
        io.imsave(path, data.camera())
    return path


def basketball() -> Path:
    """Debian opencv-doc's basketball1.png: a man standing, facing the camera (another
    person, cut off by the frame, to the right). Fetched with `apt-get download`."""
    path = CACHE / "basketball1.png"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    got = subprocess.run(["apt-get", "download", "opencv-doc"], cwd=CACHE, capture_output=True,
                         text=True, check=False)
    debs = sorted(CACHE.glob("opencv-doc_*.deb"))
    if not debs:
        raise RuntimeError(f"apt-get download opencv-doc failed: {got.stderr[-500:]}")
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs[-1])], capture_output=True,
                         check=True)
    subprocess.run(["tar", "-x", "-C", str(CACHE), BASKETBALL], input=tar.stdout, check=True)
    (CACHE / BASKETBALL).rename(path)
    for deb in debs:
        deb.unlink()
    return path
