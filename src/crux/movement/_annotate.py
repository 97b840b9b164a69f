"""Key frames drawn for a person to check: the skeleton the pose model saw, and for each
measure taken in that frame the lines it was measured between and its value. Pillow draws
on the frames the pose worker hands back."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from crux.movement._kinematics import near_side
from crux.movement._series import INDEX, Series

BONES = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"), ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
    ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder"),
)
# the landmarks each measure is taken between, drawn thicker, by side
USED = {
    "craniovertebral_angle_deg": ("{s}_ear", "{s}_shoulder"),
    "hip_extension_toe_off_deg": ("{s}_shoulder", "{s}_hip", "{s}_knee"),
    "overstride_deg": ("{s}_knee", "{s}_ankle"),
    "pelvic_drop_deg": ("left_hip", "right_hip"),
    "knee_valgus_fppa_deg": ("{s}_hip", "{s}_knee", "{s}_ankle"),
}


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _at(series: Series, frame: int, name: str) -> tuple[float, float] | None:
    x, y = series.xy[frame, INDEX[name]]
    if np.isnan(x) or series.visibility[frame, INDEX[name]] < 0.3:
        return None
    return float(x), float(y)


def draw(image_path: Path, series: Series, frame: int,
         shown: Iterable[tuple[str, str | None, str]], out: Path) -> Path:
    """The frame with the skeleton, and each (measure id, side, label) drawn."""
    image = Image.open(image_path).convert("RGB")
    pen = ImageDraw.Draw(image)
    scale = max(image.width, image.height) / 640
    width = max(2, round(2 * scale))
    for a, b in BONES:
        pa, pb = _at(series, frame, a), _at(series, frame, b)
        if pa and pb:
            pen.line([pa, pb], fill=(255, 255, 255), width=width + 2)
            pen.line([pa, pb], fill=(40, 200, 120), width=width)
    for name in INDEX:
        p = _at(series, frame, name)
        if p and not name.startswith(("left_eye", "right_eye", "mouth")):
            r = 2.5 * scale
            pen.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=(255, 200, 0))
    font = _font(max(12, round(14 * scale)))
    y_text = 8 * scale
    near = near_side(series)
    for measure, side, label in shown:
        names = [n.format(s=side or near) for n in USED.get(measure, ())]
        points = [p for p in (_at(series, frame, n) for n in names) if p]
        if len(points) >= 2:
            pen.line(points, fill=(255, 60, 60), width=width + 2)
        pen.text((8 * scale, y_text), label, fill=(255, 255, 255), font=font,
                 stroke_width=3, stroke_fill=(0, 0, 0))
        y_text += font.size * 1.35 if hasattr(font, "size") else 18
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    return out
