r"""The PRX Supplemental movies: the collinear N_e = 8 run animated, for J_sd = 0.5γ and 2.0γ.

The PRX Fig. 4 caption points to tDMRG movies in its Supplemental Material [18]: the pulse of N_e spin-↑ electrons
leaving the well and crossing the FM region whose localized spins point along −z. Each movie here
animates one run record of the PRX chain (the collinear run with the largest electron number of
:mod:`paper_figs._prx`, at the movie's J_sd) frame by frame, one frame per output time:

(a) the charge density ⟨n_i⟩ along the chain (PRX Eq. 10), the FM region shaded;
(b) the spin-z density ⟨s^z_i⟩ of the electrons along the chain (PRX Eq. 10);
(c) the localized spins: S^z_i = ⟨σ^z_i⟩ of each of them (PRX Eq. 11) in front of its purity |S_i|
    (gray, as the gray background of PRX Fig. 4: 1 for a pure spin state, 0 for a maximally
    entangled one). In the collinear setup S^x_i = S^y_i = 0 (S^z conservation, PRX Eq. 9), so
    |S_i| = |S^z_i| and a spin that reverses passes through zero length — the reversal without
    rotation of PRX Sec. IV, "strikingly inhomogeneous" at J_sd = 0.5 and more complete at 2.0.

``full`` is the paper's chain (N = 75, TEBD with :data:`verify.tebd.PAPER_TEBD`, t ≤ 40, δt_out = 0.2);
at J_sd = 0.5 it is the run of PRX Fig. 3 (one cache entry serves both). ``quick`` is the reduced
chain of the quick figures (N = 20, N_e = 4, exact evolver, t ≤ 14): its title says so, and frames
after :func:`paper_figs._prx.reflection_time` say that the reflected pulse is back in the FM region.

:func:`make_movie` writes NAME.gif (Pillow, always), NAME.mp4 (only when matplotlib finds ffmpeg),
NAME.png and NAME.pdf (the frame of the largest reversal of the first localized spin, as a still),
NAME.npz (every frame's data) and NAME.json (parameters, run provenance, wall times, writers).
``python -m paper_figs movie NAME`` is its command line.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.ticker import MaxNLocator

from paper_figs import _prx
from paper_figs.cache import run_cache
from paper_figs.registry import MOVIES
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels, style_context
from paper_figs.sweep import RunSpec, run_records
from paper_figs.variants import size_note
from verify.records import atomic_write_bytes, json_default, package_version

__all__ = ["FRAMES_PER_SECOND", "MOVIE_DPI", "MOVIE_SIZES", "MovieFrames", "atomic_path", "ffmpeg_path", "make_movie",
           "movie_data", "movie_params", "movie_spec", "write_gif", "write_mp4"]


MOVIE_SIZES: tuple[str, ...] = ("full", "quick", "tiny")
"""Sizes of :data:`paper_figs._prx.SIZES` a movie can be made at."""

FRAMES_PER_SECOND: int = 10
"""Playback rate: 10 frames (2 ħ/γ at δt_out = 0.2) per second."""

MOVIE_DPI: float = 110.0
"""Resolution of the movie frames (770 × 506 pixels for the 7 × 4.6 inch figure)."""


def movie_params(name: str, size: str = "quick") -> dict[str, Any]:
    """Parameters of movie ``name`` at ``size``: the PRX figure parameters of the size with the movie's J_sd.

    Raises
    ------
    ValueError
        For an unknown movie or size.
    """
    if name not in MOVIES:
        raise ValueError(f"unknown movie {name!r}: use one of {sorted(MOVIES)}")
    if size not in MOVIE_SIZES:
        raise ValueError(f"unknown size {size!r}: use one of {list(MOVIE_SIZES)}")
    params = dict(_prx.SIZES[size])
    params["model"] = {**params["model"], "j_sd": MOVIES[name]}
    params["n_e"] = _prx.n_e_roles(params)["large"]
    params["fps"] = FRAMES_PER_SECOND
    return params


def movie_spec(params: dict[str, Any]) -> RunSpec:
    """The run a movie animates: collinear, ``params['n_e']`` electrons (:func:`paper_figs._prx.spec`)."""
    return _prx.spec(params, params["n_e"], "z")


def movie_data(params: dict[str, Any], executor: Executor | None = None) -> tuple[dict[str, np.ndarray], Any]:
    """Every frame's data and the run record (from the active run cache, else computed).

    Returns
    -------
    arrays : dict of ndarray
        ``t`` (n_t,), ``site`` (N,), ``density`` and ``spin_density_z`` (n_t, N), ``spin_z`` and
        ``spin_purity`` (n_t, N_FM) of the localized spins, ``fm_sites`` (first, last, 1-based),
        ``t_reflection``.
    record : verify.records.RunResult
    """
    (record,) = run_records([movie_spec(params)], executor)
    arrays = {
        "t": record.arrays["t"],
        "site": np.arange(1, record.arrays["density"].shape[1] + 1),
        "density": record.arrays["density"],
        "spin_density_z": record.arrays["spin_density_z"],
        "spin_z": record.arrays["spin"][..., 2],
        "spin_purity": record.arrays["spin_purity"],
        "fm_sites": np.array(_prx.fm_sites(params)),
        "t_reflection": np.array(_prx.reflection_time(params)),
    }
    return arrays, record


def ffmpeg_path() -> str | None:
    """The ffmpeg executable (matplotlib's ``animation.ffmpeg_path``, looked up on PATH), or None."""
    return shutil.which(str(matplotlib.rcParams["animation.ffmpeg_path"]))


def write_gif(path: Path, frames: Iterable[np.ndarray], fps: int) -> None:
    """An animated GIF of RGB frames (uint8, H × W × 3) through Pillow, each frame quantized on its own."""
    from PIL import Image

    images = (Image.fromarray(frame).quantize(colors=255, method=Image.Quantize.MEDIANCUT) for frame in frames)
    first = next(images)
    with atomic_path(path) as tmp:
        first.save(tmp, format="GIF", save_all=True, append_images=images, duration=round(1000 / fps), loop=0)


def write_mp4(path: Path, frames: Iterable[np.ndarray], fps: int, ffmpeg: str) -> None:
    """An MP4 of RGB frames piped into ``ffmpeg`` with its default MP4 encoder (H.264 where ffmpeg has
    libx264), pixel format yuv420p (every player) and even width and height.

    Raises
    ------
    RuntimeError
        When ffmpeg fails (its exit status and message); no file is left behind.
    """
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with atomic_path(path) as tmp:
        command = [ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                   "-r", str(fps), "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
                   "-f", "mp4", str(tmp)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for frame in itertools.chain([first], frames):
                process.stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: its exit status and message below say why
        finally:
            _, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"ffmpeg failed ({process.returncode}): {err.decode(errors='replace').strip()}")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to, renamed onto ``path`` only when the block succeeds."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class MovieFrames:
    """The figure of a movie and the artists each frame updates (module docstring: panels (a)–(c)).

    Parameters
    ----------
    data : dict of ndarray
        The frames' data (:func:`movie_data`).
    title : str
        First line of every frame's title (the time is appended).
    note : str or None
        Second line (the reduced-size note), if any.
    """

    def __init__(self, data: dict[str, np.ndarray], title: str, note: str | None) -> None:
        self.data, self.title = data, title
        self.fig, axes = figure(DOUBLE_COLUMN, 4.6, nrows=3)
        site, (first, last) = data["site"], (int(v) for v in data["fm_sites"])
        spin_scale = float(np.max(np.abs(data["spin_density_z"]))) or 1.0
        panels = [(axes[0], data["density"], (0.0, 1.05 * (float(np.max(data["density"])) or 1.0)),
                   r"$\langle n_i\rangle$", PALETTE["electrons"]),
                  (axes[1], data["spin_density_z"], (-1.05 * spin_scale, 1.05 * spin_scale),
                   r"$\langle s^z_i\rangle$", PALETTE["z"])]
        self.lines = []
        for ax, _values, ylim, ylabel, color in panels:
            ax.axvspan(first - 0.5, last + 0.5, color=PALETTE["fm-region"], alpha=0.15, lw=0)
            (line,) = ax.plot(site, _values[0], "-o", color=color, ms=2.0, lw=1.0)
            self.lines.append(line)
            ax.set_xlim(site[0] - 0.5, site[-1] + 0.5)
            ax.set_ylim(*ylim)
            ax.set_ylabel(ylabel)
            ax.set_xlabel(r"site $i$")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        spins = np.arange(1, data["spin_z"].shape[1] + 1)
        width = 0.38
        ax = axes[2]
        self.purity_bars = ax.bar(spins, data["spin_purity"][0], 2 * width, color=PALETTE["purity"])
        self.spin_bars = ax.bar(spins, data["spin_z"][0], width, color=PALETTE["spins"])
        ax.axhline(0.0, color="0.3", lw=0.6)
        ax.set_xlim(0.4, spins[-1] + 0.6)
        ax.set_ylim(-1.05, 1.05)
        ax.set_xticks(spins, [str(first + k) for k in range(spins.size)])
        ax.set_xlabel(r"localized spin at site $i$")
        label_panels(axes, ["charge density (FM region shaded green)", "spin-$z$ density of the electrons",
                            r"localized spins: $S^z_i$ (red) in front of the purity $|\mathbf{S}_i|$ (gray)"])
        self.note = f"\n{note}" if note else ""
        self.heading = self.fig.suptitle("", fontsize=7.5)
        self.canvas = FigureCanvasAgg(self.fig)
        self.draw(0)
        self.canvas.draw()  # lay out once (constrained layout), then keep it: a layout per frame is 10× the drawing
        self.fig.set_layout_engine("none")

    def rgb_frames(self, dpi: float) -> Iterator[np.ndarray]:
        """Every frame as an RGB array at ``dpi``: the static parts drawn once, the moving artists blitted
        onto a copy of them (matplotlib's blitting), so a frame costs a few artists, not a figure."""
        self.fig.set_dpi(dpi)
        moving = self.draw(0)
        for artist in moving:
            artist.set_animated(True)
        self.canvas.draw()
        background = self.canvas.copy_from_bbox(self.fig.bbox)
        try:
            for k in range(len(self.data["t"])):
                self.canvas.restore_region(background)
                for artist in self.draw(k):
                    self.fig.draw_artist(artist)
                yield np.asarray(self.canvas.buffer_rgba())[..., :3].copy()
        finally:
            for artist in moving:
                artist.set_animated(False)

    def draw(self, k: int) -> list[Any]:
        """Update every artist to frame ``k``; returns them (FuncAnimation's contract)."""
        data = self.data
        t, t_refl = float(data["t"][k]), float(data["t_reflection"])
        self.lines[0].set_ydata(data["density"][k])
        self.lines[1].set_ydata(data["spin_density_z"][k])
        for bar, value in zip(self.spin_bars, data["spin_z"][k], strict=True):
            bar.set_height(value)
        for bar, value in zip(self.purity_bars, data["spin_purity"][k], strict=True):
            bar.set_height(value)
        late = "   (reflected pulse back in FM region)" if t > t_refl else ""
        self.heading.set_text(rf"{self.title},   $t = {t:5.1f}\,\hbar/\gamma${late}" + self.note)
        # in drawing order (blitting ignores zorder): the purity behind S^z (no legend to cover: the panel
        # labels say what is drawn)
        return [*self.lines, *self.purity_bars, *self.spin_bars, self.heading]


def _still_frame(data: dict[str, np.ndarray]) -> int:
    """The frame where the first localized spin is reversed furthest (largest ⟨σ^z_1⟩)."""
    return int(np.argmax(data["spin_z"][:, 0]))


def make_movie(
    name: str,
    *,
    size: str = "quick",
    out: str | Path = "figures_out",
    cache_dir: str | Path | None = None,
    executor: Executor | None = None,
    refresh: bool = False,
) -> dict[str, Path]:
    """Write movie ``name`` (module docstring) into ``out``; returns the written paths by suffix.

    Parameters
    ----------
    name : str
        One of :data:`MOVIES`.
    size : {"quick", "full", "tiny"}
        ``"full"``: the paper's chain (a TEBD run of about 20 min per J_sd on two cores, cached);
        ``"quick"``: the reduced chain (exact evolver, about half a minute).
    out : path
        Output directory.
    cache_dir : path, optional
        Cache of run records (default ``<out>/.cache``, the figures' cache: the J_sd = 0.5 run is PRX
        Fig. 3's).
    executor : concurrent.futures.Executor, optional
        Where the run is computed (None: inline).
    refresh : bool
        Recompute the run instead of reading the cached record.

    Returns
    -------
    dict of Path
        By suffix: ``gif``, ``mp4`` (with ffmpeg), ``png``, ``pdf``, ``npz``, ``json``.

    Raises
    ------
    ValueError
        For an unknown movie or size (before any work).
    RuntimeError
        When ffmpeg fails.
    """
    start = time.perf_counter()
    params = movie_params(name, size)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else out / ".cache"
    with run_cache(cache / "runs", refresh=refresh):
        data, record = movie_data(params, executor)
    compute_wall = time.perf_counter() - start
    title = rf"PRX chain, $N_e = {params['n_e']}$, +z, $J_{{sd}} = {MOVIES[name]:g}\gamma$"
    note = size_note(size, params, movie_params(name, "full"))
    paths: dict[str, Path] = {}
    t0 = time.perf_counter()
    ffmpeg = ffmpeg_path()
    with style_context():
        frames = MovieFrames(data, title, note)
        paths["gif"] = out / f"{name}.gif"
        write_gif(paths["gif"], frames.rgb_frames(MOVIE_DPI), params["fps"])
        if ffmpeg is not None:
            paths["mp4"] = out / f"{name}.mp4"
            write_mp4(paths["mp4"], frames.rgb_frames(MOVIE_DPI), params["fps"], ffmpeg)
        frames.draw(_still_frame(data))
        for suffix in ("png", "pdf"):
            paths[suffix] = out / f"{name}.{suffix}"
            frames.fig.savefig(paths[suffix], dpi=200)
    render_wall = time.perf_counter() - t0
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    paths["npz"] = out / f"{name}.npz"
    atomic_write_bytes(paths["npz"], buffer.getvalue())
    paths["json"] = out / f"{name}.json"
    record_path = record.meta.get("record_path")
    meta = {
        "movie": name, "size": size, "params": params, "size_note": note, "frames": len(data["t"]),
        "still_frame_t": float(data["t"][_still_frame(data)]), "formats": [k for k in ("gif", "mp4") if k in paths],
        "ffmpeg": ffmpeg,
        "run": {"key": movie_spec(params).key(),
                "record_path": None if record_path is None else os.path.relpath(record_path, out),
                "wall_time_s": record.meta.get("wall_time_s"), "method": _prx.method_label(record)},
        "compute_wall_time_s": compute_wall, "render_wall_time_s": render_wall,
        "package_version": package_version(), "outputs": {k: p.name for k, p in paths.items()},
    }
    atomic_write_bytes(paths["json"], json.dumps(meta, indent=2, sort_keys=True, default=json_default).encode())
    return paths
