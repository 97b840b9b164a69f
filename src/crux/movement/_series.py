"""Landmark time series: where each of the pose model's 33 body landmarks is in each frame
of a video (or a single photograph), in pixels, with how visible it is. This is the seam
between the pose model and the kinematics: the model only fills a Series; everything
measured is computed from one, so it can be tested without the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

# BlazePose's 33 landmarks, in the model's order
LANDMARKS = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
    "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb",
    "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
INDEX = {name: i for i, name in enumerate(LANDMARKS)}


@dataclass(frozen=True)
class Series:
    """Landmarks over frames.

    - ``xy``: shape (frames, 33, 2), pixels, x to the right and y DOWN (image
      coordinates); NaN where the landmark was not found in that frame.
    - ``visibility``: shape (frames, 33), 0..1, the model's confidence that the landmark
      is visible (0 where not found).
    - ``fps``: frames per second of the source (0 for a single still image).
    - ``width``, ``height``: the frame size in pixels.
    - ``people``: shape (frames,), how many people were seen in each frame (the pose model
      follows one; a second person is counted by a separate detector), -1 when not
      checked.
    """

    xy: np.ndarray
    visibility: np.ndarray
    fps: float
    width: int
    height: int
    people: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        frames = self.xy.shape[0]
        if self.xy.shape != (frames, len(LANDMARKS), 2):
            raise ValueError(f"xy must have shape (frames, 33, 2), got {self.xy.shape}")
        if self.visibility.shape != (frames, len(LANDMARKS)):
            raise ValueError(f"visibility must have shape (frames, 33), got "
                             f"{self.visibility.shape}")
        if self.people.shape != (frames,):
            raise ValueError(f"people must have shape (frames,), got {self.people.shape}")

    @property
    def frames(self) -> int:
        return int(self.xy.shape[0])

    @property
    def seconds(self) -> float:
        return self.frames / self.fps if self.fps else 0.0

    def point(self, name: str) -> np.ndarray:
        """(frames, 2) pixel positions of one landmark, NaN where not found."""
        return self.xy[:, INDEX[name], :]

    def seen(self, name: str, threshold: float = 0.5) -> np.ndarray:
        """(frames,) whether the landmark was found and visible enough."""
        i = INDEX[name]
        return (self.visibility[:, i] >= threshold) & ~np.isnan(self.xy[:, i, 0])

    # ------------------------------------------------------------------ wire format

    def to_json(self) -> dict[str, Any]:
        return {
            "fps": self.fps, "width": self.width, "height": self.height,
            "source": self.source, "landmarks": list(LANDMARKS),
            "xy": np.where(np.isnan(self.xy), None, self.xy.round(2)).tolist(),
            "visibility": self.visibility.round(3).tolist(),
            "people": self.people.astype(int).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Series:
        if list(data.get("landmarks", LANDMARKS)) != list(LANDMARKS):
            raise ValueError("the landmarks are not BlazePose's 33, in its order")
        xy = np.array(data["xy"], dtype=float).reshape(-1, len(LANDMARKS), 2)
        return cls(
            xy=xy,
            visibility=np.array(data["visibility"], dtype=float).reshape(-1, len(LANDMARKS)),
            fps=float(data["fps"]), width=int(data["width"]), height=int(data["height"]),
            people=np.array(data["people"], dtype=int).reshape(-1),
            source=str(data.get("source", "")),
        )

    @classmethod
    def loads(cls, text: str) -> Series:
        return cls.from_json(json.loads(text))
